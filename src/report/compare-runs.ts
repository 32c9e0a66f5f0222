// Why: `compare`: what changed between two runs (two Calico versions, two dataplanes, two CNIs), pure.
import { type Classification, isProblem } from '../compare/classification.js'
import type { ObservationResult } from '../model/observation.js'
import { cellLabel, stepTable } from './cells.js'
import type { RunReport } from './model.js'
import { runDifferences } from './run-options.js'

/** Which run a comparison side is: id, driver, CNI, versions, verdict. */
export interface RunRef {
  readonly runId: string
  readonly driver: string
  readonly cni: string
  readonly versions: Readonly<Record<string, string>>
  readonly exitCode: number
}

/** A cell whose observation or classification differs between the runs. */
export interface CellChange {
  readonly scenario: string
  readonly step: string
  readonly cell: string
  readonly a: { readonly result: ObservationResult; readonly classification: Classification }
  readonly b: { readonly result: ObservationResult; readonly classification: Classification }
  readonly observationChanged: boolean
  readonly classificationChanged: boolean
}

/** A step's time to enforce in both runs. */
export interface StepDelta {
  readonly scenario: string
  readonly step: string
  readonly aMs: number | null
  readonly bMs: number | null
  /** b - a; null when either never converged. */
  readonly deltaMs: number | null
}

/** What a regression is about: a cell now classified this way, a scenario gone, a step slower to enforce (or never). */
export type ChangeKind = Classification | 'scenario-gone' | 'slower'

/** A change that matters for gating: worse (regression) or better (improvement) in B than in A. */
export interface GateChange {
  readonly kind: ChangeKind
  readonly scenario: string
  readonly step?: string
  readonly cell?: string
  /** One line for people: what it was, what it is. */
  readonly detail: string
}

/** What compare judges as a regression or improvement. */
export interface CompareOptions {
  /** A step's time to enforce must differ by more than this to count (converging or not always counts). */
  readonly slowerThanMs: number
}

/** The defaults of `compare`: 1 s of time-to-enforce noise is tolerated. */
export const DEFAULT_COMPARE_OPTIONS: CompareOptions = { slowerThanMs: 1000 }

/** What changed between two runs. */
export interface RunComparison {
  readonly options: CompareOptions
  readonly a: RunRef
  readonly b: RunRef
  /** What differs besides the results (driver, CNI, options: `faults: packet-loss=10 vs none`); empty: same setup. */
  readonly runsDiffer: readonly string[]
  readonly onlyInA: readonly string[]
  readonly onlyInB: readonly string[]
  readonly comparedCells: number
  readonly changes: readonly CellChange[]
  readonly steps: readonly StepDelta[]
  /** Worse in B: new problem cells (by B's classification), scenarios gone, steps slower beyond the threshold. */
  readonly regressions: readonly GateChange[]
  /** Better in B: problem cells that are fine now, steps faster beyond the threshold or converging now. */
  readonly improvements: readonly GateChange[]
}

const ref = (r: RunReport): RunRef => ({
  runId: r.runId,
  driver: r.driver.name,
  cni: r.driver.cni,
  versions: r.driver.versions,
  exitCode: r.summary.exitCode,
})

/** Did a step's time to enforce change beyond the threshold (or start or stop converging)? */
export function stepChanged(d: StepDelta, o: CompareOptions): boolean {
  return d.deltaMs === null ? d.aMs !== d.bMs : Math.abs(d.deltaMs) > o.slowerThanMs
}

const ms = (v: number | null) => (v === null ? 'never' : `${v} ms`)

/** Cell and step changes sorted into regressions and improvements. */
function judge(changes: readonly CellChange[], steps: readonly StepDelta[], onlyInA: readonly string[], o: CompareOptions) {
  const regressions: GateChange[] = onlyInA.map((scenario) => ({ kind: 'scenario-gone', scenario, detail: 'scenario not in B' }))
  const improvements: GateChange[] = []
  for (const x of changes) {
    if (!x.classificationChanged) continue
    const where = { scenario: x.scenario, step: x.step, cell: x.cell, detail: `${x.a.classification} -> ${x.b.classification}` }
    if (isProblem(x.b.classification)) regressions.push({ kind: x.b.classification, ...where })
    else if (isProblem(x.a.classification)) improvements.push({ kind: x.a.classification, ...where })
  }
  for (const d of steps) {
    if (!stepChanged(d, o)) continue
    const worse = d.bMs === null || (d.aMs !== null && d.bMs > d.aMs)
    const change = { kind: 'slower' as const, scenario: d.scenario, step: d.step, detail: `time to enforce ${ms(d.aMs)} -> ${ms(d.bMs)}` }
    ;(worse ? regressions : improvements).push(change)
  }
  return { regressions, improvements }
}

/** Scenarios match by name, steps by name within them, cells by source, destination and target. */
export function compareRuns(a: RunReport, b: RunReport, options: CompareOptions = DEFAULT_COMPARE_OPTIONS): RunComparison {
  const bScen = new Map(b.scenarios.map((s) => [s.name, s]))
  const aNames = new Set(a.scenarios.map((s) => s.name))
  const changes: CellChange[] = []
  const steps: StepDelta[] = []
  let compared = 0
  for (const sa of a.scenarios) {
    const sb = bScen.get(sa.name)
    if (!sb) continue
    const bSteps = new Map(sb.steps.map((st) => [st.name, st]))
    for (const sta of sa.steps) {
      const stb = bSteps.get(sta.name)
      if (!stb) continue
      steps.push({
        scenario: sa.name,
        step: sta.name,
        aMs: sta.timeToEnforceMs,
        bMs: stb.timeToEnforceMs,
        deltaMs: sta.timeToEnforceMs !== null && stb.timeToEnforceMs !== null ? stb.timeToEnforceMs - sta.timeToEnforceMs : null,
      })
      const bCells = stepTable(stb)
      for (const ca of sta.cells) {
        const cb = bCells.get(ca.from, ca.to, ca)
        if (!cb) continue
        compared++
        const observationChanged = ca.observation.result !== cb.observation.result
        const classificationChanged = ca.classification !== cb.classification
        if (observationChanged || classificationChanged) {
          changes.push({
            scenario: sa.name,
            step: sta.name,
            cell: cellLabel(ca),
            a: { result: ca.observation.result, classification: ca.classification },
            b: { result: cb.observation.result, classification: cb.classification },
            observationChanged,
            classificationChanged,
          })
        }
      }
    }
  }
  const onlyInA = a.scenarios.filter((s) => !bScen.has(s.name)).map((s) => s.name)
  return {
    options,
    a: ref(a),
    b: ref(b),
    runsDiffer: runDifferences(a, b),
    onlyInA,
    onlyInB: b.scenarios.filter((s) => !aNames.has(s.name)).map((s) => s.name),
    comparedCells: compared,
    changes,
    steps,
    ...judge(changes, steps, onlyInA, options),
  }
}

/** `--fail-on` by default: every disagreement (the CNI or the policies are wrong), a scenario gone, slower enforcement. */
export const DEFAULT_FAIL_ON: readonly ChangeKind[] = ['fail-open', 'fail-closed', 'flaky', 'intent-violation', 'scenario-gone', 'slower']

/** The regressions that fail the gate. */
export function failing(c: RunComparison, failOn: readonly ChangeKind[]): readonly GateChange[] {
  return c.regressions.filter((r) => failOn.includes(r.kind))
}

/** Anything at all differs: a cell's observation or classification, the scenarios, a step's time to enforce beyond the threshold. */
export function anyChange(c: RunComparison): boolean {
  return c.changes.length > 0 || c.onlyInA.length > 0 || c.onlyInB.length > 0 || c.regressions.length > 0 || c.improvements.length > 0
}

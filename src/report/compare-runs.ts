// Why: `compare`: what changed between two runs (two Calico versions, two dataplanes, two CNIs), pure.
import type { Classification } from '../compare/classification.js'
import type { ObservationResult } from '../model/observation.js'
import { cellLabel, stepTable } from './cells.js'
import type { RunReport } from './model.js'

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

/** What changed between two runs. */
export interface RunComparison {
  readonly a: RunRef
  readonly b: RunRef
  readonly onlyInA: readonly string[]
  readonly onlyInB: readonly string[]
  readonly comparedCells: number
  readonly changes: readonly CellChange[]
  readonly steps: readonly StepDelta[]
}

const ref = (r: RunReport): RunRef => ({
  runId: r.runId,
  driver: r.driver.name,
  cni: r.driver.cni,
  versions: r.driver.versions,
  exitCode: r.summary.exitCode,
})

/** Scenarios match by name, steps by name within them, cells by source, destination and target. */
export function compareRuns(a: RunReport, b: RunReport): RunComparison {
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
  return {
    a: ref(a),
    b: ref(b),
    onlyInA: a.scenarios.filter((s) => !bScen.has(s.name)).map((s) => s.name),
    onlyInB: b.scenarios.filter((s) => !aNames.has(s.name)).map((s) => s.name),
    comparedCells: compared,
    changes,
    steps,
  }
}

// Why: `predict`: the evaluator's matrix for every step of a scenario, no cluster involved. Output is produced
// step by step and chunk by chunk, so a matrix of millions of cells never becomes one string (or one object per cell).
import { predict, type Verdict } from '../evaluator/index.js'
import { type StagedChange, stagedChanges } from '../evaluator/staged.js'
import { targetId } from '../model/cluster.js'
import type { Scenario } from '../model/scenario.js'
import type { TruthTable } from '../model/truth-table.js'
import { intendedVerdict } from '../compare/intent.js'
import { stepStates } from '../scenario/apply-actions.js'
import { type LoadOptions, loadScenarios } from '../scenario/load.js'
import { GLYPH } from '../report/glyphs.js'
import { stagedCellReports } from '../report/explanation.js'
import { stagedLines } from '../report/cells.js'
import { targetChunks } from '../report/render-table.js'
import { type Io, writeOut } from './io.js'

/** One step's predicted matrix. */
export interface StepPrediction {
  readonly name: string
  readonly table: TruthTable<Verdict>
  /** Calico staged policies: the cells they would change if enforced (they change none; docs/calico-policy.md). */
  readonly staged?: readonly StagedChange[]
}

/** A cell where the prediction contradicts the step's intent. */
export interface IntentViolation {
  step: string
  from: string
  to: string
  target: string
  intended: string
  predicted: string
}

/** Predicts the steps one at a time, so a step's table can be dropped before the next one is built. */
export function* predictSteps(s: Scenario): Generator<StepPrediction> {
  const states = stepStates(s)
  for (const [i, step] of s.steps.entries()) {
    const table = predict(states[i], step.probe.targets)
    const staged = stagedChanges(states[i], step.probe.targets, table)
    yield { name: step.name, table, ...(staged ? { staged } : {}) }
  }
}

/** Predicts every step of a scenario. */
export function predictScenario(s: Scenario): StepPrediction[] {
  return [...predictSteps(s)]
}

/** Cells of step `i` where the prediction contradicts the step's intent. */
function* stepIntentViolations(s: Scenario, i: number, p: StepPrediction): Generator<IntentViolation> {
  const expect = s.steps[i].expect
  if (!expect) return
  for (const c of p.table.entries()) {
    const intended = intendedVerdict(expect, c.from, c.to, c.target)
    if (intended && intended !== c.value)
      yield { step: p.name, from: c.from, to: c.to, target: targetId(c.target), intended, predicted: c.value }
  }
}

/** Cells where the prediction contradicts the step's intent. @internal exported for its test */
export function intentViolations(s: Scenario, steps: readonly StepPrediction[]): IntentViolation[] {
  return steps.flatMap((p, i) => [...stepIntentViolations(s, i, p)])
}

// Chunks stay well below V8's large-object threshold (128 KiB): each bigger string is its own mapping, and
// allocating and freeing those made 10 M cells 12x slower per cell than 2.5 M.
const CHUNK = 16384

/**
 * ARCHITECTURE.md 3.3, exactly (the bytes `JSON.stringify` gives): one cell per (source, destination, target),
 * external-to-external omitted; a step with Calico staged policies adds `staged`, the cells they would change. Chunks
 * of about 16 KiB; ids are quoted once per table.
 */
export function* predictJsonChunks(s: Scenario, steps: Iterable<StepPrediction>): Generator<string> {
  yield `{"scenario":${JSON.stringify(s.name)},"steps":[`
  let firstStep = true
  for (const p of steps) {
    yield `${firstStep ? '' : ','}{"name":${JSON.stringify(p.name)},"cells":[`
    firstStep = false
    const t = p.table
    const heads = t.sources.map((id) => `{"from":${JSON.stringify(id)},"to":`)
    const tos = t.destinations.map((id) => `${JSON.stringify(id)},"port":`)
    const tails = new Map<Verdict, string>()
    let first = true
    for (let ti = 0; ti < t.targets.length; ti++) {
      const target = t.targets[ti]
      const family = target.family ? `"family":${JSON.stringify(target.family)},` : ''
      const prefix = `${JSON.stringify(target.port)},"protocol":${JSON.stringify(target.protocol)},${family}"verdict":`
      tails.clear()
      for (let si = 0; si < t.sources.length; si++) {
        let row = ''
        for (let di = 0; di < t.destinations.length; di++) {
          const v = t.getAt(si, di, ti)
          if (v === undefined) continue
          let tail = tails.get(v)
          if (tail === undefined) tails.set(v, (tail = `${prefix}${JSON.stringify(v)}}`))
          row += `${first ? '' : ','}${heads[si]}${tos[di]}${tail}`
          first = false
          if (row.length >= CHUNK) {
            yield row
            row = ''
          }
        }
        if (row) yield row
      }
    }
    yield p.staged ? `],"staged":${JSON.stringify(stagedCellReports(p.staged))}}` : ']}'
  }
  yield ']}'
}

/**
 * The same document as `predictJsonChunks`, as YAML, streamed the same way: block mappings and sequences, a cell per
 * line in flow style; strings are JSON strings, which YAML reads as double-quoted scalars. `item` nests the
 * document as an element of a sequence (several scenarios).
 */
function* predictYamlChunks(s: Scenario, steps: Iterable<StepPrediction>, item: boolean): Generator<string> {
  const [first, rest] = item ? ['- ', '  '] : ['', '']
  yield `${first}scenario: ${JSON.stringify(s.name)}\n${rest}steps:`
  let anyStep = false
  for (const p of steps) {
    yield `${anyStep ? '' : '\n'}${rest}  - name: ${JSON.stringify(p.name)}\n${rest}    cells:`
    anyStep = true
    const t = p.table
    const heads = t.sources.map((id) => `\n${rest}      - {from: ${JSON.stringify(id)}, to: `)
    const tos = t.destinations.map((id) => `${JSON.stringify(id)}, port: `)
    let any = false
    let row = ''
    for (let ti = 0; ti < t.targets.length; ti++) {
      const target = t.targets[ti]
      const tails = new Map<Verdict, string>()
      for (let si = 0; si < t.sources.length; si++) {
        for (let di = 0; di < t.destinations.length; di++) {
          const v = t.getAt(si, di, ti)
          if (v === undefined) continue
          let tail = tails.get(v)
          if (tail === undefined)
            tails.set(
              v,
              (tail = `${target.port}, protocol: ${JSON.stringify(target.protocol)}, ${target.family ? `family: ${target.family}, ` : ''}verdict: ${JSON.stringify(v)}}`),
            )
          row += `${heads[si]}${tos[di]}${tail}`
          any = true
          if (row.length >= CHUNK) {
            yield row
            row = ''
          }
        }
      }
    }
    yield `${row}${any ? '' : ' []'}\n`
    if (p.staged) {
      const items = stagedCellReports(p.staged).map(
        (c) =>
          `\n${rest}      - {${Object.entries(c)
            .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
            .join(', ')}}`,
      )
      yield `${rest}    staged:${items.join('') || ' []'}\n`
    }
  }
  if (!anyStep) yield ' []\n'
}

/** Text tables per step and target; cells contradicting intent carry a mark. */
export function* predictTableChunks(s: Scenario, steps: Iterable<StepPrediction>): Generator<string> {
  // The lines and tables below, each after a newline but the first.
  yield `scenario ${s.name} (${s.file})\nlegend: . allow   X deny   * contradicts the step's expect\n`
  let i = 0
  for (const p of steps) {
    const expect = s.steps[i].expect
    yield `\nstep ${i + 1}: ${p.name}`
    for (let ti = 0; ti < p.table.targets.length; ti++) {
      yield '\n'
      yield* targetChunks(p.table, ti, {
        glyph: (v) => GLYPH[v as Verdict],
        mismatch: expect
          ? (from, to, target, v) => {
              const intended = intendedVerdict(expect, from, to, target)
              return intended !== undefined && intended !== v
            }
          : undefined,
      })
    }
    if (p.staged) {
      const [head, ...cells] = stagedLines(stagedCellReports(p.staged), false)
      yield `\n${head}${cells.map((l) => `\n  ${l}`).join('')}\n`
    }
    i++
  }
}

const SHOWN_VIOLATIONS = 20

/**
 * A scenario's JSON document. One scenario: the document and a newline. Several: one JSON array, the documents its
 * elements (`first`/`last` open and close it), so the output is always one valid JSON document.
 */
function* jsonDoc(s: Scenario, steps: Iterable<StepPrediction>, several: boolean, first: boolean, last: boolean): Generator<string> {
  if (several) yield first ? '[\n' : ',\n'
  yield* predictJsonChunks(s, steps)
  yield several && last ? '\n]\n' : '\n'
}

/**
 * The `predict` command: the JSON or YAML document (a sequence of them for several scenarios) or the tables, streamed step by step,
 * then its intent violations on stderr (the first 20 and a count). Returns 1 when any prediction contradicts intent.
 */
export async function predictCommand(
  io: Io,
  paths: readonly string[],
  output: 'json' | 'yaml' | 'table',
  load: LoadOptions = {},
): Promise<number> {
  let violations = 0
  const scenarios = loadScenarios([...paths], load)
  for (const [k, s] of scenarios.entries()) {
    const shown: IntentViolation[] = []
    let count = 0
    const steps = (function* () {
      let i = 0
      for (const p of predictSteps(s)) {
        for (const v of stepIntentViolations(s, i, p)) if (count++ < SHOWN_VIOLATIONS) shown.push(v)
        i++
        yield p
      }
    })()
    const several = scenarios.length > 1
    const open = await writeOut(
      io,
      output === 'json'
        ? jsonDoc(s, steps, several, k === 0, k === scenarios.length - 1)
        : output === 'yaml'
          ? predictYamlChunks(s, steps, several)
          : predictTableChunks(s, steps),
    )
    violations += count
    for (const x of shown)
      io.err(
        `intent violation: ${s.name} step "${x.step}": ${x.from} -> ${x.to} ${x.target}: expected ${x.intended}, policies ${x.predicted}\n`,
      )
    if (count > SHOWN_VIOLATIONS) io.err(`... and ${count - SHOWN_VIOLATIONS} more intent violations in ${s.name}\n`)
    if (!open) break
  }
  return violations > 0 ? 1 : 0
}

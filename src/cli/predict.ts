// Why: `predict`: the evaluator's matrix for every step of a scenario, no cluster involved.
import { predict, type Verdict } from '../evaluator/index.js'
import type { Scenario } from '../model/scenario.js'
import type { TruthTable } from '../model/truth-table.js'
import { intendedVerdict } from '../compare/intent.js'
import { stepStates } from '../scenario/apply-actions.js'
import { GLYPH } from '../report/glyphs.js'
import { renderTarget } from '../report/render-table.js'

/** One step's predicted matrix. */
export interface StepPrediction {
  readonly name: string
  readonly table: TruthTable<Verdict>
}

/** Predicts every step of a scenario. */
export function predictScenario(s: Scenario): StepPrediction[] {
  const states = stepStates(s)
  return s.steps.map((step, i) => ({ name: step.name, table: predict(states[i], step.probe.targets) }))
}

/** Cells where the prediction contradicts the step's intent. */
export function intentViolations(
  s: Scenario,
  steps: readonly StepPrediction[],
): { step: string; from: string; to: string; target: string; intended: string; predicted: string }[] {
  const out = []
  for (const [i, p] of steps.entries()) {
    const expect = s.steps[i].expect
    if (!expect) continue
    for (const c of p.table.entries()) {
      const intended = intendedVerdict(expect, c.from, c.to, c.target)
      if (intended && intended !== c.value)
        out.push({ step: p.name, from: c.from, to: c.to, target: `${c.target.port}/${c.target.protocol}`, intended, predicted: c.value })
    }
  }
  return out
}

/** ARCHITECTURE.md 3.3, exactly: one cell per (source, destination, target), external-to-external omitted. */
export function renderPredictJson(s: Scenario, steps: readonly StepPrediction[]): string {
  return JSON.stringify({
    scenario: s.name,
    steps: steps.map((p) => {
      const cells = []
      for (const c of p.table.entries())
        cells.push({ from: c.from, to: c.to, port: c.target.port, protocol: c.target.protocol, verdict: c.value })
      return { name: p.name, cells }
    }),
  })
}

/** Text tables per step and target; cells contradicting intent carry a mark. */
export function renderPredictTable(s: Scenario, steps: readonly StepPrediction[]): string {
  const out: string[] = [`scenario ${s.name} (${s.file})`, `legend: . allow   X deny   * contradicts the step's expect`, '']
  steps.forEach((p, i) => {
    const expect = s.steps[i].expect
    out.push(`step ${i + 1}: ${p.name}`)
    p.table.targets.forEach((_, ti) => {
      out.push(
        renderTarget(p.table, ti, {
          glyph: (v) => GLYPH[v as Verdict],
          mismatch: (from, to, target) => {
            const intended = intendedVerdict(expect, from, to, target)
            return intended !== undefined && intended !== p.table.get(from, to, target)
          },
        }),
      )
    })
  })
  return out.join('\n')
}

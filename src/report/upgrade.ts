// Why: report.json files written by earlier versions load as the current model (pure), so `report` and
// `compare` keep reading every run ever written.
import { type CellReport, type RunReport, type ScenarioReport, SCHEMA_VERSION, type StepReport } from './model.js'

/** A schemaVersion 1 cell: the current shape, but the explanation was prose. */
type V1Cell = Omit<CellReport, 'explanation'> & { readonly explanation?: string }

/** A schemaVersion 1 report: the current shape but for its cells. */
type V1Report = Omit<RunReport, 'schemaVersion' | 'scenarios'> & {
  readonly schemaVersion: 1
  readonly scenarios: readonly (Omit<ScenarioReport, 'steps'> & {
    readonly steps: readonly (Omit<StepReport, 'cells'> & { readonly cells: readonly V1Cell[] })[]
  })[]
}

function cellFromV1({ explanation, ...cell }: V1Cell): CellReport {
  return explanation === undefined ? cell : { ...cell, explanation: { kind: 'text', text: explanation } }
}

function fromV1(r: V1Report): RunReport {
  return {
    ...r,
    schemaVersion: SCHEMA_VERSION,
    scenarios: r.scenarios.map((s) => ({ ...s, steps: s.steps.map((st) => ({ ...st, cells: st.cells.map(cellFromV1) })) })),
  }
}

/** The versions read.ts accepts, oldest first. */
export const READABLE_VERSIONS = [1, SCHEMA_VERSION] as const

/** A parsed report.json of a readable version as the current model; undefined when it is not a run report. */
export function upgradeReport(json: unknown): RunReport | undefined {
  const r = json as { readonly schemaVersion?: unknown; readonly scenarios?: unknown } | null
  if (!r || typeof r !== 'object' || !Array.isArray(r.scenarios)) return undefined
  if (r.schemaVersion === SCHEMA_VERSION) return r as RunReport
  if (r.schemaVersion === 1) return fromV1(r as V1Report)
  return undefined
}

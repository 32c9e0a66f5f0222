// Why: the nightly history: one small entry per run (pure), appended by the writer, read by the index page.
import { type Counts, isDisagreeingCell } from '../compare/classification.js'
import type { RunReport } from './model.js'

/** A scenario in one run of the history. */
export interface HistoryScenario {
  readonly name: string
  readonly status: 'pass' | 'fail' | 'error'
  /** The slowest step's time to enforce; null when a step never converged. */
  readonly timeToEnforceMs: number | null
  readonly disagreements: number
}

/** One run in the history: verdict, driver, versions, counts and its scenarios. */
export interface HistoryEntry {
  readonly runId: string
  readonly startedAt: string
  readonly durationMs: number
  readonly exitCode: number
  readonly driver: string
  readonly cni: string
  readonly versions: Readonly<Record<string, string>>
  /** Whether `--driver` named the driver or `auto` chose it (absent for runs recorded before it was). */
  readonly chosenBy?: 'flag' | 'auto'
  /** The dataplane faults injected on purpose (`--fault` specs); a run with any is marked, never read as a regression. */
  readonly faults?: readonly string[]
  readonly cells: number
  readonly probesPerSecond: number
  readonly counts: Counts
  readonly scenarios: readonly HistoryScenario[]
}

/** history.json: every run, in start order. */
export interface History {
  readonly schemaVersion: 1
  readonly runs: readonly HistoryEntry[]
}

/** The history before any run. */
export const EMPTY_HISTORY: History = { schemaVersion: 1, runs: [] }

/** The history entry of one run. */
export function historyEntry(r: RunReport): HistoryEntry {
  return {
    runId: r.runId,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    exitCode: r.summary.exitCode,
    driver: r.driver.name,
    cni: r.driver.cni,
    versions: r.driver.versions,
    ...(r.driver.chosenBy ? { chosenBy: r.driver.chosenBy } : {}),
    ...(r.options.faults?.length ? { faults: r.options.faults } : {}),
    cells: r.summary.cells,
    probesPerSecond: r.summary.probesPerSecond,
    counts: r.summary.counts,
    scenarios: r.scenarios.map((s) => {
      const disagreements = s.steps.reduce((n, st) => n + st.cells.filter(isDisagreeingCell).length, 0)
      const ttes = s.steps.map((st) => st.timeToEnforceMs)
      return {
        name: s.name,
        status: s.error ? 'error' : disagreements ? 'fail' : 'pass',
        timeToEnforceMs: ttes.some((x) => x === null) ? null : Math.max(0, ...(ttes as number[])),
        disagreements,
      }
    }),
  }
}

/** Adds (or replaces) a run, keeping runs in start order. */
export function withRun(h: History, e: HistoryEntry): History {
  return {
    schemaVersion: 1,
    runs: [...h.runs.filter((r) => r.runId !== e.runId), e].sort(
      (a, b) => a.startedAt.localeCompare(b.startedAt) || a.runId.localeCompare(b.runId),
    ),
  }
}

/** How many runs history.json keeps unless `--history-limit` says otherwise (docs/reports.md). */
export const DEFAULT_HISTORY_LIMIT = 200

/** Keeps the `limit` most recent runs (by start order); older runs leave the history, their folders stay. */
export function limitRuns(h: History, limit: number): History {
  return h.runs.length <= limit ? h : { schemaVersion: 1, runs: h.runs.slice(h.runs.length - limit) }
}

/** Parses history.json; a file that is not a whole history (truncated, edited, another format) is undefined, never an empty history. */
export function parseHistory(text: string): History | undefined {
  try {
    const h = JSON.parse(text) as History
    return h && h.schemaVersion === 1 && Array.isArray(h.runs) ? h : undefined
  } catch {
    return undefined
  }
}

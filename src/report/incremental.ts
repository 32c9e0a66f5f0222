// Why: the run journal, `<run>/scenarios.jsonl`: one line per finished scenario, so a run killed outright (SIGKILL,
// a crash) loses at most the scenario in flight; pure: the line shapes, parsing, and the report rebuilt from them.
import { sumCounts } from '../compare/classification.js'
import { type RunReport, type ScenarioReport, SCHEMA_VERSION } from './model.js'

/** The journal's file name, in the run's folder beside report.json. */
export const JOURNAL_FILE = 'scenarios.jsonl'

/** The journal's first line: what a report needs that no scenario carries, and who writes it. */
export interface JournalHeader {
  readonly kind: 'run'
  readonly schemaVersion: typeof SCHEMA_VERSION
  readonly runId: string
  readonly startedAt: string
  /** The writing process: a journal whose owner still runs is a run going on, not a lost one. */
  readonly pid: number
  readonly host: string
  readonly harness: RunReport['harness']
  readonly driver: RunReport['driver']
  readonly options: RunReport['options']
  /** Every scenario the run meant to run. */
  readonly planned: readonly Pick<ScenarioReport, 'name' | 'file' | 'description' | 'tags'>[]
}

/** One finished scenario (interrupted ones too), with what the driver said about itself by then. */
export interface JournalScenario {
  readonly kind: 'scenario'
  readonly driver: RunReport['driver']
  readonly scenario: ScenarioReport
}

/** A journal read back: its header, its scenarios, and how many lines could not be read (a line torn by the kill). */
export interface Journal {
  readonly header: JournalHeader
  readonly scenarios: readonly JournalScenario[]
  readonly unreadableLines: number
}

/** Parses a journal; undefined when even its header is missing or unreadable. */
export function parseJournal(text: string): Journal | undefined {
  const lines = text.split('\n').filter((l) => l.trim())
  let header: JournalHeader | undefined
  const scenarios: JournalScenario[] = []
  let unreadableLines = 0
  for (const line of lines) {
    let v: JournalHeader | JournalScenario
    try {
      v = JSON.parse(line) as JournalHeader | JournalScenario
    } catch {
      unreadableLines++
      continue
    }
    if (v?.kind === 'run' && !header) header = v
    else if (v?.kind === 'scenario' && v.scenario && Array.isArray(v.scenario.steps)) scenarios.push(v)
    else unreadableLines++
  }
  return header && header.schemaVersion === SCHEMA_VERSION ? { header, scenarios, unreadableLines } : undefined
}

/**
 * The report of a run whose process ended without writing report.json, from its journal: the finished scenarios as
 * they were, the others `not run or not finished`, exit code 137 and `interrupted.by: lost`. `finishedAt` is when the
 * journal was last written.
 */
export function journalReport(j: Journal, finishedAt: string): RunReport {
  const done = j.scenarios.map((l) => l.scenario)
  const isDone = (p: { name: string; file: string }) => done.some((d) => d.name === p.name && d.file === p.file)
  const rest: ScenarioReport[] = j.header.planned
    .filter((p) => !isDone(p))
    .map((p) => ({
      ...p,
      setupMs: 0,
      durationMs: 0,
      steps: [],
      error: 'not run or not finished: the run ended without writing its report',
    }))
  const scenarios = [...done, ...rest]
  const steps = scenarios.flatMap((s) => s.steps)
  const durationMs = Math.max(0, Date.parse(finishedAt) - Date.parse(j.header.startedAt))
  const probes = steps.reduce((n, st) => n + st.cells.reduce((m, c) => m + c.observation.attempts.length, 0), 0)
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: j.header.runId,
    startedAt: j.header.startedAt,
    finishedAt,
    durationMs,
    harness: j.header.harness,
    driver: j.scenarios.at(-1)?.driver ?? j.header.driver,
    options: j.header.options,
    summary: {
      scenarios: scenarios.length,
      steps: steps.length,
      cells: steps.reduce((n, st) => n + st.cells.length, 0),
      counts: sumCounts(steps.map((st) => st.counts)),
      probesPerSecond: durationMs > 0 ? +((probes * 1000) / durationMs).toFixed(1) : 0,
      exitCode: 137,
    },
    scenarios,
    diagnostics: j.unreadableLines
      ? [`${j.unreadableLines} unreadable lines in ${JOURNAL_FILE} (a line cut short by the end of the process)`]
      : [],
    interrupted: {
      by: 'lost',
      detail: `the run's process ended without writing report.json (SIGKILL, a crash or a power cut); rebuilt from ${JOURNAL_FILE}: ${done.length} of ${j.header.planned.length} scenarios finished, the one in flight is lost`,
    },
  }
}

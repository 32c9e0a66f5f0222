// Why: the run journal's writer: `<report-dir>/<run>/scenarios.jsonl` gets one line per scenario as it ends, so a
// run killed outright leaves what it finished on disk (`netpol-harness report` turns it into report.json).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { RunReport, ScenarioReport } from './model.js'
import { type JournalHeader, type JournalScenario, JOURNAL_FILE } from './incremental.js'

/** Appends finished scenarios to a run's journal. */
export interface RunJournal {
  append(scenario: ScenarioReport, driver: RunReport['driver']): void
}

/** Creates the run's folder and its journal with the header line (pid and host are this process's). */
export function startJournal(reportDir: string, header: Omit<JournalHeader, 'kind' | 'pid' | 'host'>): RunJournal {
  const dir = join(reportDir, header.runId)
  mkdirSync(dir, { recursive: true })
  const file = join(dir, JOURNAL_FILE)
  const first: JournalHeader = { kind: 'run', ...header, pid: process.pid, host: hostname() }
  writeFileSync(file, JSON.stringify(first) + '\n')
  return {
    // One write per line: the page cache keeps it through SIGKILL of this process.
    append: (scenario, driver) =>
      appendFileSync(file, JSON.stringify({ kind: 'scenario', driver, scenario } satisfies JournalScenario) + '\n'),
  }
}

/** True when the journal's writer still runs (same host, pid alive): its run is going on, not lost. */
export function journalOwnerAlive(h: Pick<JournalHeader, 'pid' | 'host'>): boolean {
  if (h.host !== hostname() || !Number.isInteger(h.pid)) return false
  try {
    process.kill(h.pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

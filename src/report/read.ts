// Why: where existing reports enter again (`report`, `compare`): find and read report.json files.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../errors.js'
import type { RunReport } from './model.js'
import { type Journal, JOURNAL_FILE, parseJournal } from './incremental.js'
import { READABLE_VERSIONS, upgradeReport } from './upgrade.js'

/** Reads a run's report.json (any readable version, as the current model), given the file or the run's folder; bad input becomes InputError. */
export function readRunReport(path: string): RunReport {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'report.json') : path
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new InputError([
      { file, message: 'no report.json here (give a run folder such as reports/20261124-101500-ab12, or its report.json)' },
    ])
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new InputError([{ file, message: `not JSON: ${(e as Error).message}` }])
  }
  const r = upgradeReport(json)
  if (!r)
    throw new InputError([
      { file, path: 'schemaVersion', message: `not a netpol-harness report of schema version ${READABLE_VERSIONS.join(' or ')}` },
    ])
  return r
}

/** Every run folder under `dir` with a journal but no report.json (a run going on, or one that ended without its report). */
export function listJournalOnlyRuns(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isDirectory() && existsSync(join(p, JOURNAL_FILE)) && !existsSync(join(p, 'report.json')))
}

/** A run folder's journal and when it was last written; undefined when it has no readable header. */
export function readJournal(runDir: string): { journal: Journal; modifiedAt: string } | undefined {
  const file = join(runDir, JOURNAL_FILE)
  try {
    const journal = parseJournal(readFileSync(file, 'utf8'))
    return journal && { journal, modifiedAt: statSync(file).mtime.toISOString() }
  } catch {
    return undefined
  }
}

/** Every run folder under `dir` that holds a report.json, oldest run id first. */
export function listRunDirs(dir: string): string[] {
  if (!existsSync(dir)) throw new InputError([{ file: dir, message: 'no such folder' }])
  return readdirSync(dir)
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isDirectory() && existsSync(join(p, 'report.json')))
}

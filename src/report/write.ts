// Why: the only place that writes report files: DIR/<run-id>/{report.json,junit.xml,report.md,report.html},
// and DIR/history.json (through history-file.ts: lock, backup) with DIR/index.html over every run. Reports are
// written chunk by chunk as they are rendered, so memory does not grow with a run's size.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { InfraError, InputError } from '../errors.js'
import { type History, EMPTY_HISTORY, historyEntry, withRun } from './history.js'
import { type HistoryFileOptions, updateHistory } from './history-file.js'
import { journalReport } from './incremental.js'
import type { RunReport } from './model.js'
import { readRunReport, listRunDirs, listJournalOnlyRuns, readJournal } from './read.js'
import { journalOwnerAlive } from './write-incremental.js'
import { renderHtml } from './render-html.js'
import { renderIndex } from './render-index.js'
import { chartAssets } from './assets.js'
import { jsonChunks } from './render-json.js'
import { junitChunks } from './render-junit.js'
import { markdownChunks } from './render-markdown.js'
import { batched } from '../util/chunks.js'

function* jsonFile(r: RunReport): Generator<string> {
  yield* jsonChunks(r, 2)
  yield '\n'
}

const RENDERERS: Readonly<Record<string, (r: RunReport) => Iterable<string>>> = {
  'report.json': jsonFile,
  'junit.xml': junitChunks,
  'report.md': markdownChunks,
  'report.html': (r) => [renderHtml(r)],
}

/**
 * Writes chunks to a file in 64 KiB batches. Synchronous writes wait for the disk, so nothing queues up in
 * memory (the backpressure a stream's 'drain' gives), and callers stay synchronous.
 */
function writeChunksSync(file: string, chunks: Iterable<string>): void {
  const fd = openSync(file, 'w')
  try {
    for (const b of batched(chunks)) {
      const buf = Buffer.from(b)
      for (let at = 0; at < buf.length;) at += writeSync(fd, buf, at)
    }
  } finally {
    closeSync(fd)
  }
}

/** history.json's options (`--history-limit`, warnings on stderr). */
export type HistoryOptions = Pick<HistoryFileOptions, 'limit' | 'warn' | 'lockWaitMs'>

function writeHistory(dir: string, change: (h: History) => History, opts: HistoryOptions): void {
  updateHistory(dir, change, { ...opts, alsoWrite: (h) => writeFileSync(join(dir, 'index.html'), renderIndex(h, chartAssets())) })
}

function writeRun(r: RunReport, dir: string, formats = RENDERERS): string {
  const out = join(dir, r.runId)
  mkdirSync(out, { recursive: true })
  for (const [name, render] of Object.entries(formats)) writeChunksSync(join(out, name), render(r))
  return out
}

/**
 * Writes every format of a run, appends it to the history and rebuilds the index; returns the run's folder. The run's
 * files are written first: a history another writer holds too long is left alone with a warning (`report` rebuilds it).
 */
export function writeReports(r: RunReport, dir: string, opts: HistoryOptions = {}): string {
  const out = writeRun(r, dir)
  try {
    writeHistory(dir, (h) => withRun(h, historyEntry(r)), opts)
  } catch (e) {
    if (!(e instanceof InfraError)) throw e
    opts.warn?.(`history.json not updated: ${e.message}; netpol-harness report ${dir} rebuilds it`)
  }
  return out
}

/** What `report` did: runs rendered, runs rebuilt from their journal, and folders left out with the reason. */
export interface RebuildResult {
  readonly runs: number
  readonly recovered: readonly string[]
  readonly skipped: readonly { readonly dir: string; readonly reason: string }[]
}

/**
 * Re-renders every run under `dir` from its report.json and rebuilds history.json and index.html. A run folder with a
 * journal and no report.json whose writer is gone gets a report.json from its journal first (incremental.ts); a
 * report.json that cannot be read is skipped and named, the others are rebuilt.
 */
export function rebuildReports(dir: string, opts: HistoryOptions = {}): RebuildResult {
  let h: History = EMPTY_HISTORY
  const recovered: string[] = []
  const skipped: { dir: string; reason: string }[] = []
  for (const run of listJournalOnlyRuns(dir)) {
    const j = readJournal(run)
    if (!j) skipped.push({ dir: run, reason: 'scenarios.jsonl without a readable first line, and no report.json' })
    else if (!journalOwnerAlive(j.journal.header)) {
      writeRun(journalReport(j.journal, j.modifiedAt), dir, { 'report.json': RENDERERS['report.json'] })
      recovered.push(run)
    }
  }
  const { 'report.json': _json, ...pages } = RENDERERS
  let runs = 0
  for (const run of listRunDirs(dir)) {
    let r: RunReport
    try {
      r = readRunReport(run)
    } catch (e) {
      skipped.push({ dir: run, reason: e instanceof InputError ? e.problems.map((p) => p.message).join('; ') : (e as Error).message })
      continue
    }
    writeRun(r, dir, pages)
    h = withRun(h, historyEntry(r))
    runs++
  }
  mkdirSync(dir, { recursive: true })
  writeHistory(dir, () => h, opts)
  return { runs, recovered, skipped }
}

/** Writes a rendered page or document (compare output) to a file, creating its folder. */
export function writeText(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text)
}

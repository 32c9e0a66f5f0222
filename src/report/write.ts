// Why: the only place that writes report files: DIR/<run-id>/{report.json,junit.xml,report.md,report.html},
// and DIR/history.json with DIR/index.html over every run. Reports are written chunk by chunk as they are rendered,
// so memory does not grow with a run's size.
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { type History, EMPTY_HISTORY, historyEntry, parseHistory, withRun } from './history.js'
import type { RunReport } from './model.js'
import { readRunReport, listRunDirs } from './read.js'
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

function readHistory(dir: string): History {
  try {
    return parseHistory(readFileSync(join(dir, 'history.json'), 'utf8'))
  } catch {
    return EMPTY_HISTORY
  }
}

function writeHistory(dir: string, h: History): void {
  writeFileSync(join(dir, 'history.json'), JSON.stringify(h, null, 1) + '\n')
  writeFileSync(join(dir, 'index.html'), renderIndex(h, chartAssets()))
}

function writeRun(r: RunReport, dir: string, formats = RENDERERS): string {
  const out = join(dir, r.runId)
  mkdirSync(out, { recursive: true })
  for (const [name, render] of Object.entries(formats)) writeChunksSync(join(out, name), render(r))
  return out
}

/** Writes every format of a run, appends it to the history and rebuilds the index; returns the run's folder. */
export function writeReports(r: RunReport, dir: string): string {
  const out = writeRun(r, dir)
  writeHistory(dir, withRun(readHistory(dir), historyEntry(r)))
  return out
}

/** Re-renders every run under `dir` from its report.json and rebuilds history.json and index.html. */
export function rebuildReports(dir: string): { runs: number } {
  let h: History = EMPTY_HISTORY
  const { 'report.json': _json, ...pages } = RENDERERS
  const runs = listRunDirs(dir)
  for (const run of runs) {
    const r = readRunReport(run)
    writeRun(r, dir, pages)
    h = withRun(h, historyEntry(r))
  }
  mkdirSync(dir, { recursive: true })
  writeHistory(dir, h)
  return { runs: runs.length }
}

/** Writes a rendered page or document (compare output) to a file, creating its folder. */
export function writeText(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text)
}

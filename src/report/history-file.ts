// Why: history.json is shared by every run writing to the same report folder: one writer at a time (a lock file),
// replaced atomically, its previous version kept, and a damaged file never silently replaced by a history of one run.
import { closeSync, copyFileSync, existsSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { InfraError } from '../errors.js'
import { type History, DEFAULT_HISTORY_LIMIT, EMPTY_HISTORY, limitRuns, parseHistory } from './history.js'

/** How history.json is updated: retention, where warnings go, how long to wait for another writer. */
export interface HistoryFileOptions {
  /** Runs kept (the most recent); default DEFAULT_HISTORY_LIMIT. */
  readonly limit?: number
  /** Damaged files found and what was done about them (the CLI prints them on stderr). */
  readonly warn?: (line: string) => void
  /** How long to wait for another writer's lock before giving up (default 10 s). */
  readonly lockWaitMs?: number
  /** A lock older than this is stale whoever holds it (default 30 s; a write takes milliseconds). */
  readonly staleLockMs?: number
  /** Written while the lock is held, from the new history (the index page). */
  readonly alsoWrite?: (h: History) => void
}

interface LockOwner {
  readonly pid: number
  readonly host: string
  readonly at: string
}

const waitCell = new Int32Array(new SharedArrayBuffer(4))

/** Blocks for `ms`: the writers are synchronous and the wait is short and bounded. */
function sleepSync(ms: number): void {
  Atomics.wait(waitCell, 0, 0, ms)
}

function readOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockOwner
  } catch {
    return undefined
  }
}

/** True when the lock's owner is known to be gone (same host, no such pid) or the lock is older than `staleMs`. */
function isStale(file: string, owner: LockOwner | undefined, staleMs: number): boolean {
  let age: number
  try {
    age = Date.now() - statSync(file).mtimeMs
  } catch {
    return false // released meanwhile: try again
  }
  if (age > staleMs) return true
  if (!owner || owner.host !== hostname() || !Number.isInteger(owner.pid)) return false
  try {
    process.kill(owner.pid, 0)
    return false
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/**
 * Removes a stale lock: renamed first, so of several waiters only one takes it; if what it took is not the lock it
 * judged stale (a new owner got in between), it is put back.
 */
function breakLock(file: string, stale: LockOwner | undefined): void {
  const aside = `${file}.stale-${process.pid}-${Math.random().toString(16).slice(2, 8)}`
  try {
    renameSync(file, aside)
  } catch {
    return
  }
  const took = readOwner(aside)
  if (JSON.stringify(took) !== JSON.stringify(stale))
    try {
      linkSync(aside, file)
    } catch {}
  rmSync(aside, { force: true })
}

/** Runs `fn` holding `<dir>/history.json.lock` (created exclusively); waits a bounded time for another writer. */
function withLock<T>(dir: string, fn: () => T, opts: HistoryFileOptions): T {
  const file = join(dir, 'history.json.lock')
  const deadline = Date.now() + (opts.lockWaitMs ?? 10000)
  const staleMs = opts.staleLockMs ?? 30000
  for (;;) {
    try {
      const fd = openSync(file, 'wx')
      try {
        writeFileSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() } satisfies LockOwner))
      } finally {
        closeSync(fd)
      }
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    const owner = readOwner(file)
    if (isStale(file, owner, staleMs)) {
      breakLock(file, owner)
      continue
    }
    if (Date.now() > deadline)
      throw new InfraError(
        `history.json is locked by another writer (${file}: ${owner ? `pid ${owner.pid} on ${owner.host} since ${owner.at}` : 'unreadable'})`,
        {
          hint: `remove ${file} if no netpol-harness is writing there`,
        },
      )
    sleepSync(10 + Math.random() * 40)
  }
  try {
    return fn()
  } finally {
    rmSync(file, { force: true })
  }
}

function parseFile(file: string): History | undefined {
  try {
    return parseHistory(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

/**
 * Reads history.json under the lock. A damaged one is moved aside as `history.json.corrupt-<time>` and said so; the
 * previous version (`history.json.bak`) takes its place when it is whole, else the history starts empty.
 */
function readForUpdate(dir: string, warn: (line: string) => void): { history: History; whole: boolean } {
  const file = join(dir, 'history.json')
  if (!existsSync(file)) return { history: EMPTY_HISTORY, whole: false }
  const h = parseFile(file)
  if (h) return { history: h, whole: true }
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[-:.]/g, '')}`
  renameSync(file, aside)
  const bak = parseFile(`${file}.bak`)
  warn(
    bak
      ? `history.json could not be read (truncated or not a history); moved to ${aside}; restored the previous version from history.json.bak (${bak.runs.length} runs)`
      : `history.json could not be read (truncated or not a history); moved to ${aside}; no whole history.json.bak, so the history starts again (netpol-harness report ${dir} rebuilds it from the run folders)`,
  )
  return { history: bak ?? EMPTY_HISTORY, whole: false }
}

/**
 * Changes history.json under its lock: read (repairing a damaged file as readForUpdate says), change, keep the
 * `limit` most recent runs, copy the previous whole version to history.json.bak, write a temporary file and rename
 * it over. Throws InfraError when another writer holds the lock past `lockWaitMs`. Returns the history written.
 */
export function updateHistory(dir: string, change: (h: History) => History, opts: HistoryFileOptions = {}): History {
  return withLock(
    dir,
    () => {
      const file = join(dir, 'history.json')
      const { history, whole } = readForUpdate(dir, opts.warn ?? (() => {}))
      const next = limitRuns(change(history), opts.limit ?? DEFAULT_HISTORY_LIMIT)
      if (whole) copyFileSync(file, `${file}.bak`)
      const tmp = `${file}.tmp-${process.pid}`
      writeFileSync(tmp, JSON.stringify(next, null, 1) + '\n')
      renameSync(tmp, file)
      opts.alsoWrite?.(next)
      return next
    },
    opts,
  )
}

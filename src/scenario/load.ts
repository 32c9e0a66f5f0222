// Why: the edge where scenario files enter: expand files and folders, read, parse, and collect every problem.
import { MAX_FILE_BYTES } from './limits.js'
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, readdirSync, realpathSync, statSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { InputError, type Problem } from '../errors.js'
import type { Scenario } from '../model/scenario.js'
import { type ReadText, parseScenario } from './parse.js'

const YAML = /\.ya?ml$/

/** How scenario files and the files they reference are read. */
export interface LoadOptions {
  /** Allow `apply: [{file: ...}]` to name files outside the scenario's folder (`--allow-outside-files`). */
  readonly allowOutsideFiles?: boolean
  /** Per file, default `MAX_FILE_BYTES`. */
  readonly maxFileBytes?: number
}

/** Why `path` cannot be looked at (a loop, a dangling link, missing), from the error `stat` threw. */
function statError(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code
  if (code === 'ELOOP') return 'symbolic link loop'
  if (code === 'ENOENT') {
    try {
      if (lstatSync(path).isSymbolicLink()) return 'dangling symbolic link (its target does not exist)'
    } catch {
      // not there at all
    }
    return 'no such file or folder'
  }
  if (code === 'EACCES') return 'permission denied'
  return `cannot read (${code ?? String(e)})`
}

/** Why `st` is not a file we read: folders, FIFOs, sockets, devices, and files over the size limit. */
function notReadable(st: { isFile(): boolean; isDirectory(): boolean; size: number }, max: number): string | undefined {
  if (st.isDirectory()) return 'is a folder, not a file'
  if (!st.isFile()) return 'not a regular file (a FIFO, socket or device): refused'
  if (st.size > max) return `the file is ${st.size} bytes, over the ${max}-byte limit`
  return undefined
}

/**
 * A regular file's text, read without ever blocking: stat first (FIFOs, devices and folders are refused, and so is
 * a file over `max` bytes), then opened non-blocking and checked again on the open descriptor, so a FIFO swapped in
 * between cannot hang the read and a growing file cannot exceed the limit.
 */
function readRegular(path: string, max: number): { text: string } | { error: string } {
  let st
  try {
    st = statSync(path)
  } catch (e) {
    return { error: statError(path, e) }
  }
  const why = notReadable(st, max)
  if (why) return { error: why }
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (e) {
    return { error: statError(path, e) }
  }
  try {
    const again = notReadable(fstatSync(fd), max)
    if (again) return { error: again }
    const buf = Buffer.alloc(Math.min(max + 1, Math.max(st.size, 0) + 1))
    let n = 0
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null)
    if (n > max) return { error: `the file is over the ${max}-byte limit` }
    return { text: buf.toString('utf8', 0, n) }
  } catch (e) {
    return { error: `cannot read (${(e as NodeJS.ErrnoException)?.code ?? String(e)})` }
  } finally {
    closeSync(fd)
  }
}

/**
 * Every .yaml/.yml file under the given files and folders, sorted. Missing paths, dangling links, link loops (of
 * files or folders) become problems; folders reached twice through links are walked once.
 */
function expandPaths(paths: readonly string[], problems: Problem[]): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  const walk = (dir: string, ancestors: readonly string[]) => {
    let real: string
    let names: string[]
    try {
      real = realpathSync(dir)
      names = readdirSync(dir).sort()
    } catch (e) {
      problems.push({ file: displayPath(dir), message: statError(dir, e) })
      return
    }
    if (ancestors.includes(real)) {
      problems.push({ file: displayPath(dir), message: `folder symbolic link loop (it leads back to ${displayPath(real)})` })
      return
    }
    if (seen.has(real)) return
    seen.add(real)
    for (const name of names) {
      const p = join(dir, name)
      let st
      try {
        st = statSync(p)
      } catch (e) {
        // Broken links and loops are reported whatever their name: one of them might have been meant as a folder.
        problems.push({ file: displayPath(p), message: statError(p, e) })
        continue
      }
      if (st.isDirectory()) walk(p, [...ancestors, real])
      else if (YAML.test(name)) out.push(p)
    }
  }
  for (const p of paths) {
    if (p === '') {
      problems.push({ file: "''", message: 'an empty path names no file or folder' })
      continue
    }
    let st
    try {
      st = statSync(p)
    } catch (e) {
      problems.push({ file: p, message: statError(p, e) })
      continue
    }
    if (st.isDirectory()) walk(p, [])
    else out.push(p)
  }
  return out
}

/** Relative to the working directory when inside it, else absolute. */
function displayPath(file: string): string {
  const rel = relative(process.cwd(), file)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : resolve(file)
}

/** Policy files referenced from scenarios live beside them; a folder scan skips files that are not scenarios. */
export function looksLikeScenario(text: string): boolean {
  return /^(name|steps|namespaces):/m.test(text)
}

/** A file's text, or why it cannot be read (only regular files up to `max` bytes are). */
export function readText(path: string, max = MAX_FILE_BYTES): string | { error: string } {
  const r = readRegular(path, max)
  return 'text' in r ? r.text : r
}

/**
 * How scenarios read the files they reference: only regular files, and only inside the scenario's own folder
 * (after following links) unless `allowOutsideFiles`.
 */
export function referenceReader(opts: LoadOptions = {}): ReadText {
  const max = opts.maxFileBytes ?? MAX_FILE_BYTES
  return (path, within) => {
    if (!opts.allowOutsideFiles && within !== undefined) {
      const inside = (p: string, root: string) => {
        const rel = relative(root, p)
        return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
      }
      if (!inside(resolve(path), resolve(within)))
        return { error: `outside the scenario's folder ${within || '.'}: refused (--allow-outside-files allows it)` }
      try {
        if (!inside(realpathSync(path), realpathSync(within)))
          return {
            error: `links to ${realpathSync(path)}, outside the scenario's folder: refused (--allow-outside-files allows it)`,
          }
      } catch {
        // missing or a loop: readText says which
      }
    }
    return readText(path, max)
  }
}

/** Every YAML file under `paths` with its text (shown relative to the working directory); unreadable ones become problems. */
export function readInputs(
  paths: readonly string[],
  problems: Problem[],
  maxFileBytes = MAX_FILE_BYTES,
): { path: string; shown: string; text: string }[] {
  return expandPaths(paths, problems).flatMap((path) => {
    const shown = displayPath(path)
    const r = readRegular(path, maxFileBytes)
    if ('error' in r) {
      problems.push({ file: shown, message: r.error })
      return []
    }
    return [{ path, shown, text: r.text }]
  })
}

/**
 * Loads scenarios from files and folders. In folders, YAML files that are not scenarios (referenced policy
 * files) are skipped; named files must be scenarios. Throws InputError with every problem found.
 */
export function loadScenarios(paths: readonly string[], opts: LoadOptions = {}): Scenario[] {
  const problems: Problem[] = []
  const explicit = new Set(paths)
  const scenarios: Scenario[] = []
  const names = new Map<string, string>()
  const read = referenceReader(opts)
  for (const { path: file, shown, text } of readInputs(paths, problems, opts.maxFileBytes)) {
    if (!explicit.has(file) && !looksLikeScenario(text)) continue
    const r = parseScenario(text, shown, read)
    if (!r.ok) {
      problems.push(...r.problems)
      continue
    }
    const prev = names.get(r.scenario.name)
    if (prev) problems.push({ file: shown, path: 'name', message: `scenario name "${r.scenario.name}" is already used by ${prev}` })
    names.set(r.scenario.name, shown)
    scenarios.push(r.scenario)
  }
  if (problems.length) throw new InputError(sortProblems(problems))
  if (scenarios.length === 0) throw new InputError([{ file: paths.join(' '), message: 'no scenario files found (.yaml or .yml)' }])
  return scenarios
}

/** Problems in file order, then line order, so output reads top to bottom. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
}

// Why: the edge where scenario files enter: expand files and folders, read, parse, and collect every problem.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { InputError, type Problem } from '../errors.js'
import type { Scenario } from '../model/scenario.js'
import { parseScenario } from './parse.js'

const YAML = /\.ya?ml$/

/** Every .yaml/.yml file under the given files and folders, sorted; missing paths become problems. */
function expandPaths(paths: readonly string[], problems: Problem[]): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name)
      if (statSync(p).isDirectory()) walk(p)
      else if (YAML.test(name)) out.push(p)
    }
  }
  for (const p of paths) {
    let st
    try {
      st = statSync(p)
    } catch {
      problems.push({ file: p, message: 'no such file or folder' })
      continue
    }
    if (st.isDirectory()) walk(p)
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

/** The file's text, or undefined when it cannot be read. */
export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** Every YAML file under `paths` with its text (shown relative to the working directory); unreadable ones become problems. */
export function readInputs(paths: readonly string[], problems: Problem[]): { path: string; shown: string; text: string }[] {
  return expandPaths(paths, problems).flatMap((path) => {
    const shown = displayPath(path)
    const text = readText(path)
    if (text === undefined) {
      problems.push({ file: shown, message: 'cannot read the file' })
      return []
    }
    return [{ path, shown, text }]
  })
}

/**
 * Loads scenarios from files and folders. In folders, YAML files that are not scenarios (referenced policy
 * files) are skipped; named files must be scenarios. Throws InputError with every problem found.
 */
export function loadScenarios(paths: readonly string[]): Scenario[] {
  const problems: Problem[] = []
  const explicit = new Set(paths)
  const scenarios: Scenario[] = []
  const names = new Map<string, string>()
  for (const { path: file, shown, text } of readInputs(paths, problems)) {
    if (!explicit.has(file) && !looksLikeScenario(text)) continue
    const r = parseScenario(text, shown, readText)
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

// Why: an `apply` entry (an inline NetworkPolicy, or `{file: ...}` with every document of that file) read by the
// scenario schema itself, so policies come out of the one parse; problems keep their own file and line.
import { dirname, join, posix } from 'node:path'
import { z } from 'zod'
import type { Problem } from '../errors.js'
import type { CalicoObject } from '../model/calico.js'
import type { ClusterPolicy } from '../model/cluster-policy.js'
import type { NetworkPolicy } from '../model/policy.js'
import { calicoSchema, isCalicoObject } from './calico-schema.js'
import { clusterPolicySchemaFor } from './cluster-policy-schema.js'
import { zodIssues } from './zod-issues.js'
import { networkPolicySchema } from './policy-schema.js'
import { type Path, type SourceDoc, parseYamlStream, problemAt } from './yaml-source.js'

/**
 * Reads a file referenced by a scenario whose folder is `within`: its text, undefined when it does not exist, or why
 * it may not be read (not a regular file, too large, outside `within`).
 */
export type ReadText = (path: string, within?: string) => string | undefined | { readonly error: string }

/** A projectcalico.org/v3 object of an `apply` entry: parsed, and exactly as written (what the kube driver sends). */
export interface CalicoEntry {
  readonly kind: 'Calico'
  readonly object: CalicoObject
  readonly raw: unknown
}

/** One policy of an `apply` entry; `file` is set when it came from a referenced file (with the document's index). */
export interface EntryPolicy {
  readonly policy: NetworkPolicy | ClusterPolicy | CalicoEntry
  readonly file?: { readonly source: SourceDoc; readonly doc: number }
}

/** A problem of an entry: at a path below the entry in the scenario, or anywhere in a referenced file. */
type EntryProblem = { readonly path: Path; readonly message: string; readonly hint?: string } | { readonly problem: Problem }

/** Marks the one zod issue carrying an entry's problems. */
const ENTRY_PROBLEMS = 'apply entry problems'

const calicoEntrySchema = calicoSchema.transform((c): CalicoEntry => ({ kind: 'Calico', object: c.object, raw: c.raw }))

/** The schema an object is read with: Calico's by its apiVersion, else by its `kind`, a NetworkPolicy unless it names a cluster policy kind. */
function schemaOf(entry: unknown) {
  if (isCalicoObject(entry)) return calicoEntrySchema
  const kind = entry !== null && typeof entry === 'object' ? (entry as { kind?: unknown }).kind : undefined
  return clusterPolicySchemaFor(kind) ?? networkPolicySchema
}

/** An inline entry: one NetworkPolicy or cluster policy. */
function inline(entry: unknown, found: EntryProblem[]): EntryPolicy[] {
  const r = schemaOf(entry).safeParse(entry)
  if (r.success) return [{ policy: r.data }]
  found.push(...zodIssues(r.error))
  return []
}

/** `{file: path}`: every document of that file (relative to the scenario), each a NetworkPolicy. */
function fromFile(entry: { file: unknown }, scenarioFile: string, readText: ReadText, found: EntryProblem[]): EntryPolicy[] {
  const ref = entry.file
  if (Object.keys(entry).length !== 1 || typeof ref !== 'string') {
    found.push({ path: [], message: 'a policy reference must be exactly {file: relative/path.yaml}' })
    return []
  }
  const file = posix.normalize(join(dirname(scenarioFile), ref))
  const text = readText(file, dirname(scenarioFile))
  if (text === undefined || typeof text !== 'string') {
    found.push({ path: ['file'], message: text ? `policy file ${file}: ${text.error}` : `policy file not found: ${file}` })
    return []
  }
  const stream = parseYamlStream(text, file)
  found.push(...stream.problems.map((problem) => ({ problem })))
  if (stream.docs.length === 0 && stream.problems.length === 0)
    found.push({ problem: { file, line: 1, message: 'the file holds no YAML document' } })
  return stream.docs.flatMap((d) => {
    const r = schemaOf(d.value).safeParse(d.value)
    if (r.success) return [{ policy: r.data, file: { source: d.source, doc: d.index } }]
    for (const i of zodIssues(r.error)) found.push({ problem: problemAt(d.source, i.path, i.message, i.hint) })
    return []
  })
}

const isRef = (v: unknown): v is { file: unknown } => v !== null && typeof v === 'object' && !Array.isArray(v) && 'file' in v

/** The schema of one `apply` entry of the scenario file `scenarioFile`: its policies, or one issue carrying every problem. */
export function applyEntrySchema(scenarioFile: string, readText: ReadText) {
  return z.unknown().transform((entry, ctx): readonly EntryPolicy[] => {
    const found: EntryProblem[] = []
    const policies = isRef(entry) ? fromFile(entry, scenarioFile, readText, found) : inline(entry, found)
    if (found.length === 0) return policies
    ctx.issues.push({ code: 'custom', message: ENTRY_PROBLEMS, params: { found }, input: entry })
    return z.NEVER
  })
}

/** The type of `applyEntrySchema`, as the scenario schema takes it. */
export type ApplyEntrySchema = z.ZodType<readonly EntryPolicy[]>

/** Every problem of a failed scenario parse: the shape's first, then the apply entries' in file order. */
export function scenarioProblems(error: z.ZodError, source: SourceDoc): Problem[] {
  const isEntry = (i: z.core.$ZodIssue): i is z.core.$ZodIssueCustom => i.code === 'custom' && i.message === ENTRY_PROBLEMS
  const shape = zodIssues({ issues: error.issues.filter((i) => !isEntry(i)) }).map((i) => problemAt(source, i.path, i.message, i.hint))
  const entries = error.issues.filter(isEntry).flatMap((issue) => {
    const found: EntryProblem[] = issue.params?.found ?? []
    return found.map((f) => ('problem' in f ? f.problem : problemAt(source, [...(issue.path as Path), ...f.path], f.message, f.hint)))
  })
  return [...shape, ...entries]
}

/** A policy with where it was written: its own file and document, or its entry's path in the scenario. */
export interface LocatedPolicy {
  readonly policy: NetworkPolicy | ClusterPolicy | CalicoEntry
  readonly source: SourceDoc
  readonly path: Path
  /** Index of the YAML document in `source.file`. */
  readonly doc: number
}

/** The policies of the `apply` entry at `path` of `scenario`, located. */
export function locatePolicies(entry: readonly EntryPolicy[], scenario: SourceDoc, path: Path): LocatedPolicy[] {
  return entry.map((p) =>
    p.file ? { policy: p.policy, source: p.file.source, path: [], doc: p.file.doc } : { policy: p.policy, source: scenario, path, doc: 0 },
  )
}

// Why: options of `run` checked before the first scenario, so a bad one is a usage error (exit 2) with nothing applied
// rather than a failure after the whole run: the report folder must take files, and every fault must name something.
import { mkdirSync, mkdtempSync, rmdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { UsageError } from '../errors.js'
import { clusterPolicyId } from '../model/cluster-policy.js'
import type { Scenario } from '../model/scenario.js'

/** `mkdir -p` one level at a time: Node's recursive mkdir never returns on some paths (`/proc/x`, Node 20); returns the folders made. */
function makeFolders(dir: string): string[] {
  const missing: string[] = []
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      statSync(d)
      break
    } catch {
      missing.push(d)
      if (dirname(d) === d) break
    }
  }
  const made: string[] = []
  for (const d of missing.reverse()) (mkdirSync(d), made.push(d))
  return made
}

/**
 * `--report-dir` is a folder a file can be created in, made when missing. It is never read (so `/proc` paths cannot
 * hang): a temporary folder is created in it and removed again. `leaveNothing` (`run --dry-run`): the same checks,
 * then the folders it had to make are removed again.
 */
export function checkReportDir(dir: string, leaveNothing = false): void {
  if (dir.trim() === '') throw new UsageError("--report-dir is empty (give a folder; '.' for the current one)")
  const code = (e: unknown) => (e as NodeJS.ErrnoException)?.code ?? String(e)
  let made: string[] = []
  try {
    made = makeFolders(dir)
  } catch (e) {
    throw new UsageError(`--report-dir ${dir}: cannot create it (${code(e)})`)
  }
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--report-dir ${dir}: not a folder`)
    try {
      rmdirSync(mkdtempSync(join(dir, '.write-check-')))
    } catch (e) {
      throw new UsageError(`--report-dir ${dir}: cannot write in it (${code(e)})`)
    }
  } finally {
    if (leaveNothing) for (const d of made.reverse()) rmdirSync(d)
  }
}

/** Every `--fault skip-policy=ns/name` (or `cnp/name` for a cluster policy) names a policy some selected scenario applies (else it would test nothing). */
export function checkSkipPolicies(skip: readonly string[], scenarios: readonly Scenario[]): void {
  const applied = new Set<string>()
  for (const s of scenarios)
    for (const st of s.steps) {
      for (const a of st.actions) {
        if (a.kind === 'apply-policy') applied.add(`${a.policy.metadata.namespace}/${a.policy.metadata.name}`)
        // Cluster policies by their report id: skip-policy=cnp/<name>, anp/<name>, banp/default.
        if (a.kind === 'apply-cluster-policy') applied.add(clusterPolicyId({ kind: a.policy.kind, name: a.policy.metadata.name }))
      }
      for (const c of st.chaos ?? [])
        if (c.action === 'policy-churn') for (const p of c.policies) applied.add(`${p.metadata.namespace}/${p.metadata.name}`)
    }
  const unknown = skip.filter((p) => !applied.has(p))
  if (unknown.length)
    throw new UsageError(
      `--fault skip-policy=${unknown.join(', skip-policy=')}: no selected scenario applies ${unknown.length > 1 ? 'these policies' : 'this policy'} (namespace/name), so the fault would change nothing`,
    )
}

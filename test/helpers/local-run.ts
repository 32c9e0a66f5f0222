// Why: a run on the local driver as its tests make one (the CLI's `main` in this process, the report folder a fresh test
// folder) and the report.json it wrote read back: one way for every test that runs scenarios for real.
import type { Test } from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { RunReport } from '../../src/report/model.js'
import { netnsNames } from './can-run.js'
import { runCli } from './cli.js'

/** The folder of the run written under the report folder `dir` (a run's folder is named `YYYYMMDD-...`). */
export function runFolder(dir: string): string {
  const [id] = readdirSync(dir).filter((n) => /^\d{8}-/.test(n))
  if (id === undefined) throw new Error(`no run folder in ${dir}`)
  return join(dir, id)
}

/** The report.json of the run written under the report folder `dir`. */
export function readRunReport(dir: string): RunReport {
  return JSON.parse(readFileSync(join(runFolder(dir), 'report.json'), 'utf8'))
}

/**
 * `netpol-harness run <args> --driver local` with a fresh test folder (`dir`) as its report folder: the exit code, what
 * it wrote to stderr and the report it wrote.
 */
export async function runLocal(t: Test, args: readonly string[]): Promise<{ code: number; err: string; dir: string; report: RunReport }> {
  const dir = t.testdir()
  const { code, err } = await runCli(['run', ...args, '--driver', 'local', '--report-dir', dir])
  let report: RunReport
  try {
    report = readRunReport(dir)
  } catch (e) {
    throw new Error(`run exited ${code} without a report (${(e as Error).message}): ${err}`)
  }
  return { code, err, dir, report }
}

/** How many of a run's cells disagree or are in doubt: fail-open, fail-closed, intent violations, flaky, probe errors. */
export function disagreeing(report: RunReport): number {
  const c = report.summary.counts
  return c['fail-open'] + c['fail-closed'] + c['intent-violation'] + c.flaky + c['probe-error']
}

/**
 * A local run (`runLocal`) whose every cell must agree with its prediction: exit 0, no cell disagreeing or in doubt,
 * and no network namespace left behind; the report, for what the test checks further.
 */
export async function runAgreeing(t: Test, args: readonly string[]): Promise<RunReport> {
  const { code, err, report } = await runLocal(t, args)
  t.equal(code, 0, err)
  t.equal(disagreeing(report), 0, JSON.stringify(report.summary.counts))
  t.same(await namespacesLeft(err), [], 'nothing left behind')
  return report
}

/**
 * The network namespaces still on this machine of every session a run's stderr names (`namespaces nph-<session>-`):
 * what the run left behind. A stderr naming no session is an error, not an empty list.
 */
export async function namespacesLeft(err: string): Promise<string[]> {
  const sessions = [...err.matchAll(/namespaces (nph-[0-9a-f]{6}-)/g)].map((m) => m[1])
  if (sessions.length === 0) throw new Error(`the run names no namespaces: ${err}`)
  return (await Promise.all([...new Set(sessions)].map((s) => netnsNames(s)))).flat()
}

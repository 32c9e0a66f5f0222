// Why: `npm run bench` part 7, the whole shipped suite on the local driver (issue 14's 45 s target): its wall time,
// cells and problems, and where the time went (setup, steps, chaos, teardown, summed over scenarios), so the biggest
// part is known before anything is cut. Runs the built CLI as a user would, in a child process.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import type { RunReport } from '../report/model.js'
import { countWhere, isDisagreement, isProblem } from '../compare/classification.js'

/** Where a run's time went, summed over its scenarios (each scenario's own time; with `--parallel` they overlap). */
export interface SuiteBreakdown {
  readonly wallMs: number
  readonly scenarios: number
  readonly cells: number
  readonly disagreements: number
  readonly problems: number
  readonly exitCode: number
  /** Sums over scenarios: `up` (topology, dataplane, agents), non-chaos steps, chaos steps, `down` and the rest. */
  readonly setupMs: number
  readonly stepsMs: number
  readonly chaosStepsMs: number
  /** Of the chaos steps: the faults phase (with its continuous sampling). */
  readonly chaosPhaseMs: number
  readonly teardownMs: number
  /** The scenarios that took longest, with their parts. */
  readonly slowest: readonly { name: string; ms: number; setupMs: number; stepsMs: number; teardownMs: number }[]
}

/**
 * Pure: the breakdown of a run report. A scenario's teardown is what its duration has beyond setup and steps.
 * @internal exported for its test
 */
export function breakdown(r: RunReport): SuiteBreakdown {
  let stepsMs = 0
  let chaosStepsMs = 0
  let chaosPhaseMs = 0
  let setupMs = 0
  let teardownMs = 0
  const per = r.scenarios.map((s) => {
    const own = s.steps.reduce((n, st) => n + st.durationMs, 0)
    for (const st of s.steps) {
      if (st.chaos?.length) {
        chaosStepsMs += st.durationMs
        chaosPhaseMs += st.applyMs
      } else stepsMs += st.durationMs
    }
    const down = s.durationMs ? Math.max(0, s.durationMs - s.setupMs - own) : 0
    setupMs += s.setupMs
    teardownMs += down
    return { name: s.name, ms: s.durationMs, setupMs: s.setupMs, stepsMs: own, teardownMs: down }
  })
  const cells = r.scenarios.flatMap((s) => s.steps.flatMap((st) => st.cells))
  return {
    wallMs: r.durationMs,
    scenarios: r.scenarios.length,
    cells: cells.length,
    disagreements: countWhere(r.summary.counts, isDisagreement),
    problems: countWhere(r.summary.counts, isProblem),
    exitCode: r.summary.exitCode,
    setupMs,
    stepsMs,
    chaosStepsMs,
    chaosPhaseMs,
    teardownMs,
    slowest: per.sort((a, b) => b.ms - a.ms).slice(0, 8),
  }
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/** Runs the shipped suite with the built CLI (`extra`: more `run` flags), returns its report and the load around it. */
function runSuite(extra: readonly string[]): { report: RunReport; processMs: number; loadBefore: number; loadAfter: number } {
  // The run's own reports are kept (reports/bench/suite-run/) to look into what the numbers say.
  const dir = 'reports/bench/suite-run'
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const loadBefore = loadavg()[0]
  const t0 = performance.now()
  {
    try {
      execFileSync(
        process.execPath,
        ['dist/src/cli/bin.js', 'run', 'scenarios/', '--driver', 'local', '-q', '--report-dir', dir, ...extra],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      )
    } catch {
      // A run with problems exits non-zero; its report says what they are.
    }
    const run = readdirSync(dir).find((d) => /^\d{8}-/.test(d))
    if (!run) throw new Error('the suite run wrote no report')
    const report = JSON.parse(readFileSync(join(dir, run, 'report.json'), 'utf8')) as RunReport
    return { report, processMs: Math.round(performance.now() - t0), loadBefore, loadAfter: loadavg()[0] }
  }
}

/** Runs the suite benchmark (needs root and a build), prints it, and writes reports/bench/suite.json. */
export async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('suite bench: skipped (needs root for network namespaces)')
    return
  }
  const { report, processMs, loadBefore, loadAfter } = runSuite(process.env.NPH_BENCH_SUITE_FLAGS?.split(' ').filter(Boolean) ?? [])
  const b = breakdown(report)
  console.log(
    `suite: ${b.scenarios} scenarios, ${b.cells} cells in ${secs(b.wallMs)} wall (the CLI process ${secs(processMs)}; target <= 45 s), ${b.disagreements} disagreements, ${b.problems} problems, exit ${b.exitCode}; load average ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)}`,
  )
  console.log(
    `suite: summed over scenarios: setup ${secs(b.setupMs)}, steps ${secs(b.stepsMs)}, chaos steps ${secs(b.chaosStepsMs)} (faults ${secs(b.chaosPhaseMs)}), teardown ${secs(b.teardownMs)}`,
  )
  console.log(`suite: slowest: ${b.slowest.map((s) => `${s.name} ${secs(s.ms)}`).join(', ')}`)
  const out = {
    when: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    loadBefore,
    loadAfter,
    processMs,
    ...b,
  }
  mkdirSync('reports/bench', { recursive: true })
  writeFileSync('reports/bench/suite.json', JSON.stringify(out, null, 2) + '\n')
  console.log('written: reports/bench/suite.json')
}

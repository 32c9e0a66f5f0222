// Why: run every scenario against a fresh driver, in order, and assemble the versioned run report.
import type { Driver } from '../drivers/driver.js'
import { EnvironmentError, HarnessError, UsageError } from '../errors.js'
import type { Scenario } from '../model/scenario.js'
import { countWhere, faultOf, isDisagreement, sumCounts } from '../compare/classification.js'
import { type RunReport, type ScenarioReport, SCHEMA_VERSION } from '../report/model.js'
import { type RunOptions, type StepProgress, runStep } from './run-step.js'
import { VERSION } from '../version.js'
import { INTERRUPT_EXIT_CODES, interruptOf } from './interrupt.js'

/** Progress callbacks of a run. */
export interface RunEvents {
  scenarioStart?(s: Scenario, index: number, total: number): void
  step?(s: Scenario, p: StepProgress): void
  scenarioEnd?(r: ScenarioReport, driver: Driver['info']): void
  log?(line: string): void
}

/** Exit code of a finished run (ARCHITECTURE.md 3.1). */
function exitCodeOf(scenarios: readonly ScenarioReport[], diagnostics: readonly string[]): number {
  if (scenarios.some((s) => s.error) || diagnostics.length) return 3
  const counts = sumCounts(scenarios.flatMap((s) => s.steps.map((st) => st.counts)))
  if (countWhere(counts, isDisagreement) > 0) return 1
  if (scenarios.some((s) => s.steps.some((st) => st.chaos?.some((ch) => ch.invariants?.some((i) => !i.passed))))) return 1
  if (countWhere(counts, (c) => faultOf(c) === 'probe') > 0) return 3
  return 0
}

/** A scenario's report before anything of it ran. */
function notStarted(s: Scenario): ScenarioReport {
  return {
    name: s.name,
    file: s.file,
    ...(s.description ? { description: s.description } : {}),
    tags: s.tags,
    setupMs: 0,
    durationMs: 0,
    steps: [],
  }
}

/** Runs the scenarios in order, each on a fresh driver, and assembles the run report. */
export async function runScenarios(
  scenarios: readonly Scenario[],
  makeDriver: () => Driver,
  runId: string,
  opts: RunOptions,
  signal: AbortSignal,
  events: RunEvents = {},
): Promise<RunReport> {
  const startedAt = new Date()
  const t0 = performance.now()
  const results: ScenarioReport[] = []
  const diagnostics: string[] = []
  let driverInfo: Driver['info'] = { name: 'local', cni: 'unknown', versions: {} }
  let probes = 0
  for (const [i, s] of scenarios.entries()) {
    if (signal.aborted) break
    events.scenarioStart?.(s, i, scenarios.length)
    const driver = makeDriver()
    const unsupported = driver.scenarioUnsupported?.(s)
    if (unsupported) {
      const report: ScenarioReport = { ...notStarted(s), unsupported }
      results.push(report)
      events.scenarioEnd?.(report, driverInfo)
      continue
    }
    const started = performance.now()
    const steps = []
    let error: string | undefined
    let setupMs = 0
    let fatal = false
    try {
      await driver.up(s, signal)
      driverInfo = driver.info
      setupMs = Math.round(performance.now() - started)
      for (let k = 0; k < s.steps.length; k++) {
        const r = await runStep(driver, s, k, opts, signal, (p) => events.step?.(s, p), events.log)
        probes += r.cells.reduce((n, c) => n + c.observation.attempts.length, 0)
        steps.push(r)
        signal.throwIfAborted()
      }
    } catch (e) {
      if (signal.aborted) error = 'interrupted'
      else {
        fatal = e instanceof EnvironmentError || e instanceof UsageError
        error = e instanceof HarnessError ? e.message : `unexpected: ${(e as Error)?.stack ?? e}`
        diagnostics.push(`${s.name}: ${error}${e instanceof HarnessError && 'hint' in e && e.hint ? ` (hint: ${e.hint})` : ''}`)
        if (driver.diagnostics)
          diagnostics.push(
            ...(
              await Promise.resolve()
                .then(() => driver.diagnostics!())
                .catch((d: Error) => [`diagnostics failed: ${d.message}`])
            ).map((d) => `${s.name}: ${d}`),
          )
      }
    } finally {
      await driver.down().catch((e) => diagnostics.push(`${s.name}: cleanup failed: ${(e as Error).message}`))
    }
    const report: ScenarioReport = {
      name: s.name,
      file: s.file,
      ...(s.description ? { description: s.description } : {}),
      tags: s.tags,
      setupMs,
      durationMs: Math.round(performance.now() - started),
      steps,
      ...(error ? { error } : {}),
    }
    results.push(report)
    events.scenarioEnd?.(report, driverInfo)
    // A scenario that failed is reported and the run goes on; an environment that cannot run anything (no root,
    // no nft, no cluster, a refused context) will not get better for the next scenario.
    if (fatal) break
  }
  // Every scenario given is in the report: those never started say why.
  const stopped = signal.aborted ? 'interrupted' : results.at(-1)?.error
  for (const s of scenarios.slice(results.length))
    results.push({
      name: s.name,
      file: s.file,
      ...(s.description ? { description: s.description } : {}),
      tags: s.tags,
      setupMs: 0,
      durationMs: 0,
      steps: [],
      error: `not run: ${stopped ?? 'the run stopped'}`,
    })
  const counts = sumCounts(results.flatMap((s) => s.steps.map((st) => st.counts)))
  const durationMs = Math.round(performance.now() - t0)
  const by = signal.aborted ? interruptOf(signal) : undefined
  return {
    schemaVersion: SCHEMA_VERSION,
    runId,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs,
    harness: { name: 'netpol-harness', version: VERSION, node: process.version },
    driver: {
      name: driverInfo.name,
      cni: driverInfo.cni,
      versions: driverInfo.versions,
      ...(driverInfo.timings ? { timings: driverInfo.timings } : {}),
    },
    options: {
      settleMs: opts.settleMs,
      reprobes: opts.reprobes,
      roundIntervalMs: opts.roundIntervalMs,
      ...(opts.enforceWithinMs !== undefined ? { enforceWithinMs: opts.enforceWithinMs } : {}),
    },
    summary: {
      scenarios: results.length,
      steps: results.reduce((n, s) => n + s.steps.length, 0),
      cells: results.reduce((n, s) => n + s.steps.reduce((m, st) => m + st.cells.length, 0), 0),
      counts,
      probesPerSecond: durationMs > 0 ? +((probes * 1000) / durationMs).toFixed(1) : 0,
      exitCode: by ? INTERRUPT_EXIT_CODES[by] : exitCodeOf(results, diagnostics),
    },
    scenarios: results,
    diagnostics,
    ...(by
      ? {
          interrupted: {
            by,
            detail: `${by === 'EPIPE' ? 'the output was closed' : `${by} received`}: the run stopped; the step in flight keeps the rounds it completed`,
          },
        }
      : {}),
  }
}

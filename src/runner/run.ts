// Why: run every scenario against a fresh driver, several at once if asked, and assemble the versioned run report.
import type { Driver } from '../drivers/driver.js'
import { EnvironmentError, HarnessError, UsageError } from '../errors.js'
import type { Scenario } from '../model/scenario.js'
import { countWhere, faultOf, isDisagreement, sumCounts } from '../compare/classification.js'
import { type RunReport, type ScenarioReport, type StepReport, SCHEMA_VERSION } from '../report/model.js'
import { type RunOptions, type StepProgress, runStep } from './run-step.js'
import { VERSION } from '../version.js'
import { INTERRUPT_EXIT_CODES, interruptOf } from './interrupt.js'

/** Progress callbacks of a run. */
export interface RunEvents {
  scenarioStart?(s: Scenario, index: number, total: number): void
  step?(s: Scenario, p: StepProgress): void
  /** A step ended, with its report. */
  stepEnd?(s: Scenario, r: StepReport): void
  /**
   * `index`: the scenario's place in the run (with `--parallel`, scenarios end in any order); `driver`: what ran it
   * (undefined when it never came up).
   */
  scenarioEnd?(r: ScenarioReport, index: number, driver: Driver['info'] | undefined): void
  /** A progress line; `s` is the scenario it is about, when there is one. */
  log?(line: string, s?: Scenario): void
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
    ...(s.ipFamilies ? { ipFamilies: s.ipFamilies } : {}),
    setupMs: 0,
    durationMs: 0,
    steps: [],
  }
}

/** One scenario's report and what the run learns from it. */
interface ScenarioOutcome {
  readonly report: ScenarioReport
  readonly diagnostics: readonly string[]
  readonly probes: number
  readonly info?: Driver['info']
  /** The environment cannot run anything: no scenario after this one is started. */
  readonly fatal: boolean
}

/** Runs one scenario on its own fresh driver, from `up` to `down`; never throws (an error is in the report). */
async function runScenario(
  s: Scenario,
  index: number,
  total: number,
  makeDriver: (s: Scenario) => Driver,
  opts: RunOptions,
  signal: AbortSignal,
  events: RunEvents,
): Promise<ScenarioOutcome> {
  events.scenarioStart?.(s, index, total)
  const driver = makeDriver(s)
  // What this driver can never run (IPv6 on the local driver, a node it does not have) is reported, not attempted.
  const unsupported = driver.scenarioUnsupported?.(s)
  if (unsupported) {
    const report: ScenarioReport = { ...notStarted(s), unsupported }
    events.scenarioEnd?.(report, index, undefined)
    return { report, diagnostics: [], probes: 0, fatal: false }
  }
  const started = performance.now()
  const steps = []
  const diagnostics: string[] = []
  let info: Driver['info'] | undefined
  let probes = 0
  let error: string | undefined
  let setupMs = 0
  let fatal = false
  try {
    await driver.up(s, signal)
    info = driver.info
    setupMs = Math.round(performance.now() - started)
    for (let k = 0; k < s.steps.length; k++) {
      const r = await runStep(driver, s, k, opts, signal, (p) => events.step?.(s, p), events.log && ((l) => events.log!(l, s)))
      probes += r.cells.reduce((n, c) => n + c.observation.attempts.length, 0)
      steps.push(r)
      events.stepEnd?.(s, r)
      signal.throwIfAborted()
    }
  } catch (e) {
    if (signal.aborted) error = 'interrupted'
    else {
      fatal = e instanceof EnvironmentError || e instanceof UsageError
      // A bug: its name and message here (the console and every report show it); the stack only when asked for.
      const debug = ['1', 'true'].includes(process.env.NETPOL_HARNESS_DEBUG ?? '')
      error =
        e instanceof HarnessError
          ? e.message
          : `unexpected: ${debug ? ((e as Error)?.stack ?? e) : e instanceof Error ? `${e.name}: ${e.message}` : e}`
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
    ...notStarted(s),
    setupMs,
    durationMs: Math.round(performance.now() - started),
    steps,
    ...(error ? { error } : {}),
  }
  events.scenarioEnd?.(report, index, info)
  return { report, diagnostics, probes, info, fatal }
}

/**
 * Runs the scenarios, each on a fresh driver, up to `parallel` at once (scenarios start in order; the report keeps
 * the scenario order whatever order they finish in), and assembles the run report.
 */
export async function runScenarios(
  scenarios: readonly Scenario[],
  makeDriver: (s: Scenario) => Driver,
  runId: string,
  opts: RunOptions,
  signal: AbortSignal,
  events: RunEvents = {},
  parallel = 1,
): Promise<RunReport> {
  const startedAt = new Date()
  const t0 = performance.now()
  const outcomes: (ScenarioOutcome | undefined)[] = new Array(scenarios.length).fill(undefined)
  let next = 0
  // A scenario that failed is reported and the run goes on; an environment that cannot run anything (no root,
  // no nft, no cluster, a refused context) will not get better for the next scenario: none starts after it.
  let stopped: string | undefined
  const worker = async () => {
    while (!signal.aborted && stopped === undefined && next < scenarios.length) {
      const i = next++
      const o = await runScenario(scenarios[i], i, scenarios.length, makeDriver, opts, signal, events)
      outcomes[i] = o
      if (o.fatal) stopped ??= o.report.error
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, scenarios.length)) }, worker))
  const done = outcomes.filter((o): o is ScenarioOutcome => o !== undefined)
  const diagnostics = done.flatMap((o) => o.diagnostics)
  const probes = done.reduce((n, o) => n + o.probes, 0)
  const driverInfo: Driver['info'] = done.find((o) => o.info)?.info ?? { name: 'local', cni: 'unknown', versions: {} }
  if (signal.aborted) stopped = 'interrupted'
  // Every scenario given is in the report: those never started say why.
  const results: ScenarioReport[] = outcomes.map(
    (o, i) => o?.report ?? { ...notStarted(scenarios[i]), error: `not run: ${stopped ?? 'the run stopped'}` },
  )
  const by = signal.aborted ? interruptOf(signal) : undefined
  const counts = sumCounts(results.flatMap((s) => s.steps.map((st) => st.counts)))
  const durationMs = Math.round(performance.now() - t0)
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
      adaptiveTimeout: opts.adaptiveTimeout ? { factor: opts.adaptiveTimeout.factor, floorMs: opts.adaptiveTimeout.floorMs } : null,
      parallel,
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

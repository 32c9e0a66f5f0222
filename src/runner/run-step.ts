// Why: one step end to end: apply, predict, probe rounds until agreement (time-to-enforce), re-probe, judge.
import type { Driver, ProbeConnection } from '../drivers/driver.js'
import { type Model, type Verdict, compile, explainCell, predictModel } from '../evaluator/index.js'
import type { Target } from '../model/cluster.js'
import type { Attempt } from '../model/observation.js'
import type { IntentVerdict, Scenario, Step } from '../model/scenario.js'
import { endpointAddresses } from '../model/state.js'
import { cellKey } from '../model/truth-table.js'
import { countCells, isProblem } from '../compare/classification.js'
import { agreeingSince, judgeCell, latestAgreement, roundAgreements } from '../compare/compare.js'
import { intendedVerdict } from '../compare/intent.js'
import { classifyOutcome } from '../probe/classify.js'
import { notProbed } from '../probe/not-probed.js'
import type { CellReport, StepReport } from '../report/model.js'
import { cellExplanation } from '../report/explanation.js'
import { runChaos } from './chaos.js'
import { type AdaptiveTimeout, DEFAULT_ADAPTIVE_TIMEOUT, adaptiveTimeoutMs } from './adaptive-timeout.js'
import { sleep } from '../util/sleep.js'

/** How a step probes until it settles, and how it tells stable from flaky. */
export interface RunOptions {
  /** How long rounds may repeat until observation equals prediction. */
  readonly settleMs: number
  /** How many times a remaining disagreement is probed again, to tell stable from flaky. */
  readonly reprobes: number
  /** The shortest time between the starts of two rounds. */
  readonly roundIntervalMs: number
  /** Cells predicted denied get k x p99 of the round's allowed latencies instead of the full timeout; absent: off. */
  readonly adaptiveTimeout?: AdaptiveTimeout
}

/** The options `run` uses unless told otherwise. */
export const DEFAULT_RUN_OPTIONS: RunOptions = {
  settleMs: 30000,
  reprobes: 3,
  roundIntervalMs: 250,
  adaptiveTimeout: DEFAULT_ADAPTIVE_TIMEOUT,
}

/** How many allowed latencies a scenario's driver remembers, for a round with no allowed connection of its own. */
const LATENCY_MEMORY = 64
/** The latest allowed latencies measured on each driver (one driver per scenario), newest last. */
const recentLatencies = new WeakMap<Driver, number[]>()

/** Where a step is after a round, for progress output. */
export interface StepProgress {
  readonly step: number
  readonly steps: number
  readonly name: string
  readonly round: number
  readonly agreeing: number
  readonly probed: number
  readonly elapsedMs: number
}

/** How a cell is probed: by one connection, or not at all (and why). */
type Probing =
  | { readonly kind: 'probed'; readonly conn: ProbeConnection }
  | { readonly kind: 'not-probed'; readonly result: 'unsupported' | 'skipped'; readonly detail: string }

/** One cell during the step: what the policies decide and the author meant, how it is probed, every attempt. */
interface CellRun {
  readonly prediction: Verdict
  readonly intent?: IntentVerdict
  readonly probing: Probing
  /** The observation, in order: every round (and its doubt re-probe), then the re-probes of a disagreement. */
  readonly attempts: Attempt[]
}

/** A probed cell with its connection. */
interface Probed {
  readonly run: CellRun
  readonly conn: ProbeConnection
}

/** What the report says was observed: the last attempt, or why the cell was not probed; every attempt either way. */
function observationOf(c: CellRun): CellReport['observation'] {
  if (c.probing.kind === 'not-probed') return { result: c.probing.result, detail: c.probing.detail, attempts: c.attempts }
  const last = c.attempts.at(-1)!
  return {
    result: last.result,
    ...(last.latencyMs !== undefined ? { latencyMs: last.latencyMs } : {}),
    ...(last.answeredBy ? { answeredBy: last.answeredBy } : {}),
    ...(last.detail ? { detail: last.detail } : {}),
    attempts: c.attempts,
  }
}

/** A cell's report: the observation, the judgement and, for a problem, the evaluator's account. */
function cellReport(c: CellRun, from: string, to: string, target: Target, settledRound: number, model: Model): CellReport {
  const observation = observationOf(c)
  const j = judgeCell(c.intent, c.prediction, observation.result, roundAgreements(c.prediction, c.attempts, settledRound))
  return {
    from,
    to,
    port: target.port,
    protocol: target.protocol,
    ...(c.intent ? { intent: c.intent } : {}),
    prediction: c.prediction,
    observation,
    classification: j.classification,
    intentViolation: j.intentViolation,
    timeToEnforceMs: c.probing.kind === 'not-probed' ? null : agreeingSince(c.prediction, c.attempts),
    ...(isProblem(j.classification) ? { explanation: cellExplanation(explainCell(model, from, to, target)) } : {}),
  }
}

/** Runs step `index` of the scenario on the driver and reports it. */
export async function runStep(
  driver: Driver,
  scenario: Scenario,
  index: number,
  opts: RunOptions,
  signal: AbortSignal,
  progress?: (p: StepProgress) => void,
  log?: (line: string) => void,
): Promise<StepReport> {
  const step: Step = scenario.steps[index]
  const started = performance.now()
  await driver.apply(step.actions, signal)
  // A chaos step: faults with continuous probing first; then the matrix must settle as in any step.
  const chaos = step.chaos?.length ? await runChaos(driver, scenario, step, signal, log) : undefined
  const applied = performance.now()
  const state = driver.state()
  const model = compile(state)
  const targets = step.probe.targets
  const addresses = endpointAddresses(state)
  const externals = new Map(state.externals.map((e) => [e.name, e]))

  // One table from prediction to report: every cell's run, in the prediction's shape.
  const cells = predictModel(model, targets).map((prediction, from, to, target): CellRun => {
    const skip = notProbed(driver.unsupported(target), externals.get(to), target)
    const probing: Probing = skip
      ? { kind: 'not-probed', ...skip }
      : { kind: 'probed', conn: { key: cellKey(from, to, target), from, to, ip: addresses.get(to)!, target } }
    return { prediction, intent: intendedVerdict(step.expect, from, to, target), probing, attempts: [] }
  })
  const probed: Probed[] = [...cells.entries()].flatMap(({ value: run }) =>
    run.probing.kind === 'probed' ? [{ run, conn: run.probing.conn }] : [],
  )
  const byKey = new Map(probed.map((p) => [p.conn.key, p]))
  const latest = (p: Probed) => latestAgreement(p.run.prediction, p.run.attempts)

  const fullMs = step.probe.timeoutMs
  /** Attempts whose `blocked` came from a shortened timeout: they prove nothing until probed at the full one. */
  const shortened = new WeakSet<Attempt>()
  const probeOnce = async (round: number, which: readonly Probed[], atMs: number, timeoutMs = fullMs) => {
    const raws = await driver.probe(
      which.map((p) => p.conn),
      timeoutMs,
      signal,
    )
    for (const raw of raws) {
      const p = byKey.get(raw.key)
      if (!p) continue
      const attempt: Attempt = {
        round,
        atMs,
        ...classifyOutcome(raw, p.conn.to, driver.listening?.(p.conn.to, p.conn.target) ?? false),
      }
      if (timeoutMs < fullMs) shortened.add(attempt)
      p.run.attempts.push(attempt)
    }
  }
  // Adaptive timeout (docs/speed.md): the cells predicted allowed go first, at the full timeout; their latencies set
  // the timeout of the cells predicted denied, which then are probed. A round with no allowed answer of its own uses
  // the latencies measured earlier in this scenario; none at all, the full timeout.
  const probeAll = async (round: number, which: readonly Probed[], atMs: number, adapt: boolean) => {
    if (!opts.adaptiveTimeout || !adapt) return probeOnce(round, which, atMs)
    const allow = which.filter((p) => p.run.prediction === 'allow')
    const deny = which.filter((p) => p.run.prediction !== 'allow')
    if (allow.length) await probeOnce(round, allow, atMs)
    const measured = allow.flatMap((p) => {
      const a = p.run.attempts.at(-1)
      return a?.round === round && a.result === 'allowed' && a.latencyMs !== undefined ? [a.latencyMs] : []
    })
    const memory = recentLatencies.get(driver) ?? []
    recentLatencies.set(driver, [...memory, ...measured].slice(-LATENCY_MEMORY))
    if (deny.length)
      await probeOnce(round, deny, atMs, adaptiveTimeoutMs(measured.length ? measured : memory, fullMs, opts.adaptiveTimeout))
  }
  // A connection that should pass but timed out is probed once more before the round counts it: a lost packet
  // must not pass for enforcement (a denied connection that succeeded needs no second look: loss cannot do that).
  // So is any cell that disagrees after a shortened timeout, at the full timeout, before the round counts it.
  const probeRound = async (round: number, which: readonly Probed[], adapt = true) => {
    const atMs = Math.round(performance.now() - applied)
    await probeAll(round, which, atMs, adapt)
    const doubt = which.filter((p) => latest(p) === 'fail-closed' || (latest(p) !== 'agree' && shortened.has(p.run.attempts.at(-1)!)))
    if (doubt.length) await probeOnce(round, doubt, Math.round(performance.now() - applied))
    return atMs
  }

  let round = 0
  let converged = false
  let timeToEnforceMs: number | null = null
  while (probed.length > 0) {
    signal.throwIfAborted()
    round++
    const roundStart = performance.now()
    const atMs = await probeRound(round, probed)
    const agreeing = probed.filter((p) => latest(p) === 'agree').length
    progress?.({
      step: index + 1,
      steps: scenario.steps.length,
      name: step.name,
      round,
      agreeing,
      probed: probed.length,
      elapsedMs: performance.now() - applied,
    })
    if (agreeing === probed.length) {
      converged = true
      timeToEnforceMs = atMs
      break
    }
    if (performance.now() - applied >= opts.settleMs) break
    await sleep(opts.roundIntervalMs - (performance.now() - roundStart), signal)
  }
  if (probed.length === 0) converged = true

  // Re-probe what still disagrees, to tell a stable disagreement from a flaky one: each cell is judged on how
  // the last round and every re-probe ended (at the full timeout: no shortened verdict decides a disagreement).
  const settledRound = round
  const disagreeing = probed.filter((p) => latest(p) !== 'agree')
  for (let i = 0; i < opts.reprobes && disagreeing.length > 0; i++) {
    signal.throwIfAborted()
    await sleep(opts.roundIntervalMs, signal)
    await probeRound(round + 1 + i, disagreeing, false) // the evidence of a disagreement: always the full timeout
  }

  const reports = [...cells.map((c, from, to, target) => cellReport(c, from, to, target, settledRound, model)).entries()].map(
    (e) => e.value,
  )
  return {
    index,
    name: step.name,
    targets: targets.map((t) => ({ port: t.port, protocol: t.protocol })),
    timeoutMs: step.probe.timeoutMs,
    applyMs: Math.round(applied - started),
    rounds: round,
    converged,
    timeToEnforceMs,
    durationMs: Math.round(performance.now() - started),
    counts: countCells(reports),
    cells: reports,
    ...(chaos ? { chaos } : {}),
  }
}

// Why: one step end to end: apply, predict, probe rounds until agreement (time-to-enforce), re-probe, judge.
import type { Driver, ProbeConnection } from '../drivers/driver.js'
import { compile, explainCell, predictModel } from '../evaluator/index.js'
import type { Target } from '../model/cluster.js'
import { targetId } from '../model/cluster.js'
import type { Attempt, ObservationResult } from '../model/observation.js'
import type { Scenario, Step } from '../model/scenario.js'
import { type Agreement, agreement, judgeCell } from '../compare/compare.js'
import { intendedVerdict } from '../compare/intent.js'
import { classifyOutcome } from '../probe/classify.js'
import { notProbed } from '../probe/not-probed.js'
import { countCells, isProblem } from '../compare/classification.js'
import type { CellReport, StepReport } from '../report/model.js'
import { explanationText } from '../report/explain-text.js'
import { runChaos } from './chaos.js'
import { sleep } from '../util/sleep.js'

export interface RunOptions {
  /** How long rounds may repeat until observation equals prediction. */
  readonly settleMs: number
  /** How many times a remaining disagreement is probed again, to tell stable from flaky. */
  readonly reprobes: number
  /** The shortest time between the starts of two rounds. */
  readonly roundIntervalMs: number
}

export const DEFAULT_RUN_OPTIONS: RunOptions = { settleMs: 30000, reprobes: 3, roundIntervalMs: 250 }

export interface StepProgress {
  readonly step: number
  readonly steps: number
  readonly name: string
  readonly round: number
  readonly agreeing: number
  readonly probed: number
  readonly elapsedMs: number
}

interface Cell {
  readonly from: string
  readonly to: string
  readonly target: Target
  readonly prediction: 'allow' | 'deny'
  readonly intent?: 'allow' | 'deny'
  readonly conn?: ProbeConnection
  readonly notProbed?: { result: ObservationResult; detail: string }
  readonly attempts: Attempt[]
  agreeSinceMs: number | null
  last?: Agreement
}

export async function runStep(driver: Driver, scenario: Scenario, index: number, opts: RunOptions, signal: AbortSignal, progress?: (p: StepProgress) => void, log?: (line: string) => void): Promise<StepReport> {
  const step: Step = scenario.steps[index]
  const started = performance.now()
  await driver.apply(step.actions, signal)
  // A chaos step: faults with continuous probing first; then the matrix must settle as in any step.
  const chaos = step.chaos?.length ? await runChaos(driver, scenario, step, signal, log) : undefined
  const applied = performance.now()
  const state = driver.state()
  const model = compile(state)
  const targets = step.probe.targets
  const table = predictModel(model, targets)
  const addr = new Map<string, string>([...state.pods.map((p) => [`${p.namespace}/${p.name}`, p.ip] as const), ...state.externals.map((e) => [e.name, e.ip] as const)])
  const externals = new Map(state.externals.map((e) => [e.name, e]))

  const cells: Cell[] = []
  for (const c of table.entries()) {
    const base = { from: c.from, to: c.to, target: c.target, prediction: c.value, intent: intendedVerdict(step.expect, c.from, c.to, c.target), attempts: [], agreeSinceMs: null }
    const skip = notProbed(driver.unsupported(c.target), externals.get(c.to), c.target)
    if (skip) cells.push({ ...base, notProbed: skip })
    else cells.push({ ...base, conn: { key: `${c.from}|${c.to}|${targetId(c.target)}`, from: c.from, to: c.to, ip: addr.get(c.to)!, target: c.target } })
  }
  const probed = cells.filter((c) => c.conn)
  const byKey = new Map(probed.map((c) => [c.conn!.key, c]))

  const probeOnce = async (round: number, which: Cell[], atMs: number) => {
    const raws = await driver.probe(which.map((c) => c.conn!), step.probe.timeoutMs, signal)
    for (const raw of raws) {
      const cell = byKey.get(raw.key)
      if (!cell) continue
      const o = classifyOutcome(raw, cell.to, driver.listening?.(cell.to, cell.target) ?? false)
      cell.attempts.push({ round, atMs, ...o })
      cell.last = agreement(cell.prediction, o.result)
      if (cell.last === 'agree') cell.agreeSinceMs ??= atMs
      else cell.agreeSinceMs = null
    }
  }
  // A connection that should pass but timed out is probed once more before the round counts it: a lost packet
  // must not pass for enforcement (a denied connection that succeeded needs no second look: loss cannot do that).
  const probeRound = async (round: number, which: Cell[]) => {
    const atMs = Math.round(performance.now() - applied)
    await probeOnce(round, which, atMs)
    const doubt = which.filter((c) => c.last === 'fail-closed')
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
    const agreeing = probed.filter((c) => c.last === 'agree').length
    progress?.({ step: index + 1, steps: scenario.steps.length, name: step.name, round, agreeing, probed: probed.length, elapsedMs: performance.now() - applied })
    if (agreeing === probed.length) {
      converged = true
      timeToEnforceMs = atMs
      break
    }
    if (performance.now() - applied >= opts.settleMs) break
    await sleep(opts.roundIntervalMs - (performance.now() - roundStart), signal)
  }
  if (probed.length === 0) converged = true

  // Re-probe what still disagrees, to tell a stable disagreement from a flaky one.
  const history = new Map<Cell, Agreement[]>(probed.map((c) => [c, [c.last!]]))
  let disagreeing = probed.filter((c) => c.last !== 'agree')
  for (let i = 0; i < opts.reprobes && disagreeing.length > 0; i++) {
    signal.throwIfAborted()
    await sleep(opts.roundIntervalMs, signal)
    await probeRound(round + 1 + i, disagreeing)
    for (const c of disagreeing) history.get(c)!.push(c.last!)
  }

  const reports: CellReport[] = cells.map((c) => {
    const lastAttempt = c.attempts[c.attempts.length - 1]
    const observed: ObservationResult = c.notProbed ? c.notProbed.result : lastAttempt.result
    const j = judgeCell(c.intent, c.prediction, observed, history.get(c) ?? [])
    const attemptInfo = lastAttempt && !c.notProbed ? { ...(lastAttempt.latencyMs !== undefined ? { latencyMs: lastAttempt.latencyMs } : {}), ...(lastAttempt.answeredBy ? { answeredBy: lastAttempt.answeredBy } : {}), ...(lastAttempt.detail ? { detail: lastAttempt.detail } : {}) } : { detail: c.notProbed!.detail }
    return {
      from: c.from,
      to: c.to,
      port: c.target.port,
      protocol: c.target.protocol,
      ...(c.intent ? { intent: c.intent } : {}),
      prediction: c.prediction,
      observation: { result: observed, ...attemptInfo, attempts: c.attempts },
      classification: j.classification,
      intentViolation: j.intentViolation,
      timeToEnforceMs: c.notProbed ? null : c.agreeSinceMs,
      ...(isProblem(j.classification) ? { explanation: explanationText(explainCell(model, c.from, c.to, c.target)) } : {}),
    }
  })
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

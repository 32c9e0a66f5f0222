// Why: one step end to end: apply, predict, probe the cells that flip on the enforcement cadence (time to enforce,
// from submission), probe rounds until agreement, re-probe, judge.
import type { Driver, ProbeConnection } from '../drivers/driver.js'
import { type HairpinMode, type Model, type PredictOptions, type Verdict, compile, explainCell, predictModel } from '../evaluator/index.js'
import type { Target } from '../model/cluster.js'
import type { Attempt } from '../model/observation.js'
import type { IntentVerdict, Scenario, Step } from '../model/scenario.js'
import { targetAddresses } from '../model/state.js'
import { cellKey } from '../model/truth-table.js'
import { countCells, isProblem } from '../compare/classification.js'
import {
  type Enforcement,
  agreement,
  enforcement,
  evidenceAgreements,
  judgeCell,
  judgedAgreements,
  lateProven,
  latestAgreement,
  trailingFailClosed,
  trailingTimeouts,
} from '../compare/compare.js'
import {
  MAX_CELL_EVIDENCE,
  MIN_CELL_EVIDENCE,
  type LossCount,
  evidenceRun,
  lateEvidenceRun,
  lossOf,
  lossShare,
  worstLoss,
} from '../compare/evidence.js'
import { intendedVerdict } from '../compare/intent.js'
import { classifyOutcome } from '../probe/classify.js'
import { notProbed } from '../probe/not-probed.js'
import type { CellReport, StepReport } from '../report/model.js'
import { cellExplanation, stagedCellReports } from '../report/explanation.js'
import { stagedChanges } from '../evaluator/staged.js'
import { runChaos } from './chaos.js'
import { ENFORCE_INTERVAL_MS, cadenceTimeoutMs, runCadence } from './enforce.js'
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
  /**
   * A cell the step flips must be enforced within this long from submission, else it is `slow` (absent: no limit;
   * chaos steps: not checked).
   */
  readonly enforceWithinMs?: number
  /** Cells predicted denied get k x p99 of the round's allowed latencies instead of the full timeout; absent: off. */
  readonly adaptiveTimeout?: AdaptiveTimeout
  /** How the dataplane treats a pod reaching itself through its Service (`--hairpin`; absent: allowed, docs/services.md). */
  readonly hairpin?: HairpinMode
}

/** The evaluator's options a run's options carry (the hairpin mode). */
function hairpinOf(opts: RunOptions): PredictOptions {
  return opts.hairpin ? { hairpin: opts.hairpin } : {}
}

/** The options `run` uses unless told otherwise. */
export const DEFAULT_RUN_OPTIONS: RunOptions = {
  settleMs: 30000,
  reprobes: 3,
  roundIntervalMs: 250,
  enforceWithinMs: 5000,
  adaptiveTimeout: DEFAULT_ADAPTIVE_TIMEOUT,
}

/** How many allowed latencies a scenario's driver remembers, for a round with no allowed connection of its own. */
const LATENCY_MEMORY = 64
/** The latest allowed latencies measured on each driver (one driver per scenario), newest last. */
const recentLatencies = new WeakMap<Driver, number[]>()

/** The loss the last step with allowed cells showed, per driver: what a step without any of its own goes by. */
const recentLoss = new WeakMap<Driver, number>()

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
  /** The step changed the cell's prediction: it is probed on the enforcement cadence, and held to the limit. */
  readonly flips: boolean
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
  const last = c.attempts.at(-1)
  if (!last) return { result: 'skipped', detail: 'the run was interrupted before this cell was probed', attempts: [] }
  return {
    result: last.result,
    ...(last.latencyMs !== undefined ? { latencyMs: last.latencyMs } : {}),
    ...(last.answeredBy ? { answeredBy: last.answeredBy } : {}),
    ...(last.detail ? { detail: last.detail } : {}),
    attempts: c.attempts,
  }
}

/** A cell's report: the observation, the judgement and, for a problem, the evaluator's account. */
function cellReport(
  c: CellRun,
  from: string,
  to: string,
  target: Target,
  settledRound: number,
  model: Model,
  enforceWithinMs: number | undefined,
  loss: { evidence: (r: CellRun) => number; lateEvidence: (r: CellRun) => number },
  proves: (a: Attempt) => boolean,
  predictOpts: PredictOptions = {},
): CellReport {
  const observation = observationOf(c)
  const k = loss.evidence(c)
  const e = c.probing.kind === 'not-probed' ? null : enforcement(c.prediction, c.attempts, k)
  // Late only when the attempts prove it (an answer of a cell meant to be denied, or a run of failures loss does not
  // explain, after the limit): a cell whose first answer came late under loss is not slow for that alone.
  const late =
    c.flips &&
    e !== null &&
    enforceWithinMs !== undefined &&
    e.timeToEnforceMs > enforceWithinMs &&
    lateProven(c.prediction, c.attempts, enforceWithinMs, loss.lateEvidence(c))
  const j = judgeCell(
    c.intent,
    c.prediction,
    observation.result,
    judgedAgreements(c.prediction, c.attempts.filter(proves), settledRound, k),
    late,
  )
  return {
    from,
    to,
    port: target.port,
    protocol: target.protocol,
    ...(target.family ? { family: target.family } : {}),
    ...(target.via ? { via: target.via } : {}),
    ...(c.intent ? { intent: c.intent } : {}),
    prediction: c.prediction,
    observation,
    classification: j.classification,
    intentViolation: j.intentViolation,
    timeToEnforceMs: e?.timeToEnforceMs ?? null,
    ...(c.flips ? { flips: true, ...(e ? { timeToEnforceResolutionMs: e.resolutionMs } : {}) } : {}),
    ...(isProblem(j.classification) ? { explanation: cellExplanation(explainCell(model, from, to, target, predictOpts)) } : {}),
  }
}

/**
 * The step's time to enforce: the slowest of the cells that flip or disagreed at some attempt beyond lost packets (the
 * others agreed from their first attempt, which says nothing about enforcement); undefined when there are none.
 */
function slowest(runs: readonly CellRun[], k: (r: CellRun) => number): Enforcement | undefined {
  let out: Enforcement | undefined
  for (const r of runs) {
    // A cell the step did not flip that agreed all along, but for lost packets, says nothing about enforcement.
    if (!r.flips && evidenceAgreements(r.prediction, r.attempts, k(r)).every((g) => g === 'agree')) continue
    const e = enforcement(r.prediction, r.attempts, k(r))
    if (e && (!out || e.timeToEnforceMs > out.timeToEnforceMs)) out = e
  }
  return out
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
  const targets = step.probe.targets
  const isChaos = !!step.chaos?.length
  // What the cells were before the step: those whose prediction changes must flip (not in chaos steps, whose
  // samples watch enforcement while the faults run).
  const before = isChaos ? undefined : predictModel(compile(driver.state()), targets, hairpinOf(opts))
  // The clock starts at submission: before the driver's apply, which may already wait for enforcement.
  const started = performance.now()
  await driver.apply(step.actions, signal)
  // A chaos step: faults with continuous probing first; then the matrix must settle as in any step.
  const chaos = isChaos ? await runChaos(driver, scenario, step, signal, log, hairpinOf(opts)) : undefined
  const applied = performance.now()
  // Attempt times count from submission, in a chaos step from the end of its faults.
  const origin = chaos ? applied : started
  const enforceWithinMs = chaos ? undefined : opts.enforceWithinMs
  const state = driver.state()
  const model = compile(state)
  const addresses = targetAddresses(state)
  const externals = new Map(state.externals.map((e) => [e.name, e]))

  // One table from prediction to report: every cell's run, in the prediction's shape.
  const predicted = predictModel(model, targets, hairpinOf(opts))
  // Calico staged policies change no cell (probed as predicted); the report says what they would change.
  const staged = stagedChanges(state, targets, predicted, hairpinOf(opts))
  const cells = predicted.map((prediction, from, to, target): CellRun => {
    const skip = notProbed(driver.unsupported(target), externals.get(to), target)
    const probing: Probing = skip
      ? { kind: 'not-probed', ...skip }
      : { kind: 'probed', conn: { key: cellKey(from, to, target), from, to, ip: addresses(to, target)!, target } }
    const was = before?.get(from, to, target)
    const flips = probing.kind === 'probed' && was !== undefined && was !== prediction
    return { prediction, intent: intendedVerdict(step.expect, from, to, target), probing, flips, attempts: [] }
  })
  const probed: Probed[] = [...cells.entries()].flatMap(({ value: run }) =>
    run.probing.kind === 'probed' ? [{ run, conn: run.probing.conn }] : [],
  )
  const byKey = new Map(probed.map((p) => [p.conn.key, p]))
  const latest = (p: Probed) => latestAgreement(p.run.prediction, p.run.attempts)

  const fullMs = step.probe.timeoutMs
  /** Attempts whose `blocked` came from a shortened timeout: they prove nothing until probed at the full one. */
  const shortened = new WeakSet<Attempt>()
  /**
   * Probes each cell once, or `copies(p)` times at once (each copy its own connection and attempt), at `timeoutMs`
   * (default the full timeout). `inOrder`: each attempt goes in among the cell's attempts in order of start, not
   * last (the cadence's: one still in flight when the rounds began is older than theirs). `single`: one connection
   * per attempt (`ProbeOptions`).
   */
  const probeOnce = async (
    round: number,
    which: readonly Probed[],
    atMs: number,
    o: { timeoutMs?: number; copies?: (p: Probed) => number; inOrder?: boolean; single?: boolean } = {},
  ) => {
    const { timeoutMs = fullMs, copies } = o
    if (signal.aborted) return
    const of = new Map<string, Probed>()
    const conns = copies
      ? which.flatMap((p) =>
          Array.from({ length: copies(p) }, (_, i) => {
            const key = `${p.conn.key}#copy${i}`
            of.set(key, p)
            return { ...p.conn, key }
          }),
        )
      : which.map((p) => p.conn)
    const raws = await driver
      .probe(conns, timeoutMs, signal, o.single ? { single: true } : undefined)
      .catch((e: unknown) => (signal.aborted ? [] : Promise.reject(e)))
    // Interrupted (signal, closed output): the round in flight is dropped, what came before is kept and reported.
    if (signal.aborted) return
    for (const raw of raws) {
      const p = copies ? of.get(raw.key) : byKey.get(raw.key)
      if (!p) continue
      const attempt: Attempt = {
        round,
        atMs,
        ...classifyOutcome(raw, p.conn.to, driver.listening?.(p.conn.to, p.conn.target) ?? false),
      }
      // An answer is an answer whatever the timeout; only a failure under a shortened one proves nothing yet.
      if (timeoutMs < fullMs && attempt.result !== 'allowed') shortened.add(attempt)
      const at = o.inOrder ? p.run.attempts.findIndex((a) => a.atMs > atMs) : -1
      if (at < 0) p.run.attempts.push(attempt)
      else p.run.attempts.splice(at, 0, attempt)
    }
  }
  // Adaptive timeout (docs/speed.md): the cells predicted allowed go first, at the full timeout; their latencies set
  // the timeout of the cells predicted denied, which then are probed. A round with no allowed answer of its own uses
  // the latencies measured earlier in this scenario; none at all, the full timeout.
  const probeAll = async (round: number, which: readonly Probed[], atMs: number, adapt: boolean): Promise<number> => {
    if (!opts.adaptiveTimeout || !adapt) {
      await probeOnce(round, which, atMs)
      return fullMs
    }
    const allow = which.filter((p) => p.run.prediction === 'allow')
    const deny = which.filter((p) => p.run.prediction !== 'allow')
    if (allow.length) await probeOnce(round, allow, atMs)
    const measured = allow.flatMap((p) => {
      const a = p.run.attempts.at(-1)
      return a?.round === round && a.result === 'allowed' && a.latencyMs !== undefined ? [a.latencyMs] : []
    })
    const memory = recentLatencies.get(driver) ?? []
    recentLatencies.set(driver, [...memory, ...measured].slice(-LATENCY_MEMORY))
    const denyMs = adaptiveTimeoutMs(measured.length ? measured : memory, fullMs, opts.adaptiveTimeout)
    // Dated by their own start: the allowed part may have taken up to a timeout (a block dates enforcement).
    if (deny.length) await probeOnce(round, deny, allow.length ? Math.round(performance.now() - origin) : atMs, { timeoutMs: denyMs })
    return denyMs
  }
  // Loss (docs/chaos.md): how many fail-closed attempts in a row of an allowed cell make evidence of a block, from the
  // loss the allowed cells show while they work: the worst path's or the cell's own, the higher.
  const allowed = probed.filter((p) => p.run.prediction === 'allow')
  const agreementsOf = (r: CellRun) => r.attempts.map((a) => agreement(r.prediction, a.result))
  const lossNow = () => {
    const counts = new Map<CellRun, LossCount>(allowed.map((p) => [p.run, lossOf(agreementsOf(p.run), !p.run.flips)]))
    const share = lossShare(counts.values())
    const worst = worstLoss(counts.values())
    const own = (r: CellRun) => {
      const c = counts.get(r)
      return c ? lossShare([c]) : 0
    }
    // A step whose allowed cells show no loss (yet, or none at all) goes by the loss the scenario's last step showed.
    // The last step's loss counts too: a step with few allowed cells measures its own loss poorly.
    const recent = recentLoss.get(driver) ?? 0
    const seen = share > 0 ? share : recent
    const k = evidenceRun(allowed.length ? Math.max(worst, recent) : seen, Math.max(1, allowed.length), MIN_CELL_EVIDENCE)
    return {
      share,
      k,
      // Denied cells: without loss a timeout is taken at its word; with loss it takes k in a row (`confirmDenied`).
      evidence: (r: CellRun) =>
        r.prediction !== 'allow'
          ? seen > 0
            ? k
            : 1
          : evidenceRun(Math.max(worst, recent, own(r)), allowed.length, MIN_CELL_EVIDENCE, MAX_CELL_EVIDENCE),
      // What proves an allowed cell that flips still not enforced after the limit (`slow`): the same loss, uncapped.
      lateEvidence: (r: CellRun) => lateEvidenceRun(Math.max(worst, recent, own(r)), allowed.length),
    }
  }
  // A connection that should pass but timed out is probed again before the round counts it, while it has failed
  // fewer than k times in a row: until it answers (the failures were lost packets) or they make evidence of a block.
  // Under loss, a connection that should be denied and timed out may be one that works whose packets were lost: it
  // is probed k more times at once (loss is per packet, so copies in parallel are as good as in a row, and cost one
  // timeout); one answer makes it fail-open. Without loss a timeout is taken at its word. A denied connection that
  // succeeded needs no second look: loss cannot do that. So is any cell that disagrees after a shortened timeout,
  // once at the full timeout.
  const probeRound = async (round: number, which: readonly Probed[], adapt = true) => {
    const atMs = Math.round(performance.now() - origin)
    const denyTimeoutMs = await probeAll(round, which, atMs, adapt)
    for (let i = 0; i < MAX_CELL_EVIDENCE && !signal.aborted; i++) {
      // Each pass's answers tell more of the loss (a cell that failed and then answered lost packets): k follows.
      const { evidence } = lossNow()
      const doubt = which.filter((p) => {
        const g = latest(p)
        if (g === 'fail-closed') return i === 0 || trailingFailClosed(p.run.prediction, p.run.attempts) < evidence(p.run)
        return i === 0 && g !== 'agree' && shortened.has(p.run.attempts.at(-1)!)
      })
      if (!doubt.length) break
      await probeOnce(round, doubt, Math.round(performance.now() - origin))
    }
    // The denied cells' turn, once the allowed ones have shown the loss (their failures were in question until now).
    const { evidence: k } = lossNow()
    const copies = (p: Probed) => (p.run.attempts.at(-1)?.result === 'blocked' ? k(p.run) - trailingTimeouts(p.run.attempts) : 0)
    const hidden = which.filter((p) => p.run.prediction !== 'allow' && copies(p) > 0)
    if (hidden.length && !signal.aborted)
      await probeOnce(round, hidden, Math.round(performance.now() - origin), { timeoutMs: denyTimeoutMs, copies })
    return atMs
  }
  /** A cell's agreement now, as evidence reads its attempts (runs of lost packets shorter than its k taken as such). */
  const current = (p: Probed, evidence: (r: CellRun) => number) =>
    evidenceAgreements(p.run.prediction, p.run.attempts, evidence(p.run)).at(-1)

  // The enforcement cadence (round 0): the cells that flip, every ENFORCE_INTERVAL_MS, overlapping as the driver
  // allows, until each agrees (on its last attempt; on its last two once this step or the last one with allowed cells
  // saw loss, where one timeout may be a lost packet: the round that follows probes every cell again, so one
  // agreeing attempt is never the verdict) or the settle time is over. The rounds then start at once: attempts still in
  // flight are older than any of theirs and only bound enforcement more tightly (a cell opening: a block that lasts
  // its timeout began before the answer that settled the cell), so their answers go in among the cell's attempts in
  // order of start (the step waits for them before it ends, so nothing of it is in flight during the next).
  const flipping = probed.filter((p) => p.run.flips)
  const cadence = { intervalMs: ENFORCE_INTERVAL_MS, concurrency: driver.sampleConcurrency ?? 1, deadline: origin + opts.settleMs }
  const flipTimeoutMs = cadenceTimeoutMs(step.probe.timeoutMs, cadence)
  // A cell the step closes is given the adaptive timeout of the scenario's last allowed latencies (docs/speed.md), as
  // in a round: its block is seen in a quarter of the time on a quiet network. A shortened block decides nothing
  // (`shortened`); it tells when enforcement began, like the rounds' blocks do.
  const flipDenyTimeoutMs = opts.adaptiveTimeout
    ? adaptiveTimeoutMs(recentLatencies.get(driver) ?? [], flipTimeoutMs, opts.adaptiveTimeout)
    : flipTimeoutMs
  let cadenceOpen = true
  /** Has this step or the last one with allowed cells seen loss (then one timeout may be a lost packet)? */
  const lossSeen = () => lossNow().share > 0 || (recentLoss.get(driver) ?? 0) > 0
  const settled = (p: Probed, need: number) => {
    const last = p.run.attempts.slice(-need) // in order of start (`inOrder`)
    return last.length === need && last.every((a) => agreement(p.run.prediction, a.result) === 'agree')
  }
  const cadenceProgress = () =>
    progress?.({
      step: index + 1,
      steps: scenario.steps.length,
      name: step.name,
      round: 0,
      agreeing: probed.filter((p) => latest(p) === 'agree').length,
      probed: probed.length,
      elapsedMs: performance.now() - origin,
    })
  if (flipping.length) cadenceProgress()
  const cadenceRest = await runCadence(
    cadence,
    () => flipping.filter((p) => !settled(p, lossSeen() ? 2 : 1)),
    async (which) => {
      const atMs = Math.round(performance.now() - origin)
      const closes = which.filter((p) => p.run.prediction !== 'allow')
      const opens = which.filter((p) => p.run.prediction === 'allow')
      // Both to their end before the attempt counts as ended (one failing must not leave the other untracked). A cell
      // opening is probed with one connection while no loss was seen: its block is then dated by the one send, with
      // the whole cadence timeout to be answered, and the cadence's attempts every interval are what hedges do
      // elsewhere (hedged, an attempt begun before enforcement may be answered by a later connection, which tells
      // nothing of when: that left enforcement known to within about 530 ms).
      const ends = await Promise.allSettled([
        opens.length ? probeOnce(0, opens, atMs, { timeoutMs: flipTimeoutMs, inOrder: true, single: !lossSeen() }) : undefined,
        closes.length ? probeOnce(0, closes, atMs, { timeoutMs: flipDenyTimeoutMs, inOrder: true }) : undefined,
      ])
      for (const e of ends) if (e.status === 'rejected') throw e.reason
      if (cadenceOpen) cadenceProgress()
    },
    signal,
  ).catch((e: unknown) => {
    // Interrupted while enforcing: the attempts so far are kept, and the step is reported as interrupted below.
    if (!signal.aborted) throw e
  })
  cadenceOpen = false
  /** A round that throws waits for the cadence's attempts still in flight first: none outlives the step. */
  const guarded = async (run: () => Promise<number>): Promise<number> => {
    try {
      return await run()
    } catch (e) {
      await cadenceRest?.done.catch(() => {})
      throw e
    }
  }

  let round = 0
  let converged = false
  let allAgreedAtMs: number | null = null
  while (probed.length > 0 && !signal.aborted) {
    round++
    const roundStart = performance.now()
    const atMs = await guarded(() => probeRound(round, probed))
    if (signal.aborted) {
      round--
      break
    }
    const { evidence } = lossNow()
    const agreeing = probed.filter((p) => current(p, evidence) === 'agree').length
    progress?.({
      step: index + 1,
      steps: scenario.steps.length,
      name: step.name,
      round,
      agreeing,
      probed: probed.length,
      elapsedMs: performance.now() - origin,
    })
    if (agreeing === probed.length) {
      converged = true
      allAgreedAtMs = atMs
      break
    }
    if (performance.now() - origin >= opts.settleMs) break
    await sleep(opts.roundIntervalMs - (performance.now() - roundStart), signal)
  }
  if (probed.length === 0) converged = !signal.aborted

  // Re-probe what still disagrees, to tell a stable disagreement from a flaky one: each cell is judged on how
  // the last round and every re-probe ended (at the full timeout: no shortened verdict decides a disagreement).
  // Interrupted while enforcing (no round yet): the cadence's attempts (round 0) are all the evidence there is.
  const settledRound = signal.aborted && round === 0 ? 0 : Math.max(1, round)
  const { evidence } = lossNow()
  const disagreeing = probed.filter((p) => current(p, evidence) !== 'agree')
  for (let i = 0; i < opts.reprobes && disagreeing.length > 0 && !signal.aborted; i++) {
    await sleep(opts.roundIntervalMs, signal)
    await guarded(() => probeRound(round + 1 + i, disagreeing, false)) // the evidence of a disagreement: always the full timeout
  }

  // The cadence's attempts still in flight (answers dropped) end before the step does.
  await cadenceRest?.done.catch((e: unknown) => {
    if (!signal.aborted) throw e
  })
  const loss = lossNow()
  if (allowed.length) recentLoss.set(driver, loss.share)
  // A disagreement under a shortened timeout proves nothing: it was probed again at the full one, which decides.
  const proves = (c: CellRun) => (a: Attempt) => !shortened.has(a) || agreement(c.prediction, a.result) === 'agree'
  const reports = [
    ...cells
      .map((c, from, to, target) => cellReport(c, from, to, target, settledRound, model, enforceWithinMs, loss, proves(c), hairpinOf(opts)))
      .entries(),
  ].map((e) => e.value)
  const stepEnforcement = converged
    ? slowest(
        probed.map((p) => p.run),
        loss.evidence,
      )
    : null
  return {
    index,
    name: step.name,
    targets: targets.map((t) => ({
      port: t.port,
      protocol: t.protocol,
      ...(t.family ? { family: t.family } : {}),
      ...(t.via ? { via: t.via } : {}),
    })),
    timeoutMs: step.probe.timeoutMs,
    applyMs: Math.round(applied - started),
    rounds: round,
    converged,
    timeToEnforceMs: converged ? (stepEnforcement?.timeToEnforceMs ?? allAgreedAtMs ?? 0) : null,
    ...(stepEnforcement ? { timeToEnforceResolutionMs: stepEnforcement.resolutionMs } : {}),
    ...(enforceWithinMs !== undefined ? { enforceWithinMs } : {}),
    durationMs: Math.round(performance.now() - started),
    counts: countCells(reports),
    cells: reports,
    ...(loss.share > 0 ? { loss: { share: Math.round(loss.share * 1000) / 1000, failClosedEvidence: loss.k } } : {}),
    ...(chaos ? { chaos } : {}),
    ...(staged ? { staged: stagedCellReports(staged) } : {}),
    ...(signal.aborted ? { interrupted: true as const } : {}),
  }
}

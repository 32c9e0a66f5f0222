// Why: judging one cell (pure): prediction vs observation, for step rounds and chaos samples alike, what its
// attempts say, stable vs flaky. Intent vs prediction is in intent.ts.
import type { Verdict } from '../evaluator/predict.js'
import type { Attempt, ObservationResult } from '../model/observation.js'
import type { IntentVerdict } from '../model/scenario.js'
import { assertNever } from '../util/assert-never.js'
import type { Classification } from './classification.js'
import { MIN_FAIL_CLOSED_EVIDENCE, confirmDenied, confirmFailClosed } from './evidence.js'

/** Does one observation agree with the prediction? The one judgement of an observation, for step rounds and chaos samples. */
export type Agreement = 'agree' | 'fail-open' | 'fail-closed' | 'probe-error' | 'not-probed'

/**
 * allowed vs deny is fail-open; blocked vs allow is fail-closed. A refused connection means something
 * answered with a reset: it counts as not connected (a REJECT-style CNI), but where policy allows the
 * connection it means the probe server was not there, a probe error.
 */
export function agreement(prediction: Verdict, observed: ObservationResult): Agreement {
  switch (observed) {
    case 'allowed':
      return prediction === 'allow' ? 'agree' : 'fail-open'
    case 'blocked':
      return prediction === 'deny' ? 'agree' : 'fail-closed'
    case 'refused':
      return prediction === 'deny' ? 'agree' : 'probe-error'
    case 'error':
      return 'probe-error'
    case 'skipped':
    case 'unsupported':
      return 'not-probed'
    default:
      return assertNever(observed, 'observation')
  }
}

/** The agreement of a cell's latest attempt; undefined before any. */
export function latestAgreement(prediction: Verdict, attempts: readonly Attempt[]): Agreement | undefined {
  const last = attempts.at(-1)
  return last && agreement(prediction, last.result)
}

/** A cell's time to enforce, and how precisely it is known. */
export interface Enforcement {
  /** When the first attempt from which the cell stays agreeing showed it (ms since the step's changes were submitted). */
  readonly timeToEnforceMs: number
  /**
   * The gap between that attempt and the one before it (which disagreed), or submission when there was none:
   * enforcement happened within this many milliseconds before `timeToEnforceMs`.
   */
  readonly resolutionMs: number
}

/**
 * When an attempt shows the dataplane's state: a connection that was answered, when the answer came (a hedged
 * probe's later connection may be the one answered, up to a timeout after the start); any other result, at
 * its start (every connection of it failed, the first one included).
 */
function evidenceMs(a: Attempt): number {
  return a.result === 'allowed' && a.latencyMs !== undefined ? Math.round(a.atMs + a.latencyMs) : a.atMs
}

/**
 * The agreements of a cell's attempts (in the order given) as evidence reads them, with `k` the attempts in a row it
 * takes: for a connection meant to work, fewer than `k` fail-closed attempts next to an agreeing one are lost packets
 * (`confirmFailClosed`); for one meant to be denied, fewer than `k` timeouts next to an answered attempt are lost
 * packets of a connection that works (`confirmDenied`). `after` false: only an attempt before the run speaks for it.
 */
export function evidenceAgreements(prediction: Verdict, attempts: readonly Attempt[], k: number, after = true): Agreement[] {
  const raw = attempts.map((a) => agreement(prediction, a.result))
  if (prediction === 'allow') return confirmFailClosed(raw, k, after)
  return confirmDenied(
    raw,
    attempts.map((a) => a.result === 'blocked'),
    k,
    after,
  )
}

/**
 * When the cell's current run of agreeing attempts began (its time to enforce); null while it disagrees.
 * Attempts are read in order of `evidenceMs`. Fewer than `k` fail-closed attempts after an agreeing one are lost
 * packets, not a relapse (`confirmFailClosed`, the rule chaos windows use too); fewer than `k` timeouts after an
 * answer of a connection meant to be denied are lost packets, not enforcement (`confirmDenied`).
 */
export function enforcement(prediction: Verdict, attempts: readonly Attempt[], k = MIN_FAIL_CLOSED_EVIDENCE): Enforcement | null {
  const list = attempts.map((a) => ({ at: evidenceMs(a), a })).sort((a, b) => a.at - b.at)
  const ok = evidenceAgreements(
    prediction,
    list.map((x) => x.a),
    k,
    false,
  ).map((g) => g === 'agree')
  if (ok.length === 0 || !ok[ok.length - 1]) return null
  let first = ok.length - 1
  while (first > 0 && ok[first - 1]) first--
  const at = list[first].at
  return { timeToEnforceMs: at, resolutionMs: at - (first > 0 ? list[first - 1].at : 0) }
}

/**
 * Do a flipping cell's attempts prove that its change was still not enforced after `limitMs` (what `slow` claims)?
 * Without loss (`k` 1, `lateEvidenceRun`) every attempt is taken at its word: a time to enforce past the limit is
 * proof. Under loss, attempts are read in order of `evidenceMs`: meant to be denied, an answer after the limit (loss
 * cannot make a connection answer); meant to be allowed, a run of at least `k` disagreeing attempts in a row that
 * reaches past the limit (a shorter run is what loss does to a connection that works). An enforcement seen late
 * but not proven so is no alarm: the cell is judged by its agreement, its time to enforce reported as measured.
 */
export function lateProven(prediction: Verdict, attempts: readonly Attempt[], limitMs: number, k: number): boolean {
  if (k <= 1) return true
  const list = attempts.map((a) => ({ at: evidenceMs(a), g: agreement(prediction, a.result) })).sort((a, b) => a.at - b.at)
  if (prediction !== 'allow') return list.some((x) => x.g === 'fail-open' && x.at > limitMs)
  let run = 0
  for (const x of list) {
    run = x.g === 'agree' ? 0 : run + 1
    if (run >= k && x.at > limitMs) return true
  }
  return false
}

/**
 * What decides a cell's judgement: the agreement of every attempt from round `fromRound` on (the step's last round,
 * then every re-probe), in order, read as evidence (`evidenceAgreements`: runs shorter than `k` of lost packets next
 * to an attempt that shows the connection's real state, at any time in the step, taken as that state).
 */
export function judgedAgreements(prediction: Verdict, attempts: readonly Attempt[], fromRound: number, k: number): Agreement[] {
  const all = evidenceAgreements(prediction, attempts, k)
  return all.filter((_, i) => attempts[i].round >= fromRound)
}

/** The fail-closed attempts at the end of a cell's attempts (how long its current failure has lasted). */
export function trailingFailClosed(prediction: Verdict, attempts: readonly Attempt[]): number {
  let n = 0
  while (n < attempts.length && agreement(prediction, attempts[attempts.length - 1 - n].result) === 'fail-closed') n++
  return n
}

/** The timeouts at the end of a cell's attempts (how many times in a row it has looked blocked). */
export function trailingTimeouts(attempts: readonly Attempt[]): number {
  let n = 0
  while (n < attempts.length && attempts[attempts.length - 1 - n].result === 'blocked') n++
  return n
}

/** A cell's final classification, and whether its policies contradict the author's intent. */
export interface CellJudgement {
  readonly classification: Classification
  readonly intentViolation: boolean
}

/**
 * Final judgement of a cell from its last observation and the re-probes of a disagreement.
 * `history` is every agreement seen after the step settled (the last round and the re-probes: `judgedAgreements`); `late`: the cell's
 * change was enforced, but later than the step's limit (it is `slow` if it agrees in the end).
 */
export function judgeCell(
  intent: IntentVerdict | undefined,
  prediction: Verdict,
  observed: ObservationResult,
  history: readonly Agreement[],
  late = false,
): CellJudgement {
  const intentViolation = intent !== undefined && intent !== prediction
  if (observed === 'skipped') return { classification: 'skipped', intentViolation }
  if (observed === 'unsupported') return { classification: intentViolation ? 'intent-violation' : 'unsupported', intentViolation }
  const bad = history.filter((a) => a !== 'agree')
  if (bad.length === 0) return { classification: late ? 'slow' : intentViolation ? 'intent-violation' : 'match', intentViolation }
  if (bad.length < history.length) return { classification: 'flaky', intentViolation }
  const last = bad[bad.length - 1]
  const classification: Classification = last === 'fail-open' ? 'fail-open' : last === 'fail-closed' ? 'fail-closed' : 'probe-error'
  return { classification, intentViolation }
}

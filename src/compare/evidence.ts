// Why: how many consecutive failures of an allowed connection make evidence that it is blocked, given the loss
// the run shows (pure). Cells of a step and samples of a chaos phase use the same arithmetic (docs/chaos.md).
// Observations are `Agreement`s (compare.ts), read here only for 'agree' and 'fail-closed'.

/** The fewest consecutive fail-closed observations of one cell that make evidence of a block, whatever the loss. */
export const MIN_FAIL_CLOSED_EVIDENCE = 4

/**
 * The fewest for a cell of a step's rounds: failures come in bursts the arithmetic does not see (a loaded machine, one
 * flow's packets lost together); measured at 10 % loss, five 1 s probes of one cell in a row failed while every other
 * cell of its source and destination answered. Chaos samples keep the least (their outages are short).
 */
export const MIN_CELL_EVIDENCE = 6

/**
 * The most ever required: beyond it (a share of lost probes above about 0.75) a cell is probed for too long to be
 * worth it, and a block that long is taken as real.
 */
export const MAX_FAIL_CLOSED_EVIDENCE = 40

/**
 * The most for an allowed cell of a step's rounds (its re-probes run at the full timeout, one a second): a TCP probe
 * between two nodes at 30 % injected loss per node needs its SYN, SYN-ACK, ACK and reply through both (no
 * retransmission fits in one timeout), and fails about 0.75 of its attempts in a row once it has failed (10,529
 * runs of failures in two full suites, issue 21). At 40, such a cell is called blocked with chance 0.75^40 = 1e-5
 * per run of failures, about 0.1 a suite: one cell was (46 in a row). 60 keeps that under 1e-7 (0.75^60), the
 * false alarm risk per step for up to ~100 such cells; a real block costs 20 more re-probes, only under heavy loss.
 */
export const MAX_CELL_EVIDENCE = 60

/** The chance of one false fail-closed verdict per step (its cells) or per chaos phase (its samples) that k allows. */
export const FALSE_ALARM_RISK = 1e-4

/**
 * The least k with chances x p^k <= FALSE_ALARM_RISK, within [min, max] (max: MAX_FAIL_CLOSED_EVIDENCE unless given):
 * with p the chance that one observation of a connection that works is lost, a run of k lost observations starts at a
 * given place with probability about p^k, and `chances` counts the places where such a run could start and be taken
 * for a block.
 */
export function evidenceRun(p: number, chances: number, min = MIN_FAIL_CLOSED_EVIDENCE, max = MAX_FAIL_CLOSED_EVIDENCE): number {
  if (!(p > 0) || chances <= 0) return min
  if (p >= 1) return max
  const k = Math.ceil(Math.log(FALSE_ALARM_RISK / chances) / Math.log(p))
  return Math.min(max, Math.max(min, k))
}

/**
 * How many failed attempts in a row of an allowed cell that flips prove it was still not enforced (`slow`), given the
 * loss p its path shows: none seen, one (every attempt taken at its word, as without loss everywhere); else the run
 * `evidenceRun` asks for, without its cap. The cap serves fail-closed (a block that long is taken as real, rather than
 * probing for ever); `slow` claims no block, only lateness, and a cell whose own attempts are mostly lost (a name
 * probe's query, answer and handshake each crossing the loss: 96 % lost at 30 % injected loss) fails dozens of times
 * in a row before its first answer with the change long enforced. Such a run proves nothing: the claim is not made.
 */
export function lateEvidenceRun(p: number, chances: number): number {
  return p > 0 ? evidenceRun(p, chances, MIN_CELL_EVIDENCE, Number.POSITIVE_INFINITY) : 1
}

/** Lost and total observations of connections shown to work (the loss they tell of). */
export interface LossCount {
  readonly lost: number
  readonly total: number
}

/**
 * The loss one allowed cell's observations (in order) show while it worked: fail-closed among agreeing and
 * fail-closed ones up to its last agreeing observation (after it, the failures are what is in question), from its
 * first agreeing one, or from the start for a cell that was meant to work all along (`fromStart`: its prediction did
 * not change; otherwise it may not have been enforced before its first success). A cell that never agreed shows none.
 */
export function lossOf(agreements: readonly string[], fromStart = false): LossCount {
  const first = fromStart ? 0 : agreements.indexOf('agree')
  const last = agreements.lastIndexOf('agree')
  let lost = 0
  let total = 0
  for (let i = first; last >= 0 && i <= last; i++)
    if (agreements[i] === 'agree' || agreements[i] === 'fail-closed') {
      total++
      if (agreements[i] === 'fail-closed') lost++
    }
  return { lost, total }
}

/** The share lost in the sum of these counts (0 without any). */
export function lossShare(counts: Iterable<LossCount>): number {
  let lost = 0
  let total = 0
  for (const c of counts) {
    lost += c.lost
    total += c.total
  }
  return total ? lost / total : 0
}

/** Observations a cell needs before its own share of losses speaks for its path. */
const OWN_SHARE_MIN = 8

/** The normal quantile of the loss's upper bound: the true loss lies below it with 97.5 % confidence. */
const LOSS_BOUND_Z = 1.96

/**
 * The highest loss these observations make plausible (the Wilson score interval's upper end), 0 when none was
 * lost: a share measured on few observations can be far below the truth (at 30 % injected loss a small step's
 * allowed cells showed 0.2 to 0.52), and k taken from too low a share makes a run of lost packets look like a
 * block. Many observations bring it down to the share itself; no loss seen keeps k at its least.
 * @internal exported for its test
 */
export function lossBound({ lost, total }: LossCount): number {
  if (lost <= 0 || total <= 0) return 0
  const z2 = LOSS_BOUND_Z * LOSS_BOUND_Z
  const p = lost / total
  const centre = p + z2 / (2 * total)
  const spread = LOSS_BOUND_Z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))
  return Math.min(1, (centre + spread) / (1 + z2 / total))
}

/**
 * The loss to expect on any path: the highest share lost among cells with enough observations (paths differ: a
 * connection through two nodes crosses twice the loss of one within a node), or the upper bound of the share over
 * all of them (`lossBound`), the higher.
 */
export function worstLoss(counts: Iterable<LossCount>): number {
  const list = [...counts]
  const shares = list.filter((c) => c.total >= OWN_SHARE_MIN).map((c) => c.lost / c.total)
  const all = list.reduce((m, c) => ({ lost: m.lost + c.lost, total: m.total + c.total }), { lost: 0, total: 0 })
  return Math.max(lossBound(all), ...shares)
}

/**
 * The observations (in order) with every fail-closed run shorter than `k` taken as lost packets, i.e. as agreeing,
 * when the cell agreed at some point before the run (`after` false) or before or after it (`after` true): a
 * connection that works, seen once, makes a few failures around it loss rather than a block. Runs of `k` or more
 * stay; so do fail-closed runs of a cell that never agreed.
 */
export function confirmFailClosed<T extends string>(agreements: readonly T[], k: number, after = true): (T | 'agree')[] {
  const out: (T | 'agree')[] = [...agreements]
  let seenAgree = false
  for (let i = 0; i < out.length;) {
    if (out[i] !== 'fail-closed') {
      if (out[i] === 'agree') seenAgree = true
      i++
      continue
    }
    let j = i
    while (j < out.length && out[j] === 'fail-closed') j++
    const agreeAfter = after && out.slice(j).includes('agree')
    if (j - i < k && (seenAgree || agreeAfter)) for (let x = i; x < j; x++) out[x] = 'agree'
    i = j
  }
  return out
}

/**
 * The mirror of `confirmFailClosed` for a connection meant to be denied: a run of fewer than `k` agreeing attempts
 * that all timed out (`timedOut[i]`), next to an answered one (before the run, or before or after it when `after`),
 * is taken as lost packets of a connection that works, i.e. as fail-open. Loss cannot make a denied connection
 * answer, but it can make one that wrongly works look denied. A refusal is never lost packets; `k` of 1 changes
 * nothing (no loss seen: a timeout is taken at its word).
 */
export function confirmDenied<T extends string>(
  agreements: readonly T[],
  timedOut: readonly boolean[],
  k: number,
  after = true,
): (T | 'fail-open')[] {
  const out: (T | 'fail-open')[] = [...agreements]
  let seenOpen = false
  for (let i = 0; i < out.length;) {
    if (out[i] !== 'agree' || !timedOut[i]) {
      if (out[i] === 'fail-open') seenOpen = true
      i++
      continue
    }
    let j = i
    while (j < out.length && out[j] === 'agree' && timedOut[j]) j++
    const openAfter = after && out.slice(j).includes('fail-open')
    if (j - i < k && (seenOpen || openAfter)) for (let x = i; x < j; x++) out[x] = 'fail-open'
    i = j
  }
  return out
}

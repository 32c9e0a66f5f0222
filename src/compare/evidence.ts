// Why: how many consecutive failures of an allowed connection make evidence that it is blocked, given the loss
// the run shows (pure). Cells of a step and samples of a chaos phase use the same arithmetic (docs/chaos.md).
// Observations are `Agreement`s (compare.ts), read here only for 'agree' and 'fail-closed'.

/** The fewest consecutive fail-closed observations of one cell that make evidence of a block, whatever the loss. */
export const MIN_FAIL_CLOSED_EVIDENCE = 4

/**
 * The most ever required: beyond it (a share of lost probes above about 0.75) a cell is probed for too long to be
 * worth it, and a block that long is taken as real.
 */
export const MAX_FAIL_CLOSED_EVIDENCE = 40

/** The chance of one false fail-closed verdict per step (its cells) or per chaos phase (its samples) that k allows. */
export const FALSE_ALARM_RISK = 1e-4

/**
 * The least k with chances x p^k <= FALSE_ALARM_RISK, within [MIN, MAX]: with p the chance that one observation
 * of a connection that works is lost, a run of k lost observations starts at a given place with probability about
 * p^k, and `chances` counts the places where such a run could start and be taken for a block.
 */
export function evidenceRun(p: number, chances: number): number {
  if (!(p > 0) || chances <= 0) return MIN_FAIL_CLOSED_EVIDENCE
  if (p >= 1) return MAX_FAIL_CLOSED_EVIDENCE
  const k = Math.ceil(Math.log(FALSE_ALARM_RISK / chances) / Math.log(p))
  return Math.min(MAX_FAIL_CLOSED_EVIDENCE, Math.max(MIN_FAIL_CLOSED_EVIDENCE, k))
}

/** Lost and total observations of connections shown to work (the loss they tell of). */
export interface LossCount {
  readonly lost: number
  readonly total: number
}

/**
 * The loss one allowed cell's observations (in order) show while it worked: fail-closed among agreeing and
 * fail-closed ones from its first agreeing observation to its last (before the first, the cell may not have been
 * enforced yet; after the last, the failures are what is in question). A cell that never agreed shows none.
 */
export function lossOf(agreements: readonly string[]): LossCount {
  const first = agreements.indexOf('agree')
  const last = agreements.lastIndexOf('agree')
  let lost = 0
  let total = 0
  for (let i = first; first >= 0 && i <= last; i++)
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

/**
 * The loss to expect on any path: the highest share lost among cells with enough observations (paths differ: a
 * connection through two nodes crosses twice the loss of one within a node), else the share over all of them.
 */
export function worstLoss(counts: Iterable<LossCount>): number {
  const list = [...counts]
  const shares = list.filter((c) => c.total >= OWN_SHARE_MIN).map((c) => c.lost / c.total)
  return Math.max(lossShare(list), ...shares)
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

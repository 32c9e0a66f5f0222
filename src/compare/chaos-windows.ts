// Why: judge continuous probing during faults (pure): fail-open and fail-closed windows, recovery, invariants.
import type { Invariants } from '../model/scenario.js'
import type { ChaosReport, DisagreementWindow } from '../report/model.js'
import type { Agreement } from './compare.js'

/** One sample: when it was sent (ms since the faults began) and every sampled cell's `agreement` with the prediction. */
export interface Sample {
  readonly atMs: number
  readonly cells: ReadonlyMap<string, Agreement>
}

/** The fewest consecutive fail-closed samples of one cell that make evidence of an outage, whatever the loss. */
export const MIN_FAIL_CLOSED_EVIDENCE = 4

/** The chance of one false fail-closed window per phase that `failClosedEvidence` allows. */
const FALSE_WINDOW_RISK = 0.01

/**
 * How many consecutive fail-closed samples of one cell make evidence of an outage in these samples (docs/chaos.md
 * has the arithmetic). With p the share of fail-closed samples among the samples that could be (allowed cells)
 * and n those samples, a run of k lost samples starts at a given sample with probability about p^k, so k is the
 * least with n * p^k <= 1 %, and never under MIN_FAIL_CLOSED_EVIDENCE. p counts real outages too: that only makes
 * k larger (fewer, longer windows); fail-open needs no such evidence.
 */
export function failClosedEvidence(samples: readonly Sample[]): number {
  let n = 0
  let closed = 0
  for (const s of samples)
    for (const v of s.cells.values())
      if (v === 'agree' || v === 'fail-closed') {
        n++
        if (v === 'fail-closed') closed++
      }
  if (n === 0 || closed === 0) return MIN_FAIL_CLOSED_EVIDENCE
  const p = Math.min(0.95, closed / n)
  return Math.max(MIN_FAIL_CLOSED_EVIDENCE, Math.ceil(Math.log(FALSE_WINDOW_RISK / n) / Math.log(p)))
}

/**
 * States after confirmation: a fail-open counts at once (lost packets cannot make a denied connection
 * succeed), a fail-closed only inside a run of at least `k` consecutive fail-closed samples of the same cell
 * (lost packets are not an outage; the same evidence a cell needs, repeated failures rather than one).
 * `open`: the samples are still coming, so a run that reaches the last sample may yet grow: it counts.
 */
function confirmed(samples: readonly Sample[], k: number, open = false): Sample[] {
  const runLength = new Map<string, number[]>()
  const keys = new Set(samples.flatMap((s) => [...s.cells.keys()]))
  for (const key of keys) {
    // For every sample, the length of the run of fail-closed samples of this cell it belongs to (0: none).
    const closed = samples.map((s) => s.cells.get(key) === 'fail-closed')
    const len = closed.map(() => 0)
    for (let i = 0; i < closed.length;) {
      let j = i
      while (j < closed.length && closed[j]) j++
      for (let x = i; x < j; x++) len[x] = open && j === closed.length ? k : j - i
      i = Math.max(j, i + 1)
    }
    runLength.set(key, len)
  }
  return samples.map((s, i) => {
    const cells = new Map<string, Agreement>()
    for (const [key, v] of s.cells) cells.set(key, v === 'fail-closed' && runLength.get(key)![i] < k ? 'agree' : v)
    return { atMs: s.atMs, cells }
  })
}

/**
 * Maximal runs of samples with at least one (confirmed) cell of `kind`; a window ends when the next sample is
 * clean. `k`: consecutive fail-closed samples of a cell that confirm it (fail-open needs one), from the samples' loss.
 */
export function windowsOf(samples: readonly Sample[], intervalMs: number, k = failClosedEvidence(samples)): DisagreementWindow[] {
  const list = confirmed(samples, k)
  const out: DisagreementWindow[] = []
  for (const kind of ['fail-open', 'fail-closed'] as const) {
    let start: number | null = null
    let cells = new Set<string>()
    list.forEach((s, i) => {
      const bad = [...s.cells].filter(([, v]) => v === kind).map(([k]) => k)
      if (bad.length) {
        start ??= s.atMs
        bad.forEach((k) => cells.add(k))
      }
      const last = i === list.length - 1
      if (start !== null && (!bad.length || last)) {
        const endMs = bad.length ? s.atMs + intervalMs : s.atMs
        out.push({ kind, startMs: start, endMs, cells: cells.size })
        start = null
        cells = new Set()
      }
    })
  }
  return out.sort((a, b) => a.startMs - b.startMs)
}

/**
 * Milliseconds from `fromMs` to the first sample from which two consecutive samples agree everywhere (fail-closed
 * samples confirmed as in `windowsOf`; a run still open at the last sample counts, as sampling may go on); null
 * if never.
 */
export function recoveryAfter(samples: readonly Sample[], fromMs: number, k = failClosedEvidence(samples)): number | null {
  const list = confirmed(samples, k, true).filter((s) => s.atMs >= fromMs)
  const clean = (s: Sample) => [...s.cells.values()].every((v) => v === 'agree')
  for (let i = 0; i + 1 < list.length; i++) if (clean(list[i]) && clean(list[i + 1])) return Math.max(0, list[i].atMs - fromMs)
  return null
}

/** The step's limits checked against one fault's windows and recovery (maxFailOpen defaults to 0). */
export function checkInvariants(
  inv: Invariants | undefined,
  windows: readonly DisagreementWindow[],
  recoveryMs: number | null,
): NonNullable<ChaosReport['invariants']> {
  const longest = (kind: DisagreementWindow['kind']) =>
    Math.max(0, ...windows.filter((w) => w.kind === kind).map((w) => w.endMs - w.startMs))
  const out: { name: string; limitMs: number; observedMs: number | null; passed: boolean }[] = []
  const failOpen = longest('fail-open')
  const openLimit = inv?.maxFailOpenMs ?? 0
  out.push({
    name: 'maxFailOpen',
    limitMs: openLimit,
    observedMs: failOpen,
    passed: openLimit === 0 ? !windows.some((w) => w.kind === 'fail-open') : failOpen <= openLimit,
  })
  if (inv?.maxFailClosedMs !== undefined) {
    const closed = longest('fail-closed')
    out.push({
      name: 'maxFailClosed',
      limitMs: inv.maxFailClosedMs,
      observedMs: closed,
      passed: inv.maxFailClosedMs === 0 ? !windows.some((w) => w.kind === 'fail-closed') : closed <= inv.maxFailClosedMs,
    })
  }
  if (inv?.maxRecoveryMs !== undefined)
    out.push({
      name: 'maxRecovery',
      limitMs: inv.maxRecoveryMs,
      observedMs: recoveryMs,
      passed: recoveryMs !== null && recoveryMs <= inv.maxRecoveryMs,
    })
  return out
}

// Why: judge continuous probing during faults (pure): fail-open and fail-closed windows, recovery, invariants.
import type { Invariants } from '../model/scenario.js'
import type { ChaosReport, DisagreementWindow } from '../report/model.js'
import type { Agreement } from './compare.js'
import { evidenceRun, lossOf, lossShare, worstLoss } from './evidence.js'

/** One sample: when it was sent (ms since the faults began) and every sampled cell's `agreement` with the prediction. */
export interface Sample {
  readonly atMs: number
  readonly cells: ReadonlyMap<string, Agreement>
  /** The cells predicted allowed in this sample (those that can fail closed); absent: every agreeing one may be. */
  readonly allowed?: ReadonlySet<string>
}

/** Consecutive fail-closed samples of a cell that make evidence of an outage, per cell. */
export type Evidence = number | ((key: string) => number)

/** Each cell's samples, in order, of the times it was predicted allowed (agreeing or fail-closed: it could fail closed). */
function allowedRuns(samples: readonly Sample[]): Map<string, Agreement[]> {
  const out = new Map<string, Agreement[]>()
  for (const s of samples)
    for (const [key, v] of s.cells)
      if (s.allowed ? s.allowed.has(key) : v === 'agree' || v === 'fail-closed') {
        const list = out.get(key) ?? []
        list.push(v)
        out.set(key, list)
      }
  return out
}

/**
 * How many consecutive fail-closed samples of one cell make evidence of an outage in these samples (docs/chaos.md
 * has the arithmetic): `evidenceRun(p, n)` with n the samples of cells predicted allowed and p the share of them
 * lost while their cell worked (`lossOf`): the worst path's (`worstLoss`), or the cell's own where that is higher
 * (`of`). `k` is the one without the cell's own, for the report. Fail-open needs no such evidence.
 */
export function failClosedEvidence(samples: readonly Sample[]): { k: number; of: (key: string) => number } {
  const runs = allowedRuns(samples)
  const n = [...runs.values()].reduce((m, r) => m + r.length, 0)
  const counts = new Map([...runs].map(([key, r]) => [key, lossOf(r)]))
  const worst = worstLoss(counts.values())
  const own = new Map([...counts].map(([key, c]) => [key, evidenceRun(Math.max(worst, lossShare([c])), n)]))
  const k = evidenceRun(worst, n)
  return { k, of: (key) => own.get(key) ?? k }
}

/**
 * States after confirmation: a fail-open counts at once (lost packets cannot make a denied connection
 * succeed), a fail-closed only inside a run of at least `k` consecutive fail-closed samples of the same cell
 * (lost packets are not an outage; the same evidence a cell needs, repeated failures rather than one).
 * `open`: the samples are still coming, so a run that reaches the last sample may yet grow: it counts.
 */
function confirmed(samples: readonly Sample[], evidence: Evidence, open = false): Sample[] {
  const kOf = typeof evidence === 'number' ? () => evidence : evidence
  const runLength = new Map<string, number[]>()
  const keys = new Set(samples.flatMap((s) => [...s.cells.keys()]))
  for (const key of keys) {
    const k = kOf(key)
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
    for (const [key, v] of s.cells) cells.set(key, v === 'fail-closed' && runLength.get(key)![i] < kOf(key) ? 'agree' : v)
    return { atMs: s.atMs, cells }
  })
}

/**
 * Maximal runs of samples with at least one (confirmed) cell of `kind`; a window ends when the next sample is
 * clean. `k`: consecutive fail-closed samples of a cell that confirm it (fail-open needs one), from the samples' loss.
 */
export function windowsOf(
  samples: readonly Sample[],
  intervalMs: number,
  k: Evidence = failClosedEvidence(samples).of,
): DisagreementWindow[] {
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
export function recoveryAfter(samples: readonly Sample[], fromMs: number, k: Evidence = failClosedEvidence(samples).of): number | null {
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

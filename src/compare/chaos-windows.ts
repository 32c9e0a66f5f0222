// Why: judge continuous probing during faults (pure): fail-open and fail-closed windows, recovery, invariants.
import type { Invariants } from '../model/scenario.js'
import type { ChaosReport, DisagreementWindow } from '../report/model.js'
import type { Agreement } from './compare.js'

/** One sample: when it was sent (ms since the faults began) and every sampled cell's `agreement` with the prediction. */
export interface Sample {
  readonly atMs: number
  readonly cells: ReadonlyMap<string, Agreement>
}

/**
 * States after confirmation: a fail-open counts at once (lost packets cannot make a denied connection
 * succeed), a fail-closed only when the cell's previous or next sample is fail-closed too (one lost packet is
 * not an outage).
 */
function confirmed(samples: readonly Sample[]): Sample[] {
  return samples.map((s, i) => {
    const near = [samples[i - 1], samples[i + 1]]
    const cells = new Map<string, Agreement>()
    for (const [k, v] of s.cells) cells.set(k, v === 'fail-closed' && !near.some((n) => n?.cells.get(k) === 'fail-closed') ? 'agree' : v)
    return { atMs: s.atMs, cells }
  })
}

/** Maximal runs of samples with at least one cell of `kind`; a window ends when the next sample is clean. */
export function windowsOf(samples: readonly Sample[], intervalMs: number): DisagreementWindow[] {
  const list = confirmed(samples)
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

/** Milliseconds from `fromMs` to the first sample from which two consecutive samples agree everywhere; null if never. */
export function recoveryAfter(samples: readonly Sample[], fromMs: number): number | null {
  const list = confirmed(samples).filter((s) => s.atMs >= fromMs)
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

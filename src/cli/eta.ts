// Why: the run's estimated time left, from what is planned and what has been measured; pure so it can be tested
// with fixed numbers, apart from the progress display that shows it.

/** What the estimate knows: durations measured so far and the work left, in steps. */
export interface EtaInput {
  /** Durations of the steps that finished, in milliseconds. */
  readonly finishedStepsMs: readonly number[]
  /** Per finished scenario, its time outside its steps (setup and teardown), in milliseconds. */
  readonly overheadsMs: readonly number[]
  /** Scenarios in flight: steps not finished (the current one included) and the time already spent in the current one. */
  readonly running: readonly { readonly stepsLeft: number; readonly currentMs: number }[]
  /** Step counts of the scenarios not started yet. */
  readonly waitingSteps: readonly number[]
  /** Scenarios run at once. */
  readonly parallel: number
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0)

/**
 * Milliseconds the run still needs, or undefined before any step finished (nothing measured yet). The work left is
 * the mean step duration times the steps left (less the time the steps in flight have already run, each counted
 * at most one mean step), plus the mean setup and teardown of a scenario for each one not started; it is shared
 * by as many workers as scenarios are left, at most `parallel`.
 */
export function estimateRemainingMs(i: EtaInput): number | undefined {
  if (i.finishedStepsMs.length === 0) return undefined
  const step = mean(i.finishedStepsMs)
  const overhead = mean(i.overheadsMs)
  const inFlight = i.running.reduce((ms, r) => ms + Math.max(0, r.stepsLeft * step - Math.min(r.currentMs, step)), 0)
  const waiting = i.waitingSteps.reduce((ms, n) => ms + n * step + overhead, 0)
  const lanes = Math.min(Math.max(1, i.parallel), i.running.length + i.waitingSteps.length)
  return lanes === 0 ? 0 : Math.round((inFlight + waiting) / lanes)
}

/** A duration for people: `45s`, `1m12s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

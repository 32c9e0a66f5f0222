// Why: what a probe saw, as a closed set with glyphs (STYLE.md 6), and how a cell is finally judged.

/** allowed: the right pod answered; blocked: timed out; refused: RST/ICMP came back; error: anything else. */
export type ObservationResult = 'allowed' | 'blocked' | 'refused' | 'error' | 'skipped' | 'unsupported'

export interface Attempt {
  readonly round: number
  /** Milliseconds since the step's changes were accepted. */
  readonly atMs: number
  readonly result: ObservationResult
  readonly latencyMs?: number
  readonly answeredBy?: string
  readonly detail?: string
}

/** The judgement of one cell (ARCHITECTURE.md 3.4; `probe-error` and `skipped` added). */
export type Classification = 'match' | 'fail-open' | 'fail-closed' | 'intent-violation' | 'flaky' | 'unsupported' | 'skipped' | 'probe-error'

export const CLASSIFICATIONS: readonly Classification[] = ['match', 'fail-open', 'fail-closed', 'intent-violation', 'flaky', 'probe-error', 'unsupported', 'skipped']

/** Classifications that mean the CNI or the policy is wrong (exit 1). */
export const DISAGREEMENTS: ReadonlySet<Classification> = new Set(['fail-open', 'fail-closed', 'intent-violation', 'flaky'])

/** What one connection attempt saw, before any judging. */
export interface RawOutcome {
  readonly key: string
  /** connected: a reply came back; timeout; refused (RST or ICMP unreachable); error: anything else. */
  readonly outcome: 'connected' | 'timeout' | 'refused' | 'error'
  readonly latencyMs: number
  /** The identity the server sent back, when connected. */
  readonly answeredBy?: string
  readonly detail?: string
}

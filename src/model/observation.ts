// Why: what a probe saw, as a closed set with glyphs (STYLE.md 6); cells are judged in compare/.

/** allowed: the right pod answered; blocked: timed out; refused: RST/ICMP came back; error: anything else. */
export type ObservationResult = 'allowed' | 'blocked' | 'refused' | 'error' | 'skipped' | 'unsupported'

/** One probe of a cell: which round, when, and what it saw. */
export interface Attempt {
  readonly round: number
  /** Milliseconds since the step's changes were accepted. */
  readonly atMs: number
  readonly result: ObservationResult
  readonly latencyMs?: number
  readonly answeredBy?: string
  readonly detail?: string
}

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

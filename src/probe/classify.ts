// Why: turn what an agent saw into an observation; pure, and it judges nothing about policy.
import type { ObservationResult, RawOutcome } from '../model/observation.js'
import { assertNever } from '../util/assert-never.js'

/** One connection as observed: the result and, when allowed, who answered. */
export interface Observed {
  readonly result: ObservationResult
  readonly latencyMs: number
  readonly answeredBy?: string
  readonly detail?: string
}

/**
 * `expected` is the destination's identity: a reply from anyone else is an error, never "allowed". A refusal counts
 * (as a REJECT-style block) only when the destination is known to listen there (`listening`); a refusal from a port
 * nobody was seen serving says the server is missing, not that policy denied, so it is an error naming the destination.
 */
export function classifyOutcome(raw: RawOutcome, expected: string, listening: boolean): Observed {
  const base = { latencyMs: raw.latencyMs, ...(raw.answeredBy ? { answeredBy: raw.answeredBy } : {}) }
  switch (raw.outcome) {
    case 'connected':
      return raw.answeredBy === expected
        ? { result: 'allowed', ...base }
        : { result: 'error', ...base, detail: `answered by ${raw.answeredBy ?? 'nobody'}, expected ${expected}` }
    case 'timeout':
      // The detail says what went unanswered when it was not the connection itself (a name lookup: docs/services.md).
      return { result: 'blocked', ...base, ...(raw.detail ? { detail: raw.detail } : {}) }
    case 'refused':
      if (!listening)
        return {
          result: 'error',
          ...base,
          detail: `refused by ${expected}, whose server on this port was never seen listening: ${raw.detail ?? 'connection refused'}`,
        }
      return { result: 'refused', ...base, detail: raw.detail ?? 'connection refused' }
    case 'error':
      return { result: 'error', ...base, detail: raw.detail ?? 'error' }
    default:
      return assertNever(raw.outcome, 'probe outcome')
  }
}

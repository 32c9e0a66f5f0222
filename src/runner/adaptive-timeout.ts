// Why: a denied connection costs a whole timeout; once the allowed connections of the same round have answered, the
// time a blocked one is given can shrink to what the network is seen to need (k x p99 of their latencies, never below
// a safe floor, never above the scenario's timeout). Pure: latencies in, a timeout out. See docs/speed.md.
import { UsageError } from '../errors.js'

/** How denied cells' timeout follows the allowed cells' latencies: `factor` x p99, at least `floorMs`. */
export interface AdaptiveTimeout {
  readonly factor: number
  readonly floorMs: number
}

/**
 * The defaults (docs/speed.md): on a quiet machine allowed connections between local namespaces answer in a few
 * milliseconds, so the 250 ms floor decides and a denied cell waits a quarter of the 1 s default timeout; a slow
 * network or a loaded machine raises 4 x p99 up to the full timeout, the safe direction (measured on a 2-core machine
 * at load 20-35: allowed p99 1.2-1.5 s, nothing shortened).
 */
export const DEFAULT_ADAPTIVE_TIMEOUT: AdaptiveTimeout = { factor: 4, floorMs: 250 }

/** The p-th percentile (0-100) by nearest rank; undefined for no values. @internal exported for its test */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

/**
 * The timeout for the cells predicted denied, given the latencies of the allowed connections measured in this round:
 * `factor` x p99, at least `floorMs`, at most `fullMs`. No latency measured, or adaptation off: the full timeout.
 */
export function adaptiveTimeoutMs(latencies: readonly number[], fullMs: number, adaptive: AdaptiveTimeout | undefined): number {
  const p99 = percentile(latencies, 99)
  if (!adaptive || p99 === undefined) return fullMs
  return Math.min(fullMs, Math.max(adaptive.floorMs, Math.ceil(adaptive.factor * p99)))
}

/** `--adaptive-timeout`: `off`, or `<factor>,<floor>` (e.g. `4,250ms`; a bare floor is milliseconds). */
export function parseAdaptiveTimeout(spec: string, parseDuration: (s: string) => number | undefined): AdaptiveTimeout | undefined {
  if (spec === 'off') return undefined
  const m = /^(\d+(?:\.\d+)?)\s*,\s*(\S+)$/.exec(spec)
  const floorMs = m ? (/^\d+$/.test(m[2]) ? Number(m[2]) : parseDuration(m[2])) : undefined
  const factor = m ? Number(m[1]) : NaN
  if (!m || floorMs === undefined || !(factor >= 1) || floorMs < 1)
    throw new UsageError(
      `--adaptive-timeout: "${spec}" is not "off" or "<factor>,<floor>" with factor >= 1 and floor >= 1ms (e.g. 4,250ms)`,
    )
  return { factor, floorMs }
}

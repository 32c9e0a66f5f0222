// Why: durations as scenario files write them (`500ms`, `1s`, `2m`, bare seconds), turned into milliseconds by the schema.
import { z } from 'zod'

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)$/

/** Parses `500ms`, `1s`, `1.5s`, `2m` (or a number of seconds) into milliseconds; undefined when malformed or not positive. */
export function parseDuration(s: string | number): number | undefined {
  if (typeof s === 'number') return s > 0 ? s * 1000 : undefined
  const m = DURATION.exec(s.trim())
  if (!m) return undefined
  const n = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60000)
  return n > 0 ? Math.round(n) : undefined
}

/**
 * Like `parseDuration`, but `0`, `0s`, `00ms` ... are zero (limits such as maxFailOpen: 0).
 * @internal exported for its test
 */
export function parseDuration0(v: string | number): number | undefined {
  return v === 0 || v === '0' || /^0+(ms|s|m)$/.test(String(v)) ? 0 : parseDuration(v)
}

/** A zod schema reading a duration with `parse` into milliseconds; `examples` go into the error message. */
function durationSchema(parse: (v: string | number) => number | undefined, examples: string) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const ms = parse(v)
    if (ms !== undefined) return ms
    ctx.issues.push({ code: 'custom', message: `invalid duration ${JSON.stringify(v)} (use e.g. ${examples})`, input: v })
    return z.NEVER
  })
}

/** A positive duration, in milliseconds (defaults are given with `.prefault('2s')`, in the file's own terms). */
export const duration = durationSchema(parseDuration, '500ms, 1s, 2m')

/** A duration that may be zero, in milliseconds. */
export const duration0 = durationSchema(parseDuration0, '0, 500ms, 2s')

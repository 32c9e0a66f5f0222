// Why: zod issues as this project reports them: unknown fields with a "did you mean" hint, messages without zod's
// jargon, each with its YAML path.
import { z } from 'zod'
import { closest, distance } from 'fastest-levenshtein'

/** Marks the issue produced for a field the schema does not know, with the names it does know. */
const UNKNOWN_FIELD = 'unknown field'

/** An object schema that reports every unknown field (with a "did you mean" hint) instead of dropping it. */
export function strictObject<S extends z.ZodRawShape>(shape: S) {
  const known = Object.keys(shape)
  return z.object(shape).catchall(
    z.unknown().superRefine((_v, ctx) => {
      ctx.addIssue({ code: 'custom', message: UNKNOWN_FIELD, params: { known } })
    }),
  )
}

/**
 * The hint for an unknown field named `field` among `known` names.
 * @internal exported for its test
 */
export function didYouMean(field: string, known: readonly string[]): string {
  if (known.length === 0) return 'no fields are allowed here'
  const best = closest(field, known as string[])
  const near = best && distance(field.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(best.length / 3))
  return near ? `did you mean \`${best}\`?` : `known fields: ${known.join(', ')}`
}

/** Converts zod issues into (path, message, hint) triples relative to a base path. */
export function zodIssues(
  error: { readonly issues: readonly z.core.$ZodIssue[] },
  base: readonly (string | number)[] = [],
): { path: (string | number)[]; message: string; hint?: string }[] {
  return error.issues.flatMap((issue) => {
    const path = [...base, ...(issue.path as (string | number)[])]
    if (issue.code === 'custom' && issue.message === UNKNOWN_FIELD) {
      const known = ((issue as { params?: { known?: string[] } }).params?.known ?? []) as string[]
      const field = String(path[path.length - 1])
      return [{ path, message: `unknown field "${field}"`, hint: didYouMean(field, known) }]
    }
    if (issue.code === 'invalid_key') {
      const inner = (issue as { issues?: { message: string }[] }).issues ?? []
      return [
        {
          path,
          message: `invalid name "${String(path[path.length - 1])}": ${inner.map((x) => x.message).join('; ') || 'not allowed here'}`,
        },
      ]
    }
    if (issue.code === 'invalid_union' && 'errors' in issue) {
      return [{ path, message: issue.message === 'Invalid input' ? 'invalid value' : issue.message }]
    }
    return [{ path, message: cleanMessage(issue.message) }]
  })
}

function cleanMessage(m: string): string {
  return m.replace(/^Invalid input: expected (\w+), received undefined$/, 'is required ($1)').replace(/^Invalid input: /, '')
}

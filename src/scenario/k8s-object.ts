// Why: Kubernetes objects are decoded into Go structs, where an explicit `null` leaves a field unset; mirror that
// before the strict schema sees the value.
import { z } from 'zod'
import { strictObject } from './zod-issues.js'

/** `value` without the known keys whose value is null (unknown keys stay, so they are still reported); null itself is `{}`. */
function dropNulls(value: unknown, known: ReadonlySet<string>, nullIsEmpty: boolean): unknown {
  if (value === null) return nullIsEmpty ? {} : null
  if (typeof value !== 'object' || Array.isArray(value)) return value
  return Object.fromEntries(Object.entries(value).filter(([k, v]) => !(v === null && known.has(k))))
}

/**
 * A `strictObject` where `field: null` (or `field:` with no value) means the field is not set, and a null list item
 * is the zero object (`ingress: [null]` is `ingress: [{}]`), as the API server's JSON decoding (encoding/json into
 * pointer, slice and struct fields) reads them. A whole object (an `apply` entry) sets `nullIsEmpty: false`.
 */
export function k8sObject<S extends z.ZodRawShape>(shape: S, { nullIsEmpty = true } = {}) {
  const known = new Set(Object.keys(shape))
  return z.preprocess((v) => dropNulls(v, known, nullIsEmpty), strictObject(shape))
}

// Why: report.json of any size: the exact text of `JSON.stringify(value, null, indent)`, produced chunk by chunk so
// that a run with millions of cells never becomes one string (V8 caps a string at about 512 MiB).

/** True for an object with no object-valued property: small enough to stringify at once. */
function isFlat(o: object): boolean {
  for (const k in o) {
    const v = (o as Record<string, unknown>)[k]
    if (v !== null && typeof v === 'object') return false
  }
  return true
}

/** `value` as JSON.stringify would after `toJSON`; `undefined` where it would leave the value out. */
function prepare(value: unknown, key: string): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return (value as { toJSON: (k: string) => unknown }).toJSON(key)
  return value
}

function* walk(value: unknown, indent: string, gap: string): Generator<string> {
  // Leaves, boxed primitives and flat objects: JSON.stringify itself, re-indented to this depth (a JSON text only
  // has newlines between tokens, never inside a string).
  if (value === null || typeof value !== 'object' || value instanceof Number || value instanceof String || value instanceof Boolean) {
    yield JSON.stringify(value) ?? 'null'
    return
  }
  if (!Array.isArray(value) && isFlat(value)) {
    const text = JSON.stringify(value, null, gap)
    yield indent ? text.replaceAll('\n', '\n' + indent) : text
    return
  }
  const inner = indent + gap
  const nl = gap ? '\n' : ''
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]'
      return
    }
    yield '['
    for (let i = 0; i < value.length; i++) {
      const v = prepare(value[i], String(i))
      yield `${i ? ',' : ''}${nl}${inner}`
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') yield 'null'
      else yield* walk(v, inner, gap)
    }
    yield `${nl}${indent}]`
    return
  }
  let first = true
  for (const k of Object.keys(value)) {
    const v = prepare((value as Record<string, unknown>)[k], k)
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue
    yield `${first ? '{' : ','}${nl}${inner}${JSON.stringify(k)}:${gap ? ' ' : ''}`
    first = false
    yield* walk(v, inner, gap)
  }
  yield first ? '{}' : `${nl}${indent}}`
}

/** The text of `JSON.stringify(value, null, indent)` (an object or array; indent in spaces, 0 for none) in chunks. */
export function* jsonChunks(value: object, indent = 2): Generator<string> {
  yield* walk(prepare(value, ''), '', ' '.repeat(Math.min(10, indent)))
}

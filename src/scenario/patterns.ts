// Why: endpoint patterns of expect rules: `ns/pod` with `*` for either part, an external's name, or `*`.

/** True when `pattern` matches the endpoint `id` (`ns/pod` for pods, a bare name for externals). */
export function patternMatches(pattern: string, id: string): boolean {
  if (pattern === '*') return true
  const p = pattern.split('/')
  const e = id.split('/')
  if (p.length !== e.length) return false
  return p.every((part, i) => part === '*' || part === e[i])
}

/** True when `pattern` matches at least one of `ids` (a pattern must match something). */
export function patternMatchesAny(pattern: string, ids: readonly string[]): boolean {
  return ids.some((id) => patternMatches(pattern, id))
}

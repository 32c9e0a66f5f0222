// Why: `-o table` of every command prints like `kubectl get`: a header in capitals, then one row per item, each
// column padded to its widest value and separated by three spaces; plain text (no colours), one helper for all.

/**
 * Aligned columns: the header (upper-cased) and the rows, each line ending in a newline, trailing blanks trimmed.
 * An empty cell prints as `<none>`, as kubectl does. No rows: '' (the caller says so on stderr, like kubectl).
 */
export function columns(header: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return ''
  const lines = [header.map((h) => h.toUpperCase()), ...rows.map((r) => header.map((_, i) => (r[i] ?? '') || '<none>'))]
  const widths = header.map((_, i) => lines.reduce((m, l) => Math.max(m, l[i].length), 0))
  return lines
    .map(
      (l) =>
        l
          .map((c, i) => (i === l.length - 1 ? c : c.padEnd(widths[i])))
          .join('   ')
          .trimEnd() + '\n',
    )
    .join('')
}

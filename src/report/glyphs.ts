// Why: one closed set of glyphs, the same in every table (STYLE.md 6).
export const GLYPH = {
  allow: '.',
  deny: 'X',
  allowed: '.',
  blocked: 'X',
  refused: 'R',
  error: '!',
  skipped: '-',
  unsupported: '?',
} as const

/** Appended to a glyph whose cell disagrees with intent or prediction. */
export const MISMATCH_MARK = '*'

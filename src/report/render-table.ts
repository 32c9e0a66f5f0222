// Why: a truth table as text, in the style of the Kubernetes e2e netpol output (rows: sources; columns: destinations).
import type { Target } from '../model/cluster.js'
import { targetId } from '../model/cluster.js'
import type { TruthTable } from '../model/truth-table.js'
import { MISMATCH_MARK } from './glyphs.js'

/** How cells print: their glyph, and which carry the mismatch mark. */
export interface TableOptions<T> {
  /** Glyph of a cell. */
  readonly glyph: (value: T) => string
  /** True marks the cell as a mismatch. */
  readonly mismatch?: (from: string, to: string, target: Target, value: T) => boolean
}

/** Renders one target of a table, one chunk per row (`targetId`, the header, then a row per source, each ending in
 * a newline); cells that do not exist print blank. */
export function* targetChunks<T>(table: TruthTable<T>, ti: number, opts: TableOptions<T>): Generator<string> {
  const target = table.targets[ti]
  const rowHead = table.sources.reduce((m, s) => Math.max(m, s.length), 1)
  const widths = table.destinations.map((d) => Math.max(d.length, 2))
  yield `${targetId(target)}\n`
  yield ['-'.padEnd(rowHead), ...table.destinations.map((d, i) => d.padEnd(widths[i]))].join('  ').trimEnd() + '\n'
  for (let si = 0; si < table.sources.length; si++) {
    const src = table.sources[si]
    const cells = table.destinations.map((dst, di) => {
      const v = table.getAt(si, di, ti)
      if (v === undefined) return ''.padEnd(widths[di])
      const mark = opts.mismatch?.(src, dst, target, v) ? MISMATCH_MARK : ''
      return (opts.glyph(v) + mark).padEnd(widths[di])
    })
    yield [src.padEnd(rowHead), ...cells].join('  ').trimEnd() + '\n'
  }
}

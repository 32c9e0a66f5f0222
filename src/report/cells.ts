// Why: a step's cells as the one table every renderer and the run comparison read (pure), and a cell's name.
import { targetId } from '../model/cluster.js'
import { TruthTable } from '../model/truth-table.js'
import type { CellReport, StagedCellReport, StepReport } from './model.js'

/** The step's cells in a truth table over its targets; rows and columns are every endpoint, in report order. */
export function stepTable(st: StepReport): TruthTable<CellReport> {
  const ids = [...new Set(st.cells.flatMap((c) => [c.from, c.to]))]
  const table = new TruthTable<CellReport>(ids, ids, st.targets)
  for (const c of st.cells) table.set(c.from, c.to, c, c)
  return table
}

/** `x/b -> x/a 80/TCP`: how a cell is named in lists, failures and comparisons. */
export function cellLabel(c: CellReport): string {
  return `${c.from} -> ${c.to} ${targetId(c)}`
}

/** `x/b -> x/a 80/TCP: allow, would be deny (staged-gnp/g)`: a cell staged policies would change, in every output. */
export function stagedLine(c: StagedCellReport): string {
  return `${c.from} -> ${c.to} ${targetId(c)}: ${c.now}, would be ${c.wouldBe} (${c.policies.length ? c.policies.join(', ') : 'only the staged policies together'})`
}

/** How many staged-cell lines a text output lists (report.json has them all). */
const STAGED_SHOWN = 50

/** The lines of a step's staged preview for text outputs: a heading, at most `STAGED_SHOWN` cells, how many more. */
export function stagedLines(staged: readonly StagedCellReport[], probed: boolean): string[] {
  const n = staged.length
  return [
    `staged policies (not enforced) would change ${n} cell${n === 1 ? '' : 's'}${probed ? '; probed against the prediction without them' : ''}`,
    ...staged.slice(0, STAGED_SHOWN).map(stagedLine),
    ...(n > STAGED_SHOWN ? [`... and ${n - STAGED_SHOWN} more`] : []),
  ]
}

/** A shell word: as is when it is plain, else single-quoted. */
const shellWord = (s: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

/** The `explain` command that reproduces the evaluator's reasoning for a cell of a scenario file's step (1-based). */
export function explainCommand(file: string, step: number, c: CellReport): string {
  return [
    'netpol-harness',
    'explain',
    file,
    '--step',
    String(step),
    '--from',
    c.from,
    '--to',
    c.to,
    ...(c.protocol === 'ICMP' ? [] : ['--port', String(c.port)]),
    '--protocol',
    c.protocol,
    ...(c.family ? ['--family', c.family] : []),
    ...(c.via ? ['--via', c.via] : []),
  ]
    .map(shellWord)
    .join(' ')
}

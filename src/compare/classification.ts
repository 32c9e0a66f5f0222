// Why: one vocabulary for judged cells: the closed set of classifications, what each one says is wrong, and
// their counts. Every "is this cell a problem?" in the harness asks here.
import { assertNever } from '../util/assert-never.js'

/**
 * The judgement of one cell (ARCHITECTURE.md 3.4; `probe-error` and `skipped` added; `slow`: the cell agreed in the
 * end, but its change took longer than the step's time-to-enforce limit to be enforced).
 */
export type Classification =
  'match' | 'fail-open' | 'fail-closed' | 'intent-violation' | 'flaky' | 'unsupported' | 'skipped' | 'probe-error' | 'slow'

/** Every classification, in the order summaries print them. */
export const CLASSIFICATIONS: readonly Classification[] = [
  'match',
  'fail-open',
  'fail-closed',
  'intent-violation',
  'flaky',
  'slow',
  'probe-error',
  'unsupported',
  'skipped',
]

/**
 * What a classification says is wrong: nothing (`none`, which includes cells not probed), the dataplane (the CNI
 * did not do what the evaluator predicts), the policies (they do not do what the scenario's author meant), or the
 * probe (it could not tell).
 */
type Fault = 'none' | 'dataplane' | 'intent' | 'probe'

/** The fault a classification reports. */
export function faultOf(c: Classification): Fault {
  switch (c) {
    case 'match':
    case 'skipped':
    case 'unsupported':
      return 'none'
    case 'fail-open':
    case 'fail-closed':
    case 'flaky':
    case 'slow':
      return 'dataplane'
    case 'intent-violation':
      return 'intent'
    case 'probe-error':
      return 'probe'
    default:
      return assertNever(c, 'classification')
  }
}

/** Needs a look: something is wrong (the evaluator's explanation is recorded, the cell is marked in tables). */
export function isProblem(c: Classification): boolean {
  return faultOf(c) !== 'none'
}

/** The CNI or the policy is wrong: these fail a run (exit 1); a probe error alone is infrastructure (exit 3). */
export function isDisagreement(c: Classification): boolean {
  const f = faultOf(c)
  return f === 'dataplane' || f === 'intent'
}

/**
 * The dataplane disagrees with the prediction (flaky included): a dataplane problem in a report.
 * @internal exported for its test
 */
export function isDataplaneFault(c: Classification): boolean {
  return faultOf(c) === 'dataplane'
}

/**
 * A stable dataplane disagreement: what a known CNI bug must produce for `selftest` to count it caught. `flaky`
 * is not (lost packets make it too); `slow` is (a change enforced late every time it is measured).
 */
export function isStableDataplaneFault(c: Classification): boolean {
  return isDataplaneFault(c) && c !== 'flaky'
}

/** A judged cell as the cell predicates read it; `intentViolation` stays set when a dataplane fault outranks it. */
interface Judged {
  readonly classification: Classification
  readonly intentViolation: boolean
}

/** A cell to list and highlight (pages, JUnit failures): a problem, or policies that contradict intent. */
export function isProblemCell(c: Judged): boolean {
  return isProblem(c.classification) || c.intentViolation
}

/** A cell that fails its scenario in the history: a disagreement, or policies that contradict intent. */
export function isDisagreeingCell(c: Judged): boolean {
  return isDisagreement(c.classification) || c.intentViolation
}

/** How many cells got each classification. */
export type Counts = Readonly<Record<Classification, number>>

/** Every classification at zero, in the order report.json has always written them (`slow` added last). */
function emptyCounts(): Record<Classification, number> {
  return {
    match: 0,
    'fail-open': 0,
    'fail-closed': 0,
    'intent-violation': 0,
    flaky: 0,
    unsupported: 0,
    skipped: 0,
    'probe-error': 0,
    slow: 0,
  }
}

/** The counts of some judged cells. */
export function countCells(cells: Iterable<{ readonly classification: Classification }>): Counts {
  const out = emptyCounts()
  for (const c of cells) out[c.classification]++
  return out
}

/** Counts added up (steps into a run); a count a report written before it existed lacks (`slow`) is 0. */
export function sumCounts(all: Iterable<Counts>): Counts {
  const out = emptyCounts()
  for (const counts of all) for (const c of CLASSIFICATIONS) out[c] += counts[c] ?? 0
  return out
}

/** How many cells have a classification `which` picks (`countWhere(counts, isDisagreement)`). */
export function countWhere(counts: Counts, which: (c: Classification) => boolean): number {
  return CLASSIFICATIONS.filter(which).reduce((n, c) => n + (counts[c] ?? 0), 0)
}

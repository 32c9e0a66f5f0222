// The one vocabulary of classifications: what each says is wrong, the predicates every caller uses, counts.
import t from 'tap'
import {
  type Classification,
  CLASSIFICATIONS,
  countCells,
  countWhere,
  faultOf,
  isDataplaneFault,
  isDisagreeingCell,
  isDisagreement,
  isProblem,
  isStableDataplaneFault,
  isProblemCell,
  sumCounts,
} from '../../src/compare/classification.js'

t.test('each classification: its fault and every predicate', async (t) => {
  // classification, fault, isProblem, isDisagreement (exit 1), isDataplaneFault, isStableDataplaneFault (selftest caught)
  const table: [Classification, string, boolean, boolean, boolean, boolean][] = [
    ['match', 'none', false, false, false, false],
    ['skipped', 'none', false, false, false, false],
    ['unsupported', 'none', false, false, false, false],
    ['fail-open', 'dataplane', true, true, true, true],
    ['fail-closed', 'dataplane', true, true, true, true],
    ['flaky', 'dataplane', true, true, true, false],
    ['slow', 'dataplane', true, true, true, true],
    ['intent-violation', 'intent', true, true, false, false],
    ['probe-error', 'probe', true, false, false, false],
  ]
  t.same(table.map((r) => r[0]).sort(), [...CLASSIFICATIONS].sort(), 'the table covers every classification')
  for (const [c, fault, problem, disagreement, dataplane, stable] of table) {
    t.equal(faultOf(c), fault, `${c}: fault`)
    t.equal(isProblem(c), problem, `${c}: problem`)
    t.equal(isDisagreement(c), disagreement, `${c}: disagreement`)
    t.equal(isDataplaneFault(c), dataplane, `${c}: dataplane fault`)
    t.equal(isStableDataplaneFault(c), stable, `${c}: stable dataplane fault (selftest caught)`)
  }
})

t.test('cells: the intent-violation flag counts even where the classification does not say so', async (t) => {
  // classification, intentViolation, isProblemCell (pages, JUnit), isDisagreeingCell (history)
  const table: [Classification, boolean, boolean, boolean][] = [
    ['match', false, false, false],
    ['skipped', true, true, true],
    ['fail-open', true, true, true],
    ['probe-error', false, true, false],
    ['probe-error', true, true, true],
    ['unsupported', false, false, false],
  ]
  for (const [classification, intentViolation, problem, disagreeing] of table) {
    t.equal(
      isProblemCell({ classification, intentViolation }),
      problem,
      `${classification}${intentViolation ? ' + intent' : ''}: problem cell`,
    )
    t.equal(
      isDisagreeingCell({ classification, intentViolation }),
      disagreeing,
      `${classification}${intentViolation ? ' + intent' : ''}: disagreeing cell`,
    )
  }
})

t.test('counts, sums and sums over a predicate', async (t) => {
  const a = countCells([
    { classification: 'match' },
    { classification: 'match' },
    { classification: 'fail-open' },
    { classification: 'probe-error' },
  ])
  t.same(a, {
    match: 2,
    'fail-open': 1,
    'fail-closed': 0,
    'intent-violation': 0,
    flaky: 0,
    unsupported: 0,
    skipped: 0,
    'probe-error': 1,
    slow: 0,
  })
  t.same(
    Object.keys(a),
    ['match', 'fail-open', 'fail-closed', 'intent-violation', 'flaky', 'unsupported', 'skipped', 'probe-error', 'slow'],
    'the key order report.json has always had, slow added last',
  )
  const { slow: _, ...old } = a
  t.equal(sumCounts([old as typeof a]).slow, 0, 'a report written before slow existed sums as 0')
  const b = countCells([{ classification: 'intent-violation' }, { classification: 'match' }])
  const sum = sumCounts([a, b])
  t.equal(sum.match, 3)
  t.equal(sum['intent-violation'], 1)
  t.equal(countWhere(sum, isDisagreement), 2, 'fail-open and intent-violation')
  t.equal(countWhere(sum, isProblem), 3, 'and the probe error')
  t.equal(countWhere(sumCounts([]), isProblem), 0)
})

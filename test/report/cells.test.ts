// A step's cells as one table (renderers and run comparison read it) and a cell's name.
import t from 'tap'
import { cellLabel, stepTable } from '../../src/report/cells.js'
import { sampleReport } from '../helpers/report.js'

const step = sampleReport().scenarios[0].steps[0]

t.test('the step table holds every cell where its ids and target say', async (t) => {
  const table = stepTable(step)
  t.same(table.sources, ['x/a', 'x/b', 'ext'], 'endpoints in report order')
  t.same(table.destinations, table.sources)
  t.same(table.targets, step.targets)
  t.equal([...table.entries()].length, step.cells.length, 'every cell, once')
  for (const c of step.cells) t.equal(table.get(c.from, c.to, c), c, `${cellLabel(c)} in place`)
  t.equal(table.get('ext', 'ext', step.targets[0]), undefined, 'a cell the report does not have stays empty')
  t.equal(table.getAt(1, 0, 0)?.classification, 'fail-open', 'x/b -> x/a 80/TCP by indices')
})

t.test('cell labels', async (t) => {
  const c = step.cells.find((x) => x.from === 'x/b' && x.to === 'x/a' && x.port === 80)!
  t.equal(cellLabel(c), 'x/b -> x/a 80/TCP')
})

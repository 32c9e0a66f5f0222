// The table prediction, observation and reports share: cells by ids, and a cell's string identity.
import t from 'tap'
import { TruthTable, cellKey } from '../../src/model/truth-table.js'

const tcp80 = { port: 80, protocol: 'TCP' as const }
const udp53 = { port: 53, protocol: 'UDP' as const }

t.test('cells by ids and by indices are the same cells', async (t) => {
  const table = new TruthTable<string>(['a', 'b'], ['a', 'b', 'ext'], [tcp80, udp53])
  t.equal(table.set('b', 'ext', udp53, 'x'), true)
  t.equal(table.getAt(1, 2, 1), 'x')
  t.equal(table.get('b', 'ext', { port: 53, protocol: 'UDP' }), 'x', 'targets match by value')
  t.equal(table.get('b', 'ext', tcp80), undefined, 'another target is another cell')
  t.equal(table.set('nope', 'a', tcp80, 'y'), false, 'an unknown id sets nothing')
  t.equal(table.set('a', 'a', { port: 81, protocol: 'TCP' }, 'y'), false, 'an unknown target sets nothing')
  t.same(
    [...table.entries()].map((e) => [e.from, e.to, e.target.port, e.value]),
    [['b', 'ext', 53, 'x']],
    'only existing cells',
  )
})

t.test('cell keys', async (t) => {
  t.equal(cellKey('x/a', 'ext', udp53), 'x/a|ext|53/UDP')
  t.not(cellKey('x/a', 'x/b', tcp80), cellKey('x/b', 'x/a', tcp80), 'direction matters')
})

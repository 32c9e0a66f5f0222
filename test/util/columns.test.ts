// Aligned columns for every -o table: header in capitals, padded columns, <none> for empty cells, nothing for no rows.
import t from 'tap'
import { columns } from '../../src/util/columns.js'

t.test('pads every column to its widest value, header in capitals, no trailing blanks', async (t) => {
  const out = columns(
    ['name', 'count', 'note'],
    [
      ['a', '1', 'first'],
      ['longer-name', '22', ''],
    ],
  )
  t.equal(out, 'NAME          COUNT   NOTE\n' + 'a             1       first\n' + 'longer-name   22      <none>\n')
})

t.test('no rows print nothing', async (t) => {
  t.equal(columns(['a', 'b'], []), '')
})

t.test('a short last column leaves no trailing blanks; a missing cell is <none>', async (t) => {
  t.equal(columns(['x', 'y'], [['long value'], ['v', 'w']]), 'X            Y\nlong value   <none>\nv            w\n')
})

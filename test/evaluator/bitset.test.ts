// Endpoint sets as bit vectors, across word boundaries (32 bits a word).
import t from 'tap'
import { Bitset } from '../../src/evaluator/bitset.js'

t.test('add, has, and, or, empty across words', async (t) => {
  const a = new Bitset(70)
  for (const i of [0, 31, 32, 69]) a.add(i)
  t.same(
    [...Array(70).keys()].filter((i) => a.has(i)),
    [0, 31, 32, 69],
  )
  const b = new Bitset(70)
  b.add(32)
  b.add(33)
  t.same(
    [...Array(70).keys()].filter((i) => a.and(b).has(i)),
    [32],
    'and',
  )
  b.orWith(a)
  t.same(
    [...Array(70).keys()].filter((i) => b.has(i)),
    [0, 31, 32, 33, 69],
    'or',
  )
  t.ok(new Bitset(70).isEmpty())
  t.notOk(a.isEmpty())
  t.equal([...Array(70).keys()].filter((i) => Bitset.full(70).has(i)).length, 70, 'full has every bit and no more words than needed')
  t.equal(Bitset.full(70).words.length, 3)
})

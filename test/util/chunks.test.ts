// Chunks are grouped into writes of at least the batch size, in order, with nothing lost and nothing empty.
import t from 'tap'
import { batched } from '../../src/util/chunks.js'

t.test('batches keep the text and respect the size', async (t) => {
  const chunks = Array.from({ length: 1000 }, (_, i) => `chunk ${i};`)
  const out = [...batched(chunks, 100)]
  t.equal(out.join(''), chunks.join(''))
  t.ok(
    out.slice(0, -1).every((b) => b.length >= 100 && b.length < 100 + 'chunk 999;'.length),
    'every batch but the last reaches the size',
  )
  t.ok(out.at(-1)!.length > 0)
})

t.test('empty input and empty chunks yield nothing empty', async (t) => {
  t.same([...batched([])], [])
  t.same([...batched(['', '', ''])], [])
  t.same([...batched(['a', '', 'b'], 1)], ['a', 'b'])
})

t.test('a chunk larger than the size is passed on whole', async (t) => {
  const big = 'x'.repeat(300)
  t.same([...batched(['a', big, 'b'], 100)], ['a' + big, 'b'])
})

// oncePerKey: one lookup per key while its answer stands; failures and refused answers are looked up again.
import t from 'tap'
import { oncePerKey } from '../../src/util/memo.js'

t.test('one lookup per key, shared by concurrent callers', async (t) => {
  let calls = 0
  const look = oncePerKey(async (k: { n: number }) => (calls++, k.n * 2))
  const a = { n: 1 }
  t.same(await Promise.all([look(a), look(a)]), [2, 2])
  t.equal(await look(a), 2)
  t.equal(calls, 1)
  t.equal(await look({ n: 2 }), 4, 'another key looks itself')
  t.equal(calls, 2)
})

t.test('a failure or a refused answer is not kept', async (t) => {
  let calls = 0
  const key = {}
  const failing = oncePerKey(async () => {
    calls++
    if (calls === 1) throw new Error('busy')
    return 'ok'
  })
  await t.rejects(failing(key), /busy/)
  t.equal(await failing(key), 'ok', 'asked again after the failure')
  t.equal(await failing(key), 'ok')
  t.equal(calls, 2)

  let asked = 0
  const refusing = oncePerKey(
    async () => (asked++, undefined),
    (v) => v !== undefined,
  )
  await refusing(key)
  await refusing(key)
  t.equal(asked, 2, 'an answer keep refuses is looked up again')
})

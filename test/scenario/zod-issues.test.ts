// Zod issues as reported: unknown fields with a hint, invalid keys named, zod's jargon removed, paths kept.
import t from 'tap'
import { z } from 'zod'
import { didYouMean, strictObject, zodIssues } from '../../src/scenario/zod-issues.js'

t.test('didYouMean', async (t) => {
  t.equal(didYouMean('stpes', ['name', 'steps']), 'did you mean `steps`?')
  t.equal(didYouMean('zzz', ['name', 'steps']), 'known fields: name, steps')
  t.equal(didYouMean('x', []), 'no fields are allowed here')
})

t.test('zodIssues: every issue with its path under a base path', async (t) => {
  const schema = strictObject({ name: z.string(), tags: z.record(z.string().regex(/^[a-z]+$/), z.number()) })
  const r = schema.safeParse({ nmae: 'a', tags: { OK: 1, b: 'x' } })
  t.notOk(r.success)
  if (r.success) return
  t.same(zodIssues(r.error, ['steps', 0]), [
    { path: ['steps', 0, 'name'], message: 'is required (string)' },
    { path: ['steps', 0, 'tags', 'OK'], message: 'invalid name "OK": Invalid string: must match pattern /^[a-z]+$/' },
    { path: ['steps', 0, 'tags', 'b'], message: 'expected number, received string' },
    { path: ['steps', 0, 'nmae'], message: 'unknown field "nmae"', hint: 'did you mean `name`?' },
  ])
})

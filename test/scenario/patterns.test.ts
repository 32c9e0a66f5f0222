// Endpoint patterns of expect rules: `ns/pod` with `*` for either part, an external's bare name, or `*`.
import t from 'tap'
import { patternMatches, patternMatchesAny } from '../../src/scenario/patterns.js'

const rows: [string, string, boolean][] = [
  ['*', 'prod/web', true],
  ['*', 'orders-db', true],
  ['prod/*', 'prod/web', true],
  ['*/web', 'qa/web', true],
  ['*/*', 'orders-db', false],
  ['prod/web', 'prod/web', true],
  ['prod/web', 'prod/webx', false],
  ['orders-db', 'orders-db', true],
  ['orders-db', 'prod/orders-db', false],
]
for (const [pattern, id, want] of rows) t.equal(patternMatches(pattern, id), want, `${pattern} vs ${id}`)
t.ok(patternMatchesAny('qa/*', ['prod/a', 'qa/b']))
t.notOk(patternMatchesAny('dev/*', ['prod/a', 'qa/b']), 'a pattern that matches nothing')

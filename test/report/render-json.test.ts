// report.json is written chunk by chunk; the chunks must make exactly the text JSON.stringify gives.
import t from 'tap'
import { jsonChunks } from '../../src/report/render-json.js'
import { sampleReport } from '../helpers/report.js'

const text = (v: object, indent?: number) => [...jsonChunks(v, indent)].join('')

t.test('the sample report, indented and compact', async (t) => {
  for (const r of [sampleReport(), sampleReport('20261124-010203-abcd', { failOpen: false })]) {
    t.equal(text(r), JSON.stringify(r, null, 2))
    t.equal(text(r, 0), JSON.stringify(r))
    t.equal(text(r, 1), JSON.stringify(r, null, 1))
  }
})

t.test('what JSON.stringify drops, converts or escapes', async (t) => {
  const odd = {
    a: undefined,
    f: () => 1,
    s: Symbol('x'),
    list: [undefined, () => 1, Symbol('y'), null, NaN, Infinity, -0, 'x'],
    when: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    custom: { toJSON: (key: string) => ({ key, nested: [1, { deep: [] }] }) },
    boxed: [new Number(3), new String('s'), new Boolean(false)],
    text: 'line\nbreak "quoted" \\ \u2028 \u0001 é 😀',
    'key "q"\n': { '': [], empty: {} },
    emptyList: [],
    emptyObject: {},
    nested: [[[]], [{}], [[1, [2, [3]]]]],
    onlyDropped: { a: undefined, f: () => 1 },
  }
  for (const indent of [0, 2, 4]) t.equal(text(odd, indent), JSON.stringify(odd, null, indent), `indent ${indent}`)
  t.equal(text([1, [2, { a: [3] }]], 2), JSON.stringify([1, [2, { a: [3] }]], null, 2), 'an array at the top')
})

t.test('a large document is many chunks, none of them large', async (t) => {
  const r = sampleReport()
  const big = { ...r, scenarios: Array.from({ length: 200 }, () => r.scenarios).flat() }
  const chunks = [...jsonChunks(big)]
  t.equal(chunks.join(''), JSON.stringify(big, null, 2))
  const longest = chunks.reduce((m, c) => Math.max(m, c.length), 0)
  t.ok(chunks.length > 1000, `${chunks.length} chunks`)
  t.ok(longest < 2000, `the longest chunk has ${longest} characters`)
})

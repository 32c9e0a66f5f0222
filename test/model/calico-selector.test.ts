// Calico's selector grammar (libcalico-go/lib/selector/parser/parser_test.go cases): every operator parses and
// evaluates as upstream, and a bad selector names the column of the first bad token.
import t from 'tap'
import { SelectorError, calicoSelects, parseCalicoSelector, selectorText } from '../../src/model/calico-selector.js'

const labels = { a: 'b', c: 'd', app: 'frontend-v1', 'k8s.io/x': 'y' }
const cases: [string, boolean][] = [
  ['', true],
  ['all()', true],
  ["a == 'b'", true],
  ['a == "b"', true],
  ["a == 'c'", false],
  ["missing == 'b'", false],
  ["a != 'c'", true],
  ["missing != 'b'", true],
  ['has(a)', true],
  ['!has(a)', false],
  ['has(missing)', false],
  ["a in {'x', 'b'}", true],
  ['a in {}', false],
  ["missing in {'b'}", false],
  ["a not in {'x'}", true],
  ["missing not in {'b'}", true],
  ["app contains 'end-'", true],
  ["app starts with 'front'", true],
  ["app ends with 'v1'", true],
  ["app ends with 'v2'", false],
  ["k8s.io/x == 'y'", true],
  ["a == 'b' && c == 'd'", true],
  ["a == 'x' || c == 'd'", true],
  ["a == 'x' || c == 'x' && a == 'b'", false],
  ["(a == 'x' || c == 'd') && a == 'b'", true],
  ["!(a == 'b')", false],
  ['global()', true],
]
for (const [sel, want] of cases) {
  t.equal(calicoSelects(parseCalicoSelector(sel), { labels }), want, `${JSON.stringify(sel)} -> ${want}`)
  // The canonical text parses back to the same meaning.
  const again = parseCalicoSelector(selectorText(parseCalicoSelector(sel)))
  t.equal(calicoSelects(again, { labels }), want, `canonical form of ${JSON.stringify(sel)}`)
}

t.test('global() matches only non-namespaced objects; all() every one', async (t) => {
  t.equal(calicoSelects(parseCalicoSelector('global()'), { labels: {}, namespaced: true }), false)
  t.equal(calicoSelects(parseCalicoSelector('all()'), { labels: {}, namespaced: true }), true)
})

t.test('a bad selector names its column', async (t) => {
  const bad: [string, number, RegExp][] = [
    ['a == b', 6, /quoted string/],
    ["a = 'b'", 3, /unexpected character/],
    ["a == 'b' &&", 12, /label key/],
    ["(a == 'b'", 10, /expected "\)"/],
    ["a in {'b'", 10, /expected "\}"/],
    ["a == 'b", 6, /unterminated/],
    ["a == 'b' c == 'd'", 10, /&& or \|\|/],
    ['has(', 5, /label key inside has/],
  ]
  for (const [sel, column, message] of bad) {
    try {
      parseCalicoSelector(sel)
      t.fail(`${sel} should not parse`)
    } catch (e) {
      t.ok(e instanceof SelectorError, sel)
      t.equal((e as SelectorError).column, column, `${sel}: column`)
      t.match((e as SelectorError).message, message, `${sel}: message`)
    }
  }
})

// --tags / --skip selection; --step by name or number.
import t from 'tap'
import type { Scenario } from '../../src/model/scenario.js'
import { selectByTags, stepIndex, tagSet } from '../../src/scenario/select.js'

const s = (name: string, tags: string[]) => ({ name, tags }) as unknown as Scenario
const all = [s('a', ['egress', 'dns']), s('b', ['ingress']), s('c', ['ingress', 'slow']), s('d', [])]
const names = (xs: Scenario[]) => xs.map((x) => x.name)

t.same(names(selectByTags(all, tagSet([]), tagSet([]))), ['a', 'b', 'c', 'd'], 'no option: everything')
t.same(names(selectByTags(all, tagSet(['ingress']), tagSet([]))), ['b', 'c'], 'any of the tags')
t.same(names(selectByTags(all, tagSet(['dns,ingress']), tagSet(['slow']))), ['a', 'b'], 'comma lists, and skip wins')
t.same(names(selectByTags(all, tagSet([]), tagSet(['ingress', 'egress']))), ['d'], 'skip alone')

t.test('--step: a name first, else a 1-based number in range; anything else is a usage error listing the steps', async (t) => {
  const sc = { name: 'sc', steps: [{ name: 'open' }, { name: '1' }, { name: 'closed' }] } as unknown as Scenario
  t.equal(stepIndex(sc, 'closed'), 2)
  t.equal(stepIndex(sc, '1'), 1, 'a step named like a number is found by its name')
  t.equal(stepIndex(sc, '3'), 2)
  t.throws(() => stepIndex(sc, '4'), { name: 'UsageError', message: 'no step "4" in scenario sc; steps: 1:open, 2:1, 3:closed' })
  t.throws(() => stepIndex(sc, '0'), { name: 'UsageError' })
  t.throws(() => stepIndex(sc, '1.5'), { name: 'UsageError' })
})

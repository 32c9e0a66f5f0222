// --tags / --skip selection.
import t from 'tap'
import type { Scenario } from '../../src/model/scenario.js'
import { selectByTags, tagSet } from '../../src/scenario/select.js'

const s = (name: string, tags: string[]) => ({ name, tags }) as unknown as Scenario
const all = [s('a', ['egress', 'dns']), s('b', ['ingress']), s('c', ['ingress', 'slow']), s('d', [])]
const names = (xs: Scenario[]) => xs.map((x) => x.name)

t.same(names(selectByTags(all, tagSet([]), tagSet([]))), ['a', 'b', 'c', 'd'], 'no option: everything')
t.same(names(selectByTags(all, tagSet(['ingress']), tagSet([]))), ['b', 'c'], 'any of the tags')
t.same(names(selectByTags(all, tagSet(['dns,ingress']), tagSet(['slow']))), ['a', 'b'], 'comma lists, and skip wins')
t.same(names(selectByTags(all, tagSet([]), tagSet(['ingress', 'egress']))), ['d'], 'skip alone')

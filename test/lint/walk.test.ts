// The pairs the tie rules (cluster-policy-same-priority, calico-order-tie) report: tied, with rules in a common
// direction, over pods both select or pods unknown.
import t from 'tap'
import type { LintWorkload } from '../../src/lint/model.js'
import { ties } from '../../src/lint/rules/walk.js'

const w = (name: string): LintWorkload => ({ namespace: 'ns', name, labels: {}, ports: [] })
const [x, y, z] = [w('x'), w('y'), w('z')]
interface P {
  readonly name: string
  readonly place: number
  readonly ingress: readonly unknown[]
  readonly egress: readonly unknown[]
  readonly pods?: LintWorkload[]
}
const p = (name: string, place: number, dirs: string, pods?: LintWorkload[]): P => ({
  name,
  place,
  ingress: dirs.includes('i') ? [{}] : [],
  egress: dirs.includes('e') ? [{}] : [],
  ...(pods ? { pods } : {}),
})
const pairs = (all: P[]) =>
  ties(
    all,
    (a, b) => a.place === b.place,
    (q) => q,
    (q) => q.pods,
  ).map(({ a, b, dirs, both }) => `${a.name}+${b.name} ${dirs.join(',')} ${both ? both.map((v) => v.name).join(',') : '?'}`)

t.same(
  pairs([p('a', 1, 'ie', [x, y]), p('b', 1, 'i', [y, z]), p('c', 2, 'ie', [x])]),
  ['a+b ingress y'],
  'tied, common direction, common pods',
)
t.same(pairs([p('a', 1, 'i', [x]), p('b', 1, 'e', [x])]), [], 'no common direction')
t.same(pairs([p('a', 1, 'ie', [x]), p('b', 1, 'ie', [y])]), [], 'no pod both select')
t.same(
  pairs([p('a', 1, 'ie'), p('b', 1, 'e', [y]), p('c', 1, 'ie', [])]),
  ['a+b egress ?', 'a+c ingress,egress ?'],
  'pods unknown on one side: reported',
)

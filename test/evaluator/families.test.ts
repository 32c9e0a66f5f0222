// The evaluator per address family: an ipBlock matches each endpoint's address of its own family only, `except`
// carves within its family, selectors and named ports do not depend on the family, and a cell of a family one end
// has no address of does not exist. explain agrees with predict on every cell.
import t from 'tap'
import { compile, explainCell, predict } from '../../src/evaluator/index.js'
import type { IPFamily, Pod, Target } from '../../src/model/cluster.js'
import type { ClusterState } from '../../src/model/state.js'
import { baseState, np } from '../helpers/state.js'

const ports = [{ name: 'http', port: 80, protocol: 'TCP' as const }]
const dual = (namespace: string, name: string, v4: string, v6: string, labels: Record<string, string> = {}): Pod => ({
  namespace,
  name,
  labels: { pod: name, ...labels },
  ip: v4,
  ips: [v4, v6],
  ports,
})

/** x/a, x/b, y/a dual-stack; externals: both families, IPv4 only, IPv6 only. */
function state(...policies: ReturnType<typeof np>[]): ClusterState {
  return {
    ...baseState(policies),
    pods: [dual('x', 'a', '10.0.1.1', 'fd00::1:1'), dual('x', 'b', '10.0.1.2', 'fd00::1:2'), dual('y', 'a', '10.0.2.1', 'fd00::2:1')],
    externals: [
      { name: 'both', ip: '192.0.2.10', ips: ['192.0.2.10', '2001:db8::10'], ports: [] },
      { name: 'v4', ip: '192.0.2.20', ports: [] },
      { name: 'v6', ip: '2001:db8:1::20', ports: [] },
    ],
  }
}
const T = (family: IPFamily, port = 80): Target => ({ port, protocol: 'TCP', family })
const TARGETS = [T('IPv4'), T('IPv6')]

function verdicts(s: ClusterState, cells: [string, string][], family: IPFamily) {
  const table = predict(s, TARGETS)
  return cells.map(([from, to]) => table.get(from, to, T(family)))
}

t.test('an ipBlock of one family never matches the other family of the same pods', async (t) => {
  const s = state(np('{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{ipBlock: {cidr: 10.0.1.1/32}}]}]}'))
  t.same(verdicts(s, [['x/a', 'x/b']], 'IPv4'), ['allow'], 'IPv4 cell: the /32 matches x/a')
  t.same(verdicts(s, [['x/a', 'x/b']], 'IPv6'), ['deny'], 'IPv6 cell of the same pair: denied')
  const s6 = state(np('{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{ipBlock: {cidr: "fd00::/64"}}]}]}'))
  t.same(
    verdicts(
      s6,
      [
        ['x/a', 'x/b'],
        ['y/a', 'x/b'],
      ],
      'IPv6',
    ),
    ['allow', 'allow'],
  )
  t.same(
    verdicts(
      s6,
      [
        ['x/a', 'x/b'],
        ['y/a', 'x/b'],
      ],
      'IPv4',
    ),
    ['deny', 'deny'],
  )
})

t.test('except applies within its family; both families in one rule', async (t) => {
  const s = state(
    np(
      '{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.2.0/24]}}, {ipBlock: {cidr: "fd00::/16", except: ["fd00::1:0/112"]}}]}]}',
    ),
  )
  t.same(
    verdicts(
      s,
      [
        ['x/a', 'x/b'],
        ['y/a', 'x/b'],
      ],
      'IPv4',
    ),
    ['allow', 'deny'],
    'IPv4: y/a excepted',
  )
  t.same(
    verdicts(
      s,
      [
        ['x/a', 'x/b'],
        ['y/a', 'x/b'],
      ],
      'IPv6',
    ),
    ['deny', 'allow'],
    'IPv6: x/a excepted, y/a not',
  )
})

t.test('selectors and named ports are family-independent', async (t) => {
  const s = state(
    np('{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{podSelector: {matchLabels: {pod: a}}}], ports: [{port: http}]}]}'),
  )
  for (const f of ['IPv4', 'IPv6'] as const)
    t.same(
      verdicts(
        s,
        [
          ['x/a', 'x/b'],
          ['y/a', 'x/b'],
        ],
        f,
      ),
      ['allow', 'deny'],
      f,
    )
})

t.test('cells of a family one end has no address of do not exist', async (t) => {
  const table = predict(state(), TARGETS)
  t.equal(table.get('x/a', 'v4', T('IPv6')), undefined)
  t.equal(table.get('v6', 'x/a', T('IPv4')), undefined)
  t.equal(table.get('x/a', 'v4', T('IPv4')), 'allow')
  t.equal(table.get('v6', 'x/a', T('IPv6')), 'allow')
  t.equal(table.get('both', 'x/a', T('IPv6')), 'allow')
})

t.test('external ranges per family: ingress from an IPv6 range admits only IPv6 hosts in it', async (t) => {
  const s = state(np('{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: "2001:db8::/32", except: ["2001:db8:1::/48"]}}]}]}'))
  const table = predict(s, TARGETS)
  t.equal(table.get('both', 'x/a', T('IPv6')), 'allow')
  t.equal(table.get('both', 'x/a', T('IPv4')), 'deny', 'its IPv4 address is in no block')
  t.equal(table.get('v6', 'x/a', T('IPv6')), 'deny', 'excepted')
  t.equal(table.get('v4', 'x/a', T('IPv4')), 'deny')
})

t.test('explain agrees with predict on every cell of both families', async (t) => {
  const s = state(
    np('{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{ipBlock: {cidr: 10.0.1.1/32}}, {ipBlock: {cidr: "2001:db8::/32"}}]}]}'),
    np('{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: "fd00::/16"}}]}]}', 'y'),
  )
  const model = compile(s)
  const table = predict(s, TARGETS)
  let n = 0
  for (const c of table.entries()) {
    t.equal(explainCell(model, c.from, c.to, c.target).verdict, c.value, `${c.from} -> ${c.to} ${c.target.family}`)
    n++
  }
  t.ok(n > 20)
  const x = explainCell(model, 'x/a', 'x/b', T('IPv6'))
  t.equal(x.ingress.allowed, false)
  t.ok(
    x.ingress.checks.every((c) => !c.peerMatched),
    'the IPv4 /32 does not select x/a for the IPv6 cell',
  )
})

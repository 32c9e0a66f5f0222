// Table-driven NetworkPolicy semantics, written from the networking.k8s.io/v1 API reference.
import t from 'tap'
import { compile, explainCell, predict } from '../../src/evaluator/index.js'
import type { Protocol } from '../../src/model/cluster.js'
import type { NetworkPolicy } from '../../src/model/policy.js'
import { baseState, explainedState, np } from '../helpers/state.js'

interface Case {
  name: string
  policies: NetworkPolicy[]
  cells: [from: string, to: string, port: number, protocol: Protocol, verdict: 'allow' | 'deny'][]
}

const cases: Case[] = [
  {
    name: 'no policies: everything allowed',
    policies: [],
    cells: [
      ['x/a', 'y/a', 80, 'TCP', 'allow'],
      ['ext', 'x/a', 80, 'TCP', 'allow'],
      ['x/a', 'ext', 80, 'UDP', 'allow'],
    ],
  },
  {
    name: 'empty ingress with Ingress type isolates selected pods only',
    policies: [np('{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress]}')],
    cells: [
      ['x/b', 'x/a', 80, 'TCP', 'deny'],
      ['y/a', 'x/a', 80, 'TCP', 'deny'],
      ['x/a', 'x/b', 80, 'TCP', 'allow'],
      ['y/a', 'x/b', 80, 'TCP', 'allow'],
      ['ext', 'x/a', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'policyTypes omitted, only ingress rules: Ingress only (egress untouched)',
    policies: [np('{podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}')],
    cells: [
      ['x/b', 'x/a', 80, 'TCP', 'allow'],
      ['y/a', 'x/a', 80, 'TCP', 'deny'],
      ['x/a', 'y/a', 80, 'TCP', 'allow'],
    ],
  },
  {
    name: 'policyTypes omitted, non-empty egress: Ingress and Egress',
    policies: [np('{podSelector: {matchLabels: {pod: a}}, egress: [{to: [{namespaceSelector: {matchLabels: {team: b}}}]}]}')],
    cells: [
      ['x/a', 'y/a', 80, 'TCP', 'allow'],
      ['x/a', 'z/a', 80, 'TCP', 'deny'],
      ['x/b', 'x/a', 80, 'TCP', 'deny'],
      ['x/b', 'z/a', 80, 'TCP', 'allow'],
    ],
  },
  {
    name: 'policyTypes omitted, egress: [] is not egress isolation',
    policies: [np('{podSelector: {matchLabels: {pod: a}}, egress: []}')],
    cells: [
      ['x/a', 'z/a', 80, 'TCP', 'allow'],
      ['x/b', 'x/a', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'policyTypes [] behaves as omitted',
    policies: [np('{podSelector: {}, policyTypes: [], ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}')],
    cells: [
      ['x/b', 'x/a', 80, 'TCP', 'allow'],
      ['y/a', 'x/a', 80, 'TCP', 'deny'],
      ['x/a', 'z/a', 80, 'TCP', 'allow'],
    ],
  },
  {
    name: 'policyTypes [Egress] ignores ingress rules and does not isolate ingress',
    policies: [
      np('{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], ingress: [{from: [{podSelector: {matchLabels: {pod: none}}}]}]}'),
    ],
    cells: [
      ['x/b', 'x/a', 80, 'TCP', 'allow'],
      ['x/a', 'x/b', 80, 'TCP', 'deny'],
      ['x/a', 'ext', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'ingress: [{}] allows everything, externals included',
    policies: [np('{podSelector: {}, ingress: [{}]}')],
    cells: [
      ['y/a', 'x/a', 81, 'TCP', 'allow'],
      ['ext', 'x/a', 80, 'UDP', 'allow'],
      ['ext6', 'x/b', 80, 'TCP', 'allow'],
    ],
  },
  {
    name: 'from: [] means all peers; ports: [] means all ports',
    policies: [np('{podSelector: {}, ingress: [{from: [], ports: []}]}')],
    cells: [
      ['z/a', 'x/a', 81, 'TCP', 'allow'],
      ['ext', 'x/b', 53, 'UDP', 'allow'],
    ],
  },
  {
    name: 'protocol defaults to TCP',
    policies: [np('{podSelector: {}, ingress: [{ports: [{port: 80}]}]}')],
    cells: [
      ['y/a', 'x/a', 80, 'TCP', 'allow'],
      ['y/a', 'x/a', 80, 'UDP', 'deny'],
      ['y/a', 'x/a', 81, 'TCP', 'deny'],
    ],
  },
  {
    name: 'protocol-only port matches every port of that protocol',
    policies: [np('{podSelector: {}, ingress: [{ports: [{protocol: UDP}]}]}')],
    cells: [
      ['y/a', 'x/a', 53, 'UDP', 'allow'],
      ['y/a', 'x/a', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'podSelector-only peer means the policy namespace',
    policies: [np('{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{podSelector: {matchLabels: {pod: a}}}]}]}')],
    cells: [
      ['x/a', 'x/b', 80, 'TCP', 'allow'],
      ['y/a', 'x/b', 80, 'TCP', 'deny'],
      ['z/a', 'x/b', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'empty podSelector peer: every pod of the namespace, no externals',
    policies: [np('{podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}')],
    cells: [
      ['x/b', 'x/a', 80, 'TCP', 'allow'],
      ['y/a', 'x/a', 80, 'TCP', 'deny'],
      ['ext', 'x/a', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'namespaceSelector-only peer: all pods of matching namespaces',
    policies: [np('{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: b}}}]}]}')],
    cells: [
      ['y/a', 'x/a', 80, 'TCP', 'allow'],
      ['x/b', 'x/a', 80, 'TCP', 'deny'],
      ['z/a', 'x/a', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'empty namespaceSelector: every pod in the cluster but no external',
    policies: [np('{podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}')],
    cells: [
      ['z/a', 'x/a', 80, 'TCP', 'allow'],
      ['ext', 'x/a', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'podSelector AND namespaceSelector in one peer',
    policies: [
      np(
        '{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: b}}, podSelector: {matchLabels: {app: web}}}]}]}',
      ),
    ],
    cells: [
      ['y/a', 'x/b', 80, 'TCP', 'allow'],
      ['x/a', 'x/b', 80, 'TCP', 'deny'],
      ['z/a', 'x/b', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'two peers are OR',
    policies: [
      np(
        '{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: b}}}, {podSelector: {matchLabels: {app: web}}}]}]}',
      ),
    ],
    cells: [
      ['y/a', 'x/b', 80, 'TCP', 'allow'],
      ['x/a', 'x/b', 80, 'TCP', 'allow'],
      ['z/a', 'x/b', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'matchExpressions In / NotIn (missing key matches NotIn)',
    policies: [
      np(
        '{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [web]}]}}]}]}',
      ),
    ],
    cells: [
      ['z/a', 'x/b', 80, 'TCP', 'allow'],
      ['y/a', 'x/b', 80, 'TCP', 'deny'],
      ['x/a', 'x/b', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'matchExpressions Exists / DoesNotExist on namespaces',
    policies: [
      np('{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: DoesNotExist}]}}]}]}'),
    ],
    cells: [
      ['z/a', 'x/a', 80, 'TCP', 'allow'],
      ['y/a', 'x/a', 80, 'TCP', 'deny'],
      ['x/b', 'x/a', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'matchExpressions In and Exists together (AND)',
    policies: [
      np(
        '{podSelector: {}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: pod, operator: In, values: [a]}, {key: app, operator: Exists}]}}]}]}',
      ),
    ],
    cells: [
      ['y/a', 'x/b', 80, 'TCP', 'allow'],
      ['z/a', 'x/b', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'ipBlock with except, matching pods and externals by address',
    policies: [
      np('{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.2.0/24]}}, {ipBlock: {cidr: 192.0.2.0/24}}]}]}'),
    ],
    cells: [
      ['z/a', 'x/a', 80, 'TCP', 'allow'],
      ['y/a', 'x/a', 80, 'TCP', 'deny'],
      ['ext', 'x/a', 80, 'TCP', 'allow'],
      ['ext6', 'x/a', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'CIDR with host bits set means the containing network',
    policies: [np('{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 192.0.2.77/24}}]}]}')],
    cells: [
      ['x/a', 'ext', 80, 'TCP', 'allow'],
      ['x/a', 'y/a', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'IPv6 ipBlock matches only IPv6 addresses',
    policies: [np('{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: "2001:db8::/64"}}]}]}')],
    cells: [
      ['x/a', 'ext6', 80, 'TCP', 'allow'],
      ['x/a', 'ext', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'named port resolves on the destination by name and protocol',
    policies: [np('{podSelector: {}, ingress: [{ports: [{port: serve-80-tcp}]}]}')],
    cells: [
      ['y/a', 'x/a', 80, 'TCP', 'allow'],
      ['y/a', 'x/a', 80, 'UDP', 'deny'],
      ['y/a', 'x/a', 81, 'TCP', 'deny'],
    ],
  },
  {
    name: 'named port with a protocol the container port does not have never matches',
    policies: [np('{podSelector: {}, ingress: [{ports: [{port: dns, protocol: TCP}]}]}')],
    cells: [
      ['y/a', 'x/a', 53, 'UDP', 'deny'],
      ['y/a', 'x/a', 53, 'TCP', 'deny'],
    ],
  },
  {
    name: 'egress named port: pods resolve it, externals have no named ports',
    policies: [np('{podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: serve-80-tcp}]}]}')],
    cells: [
      ['x/a', 'y/a', 80, 'TCP', 'allow'],
      ['x/a', 'ext', 80, 'TCP', 'deny'],
      ['x/a', 'y/a', 81, 'TCP', 'deny'],
    ],
  },
  {
    name: 'endPort makes an inclusive range',
    policies: [np('{podSelector: {}, ingress: [{ports: [{port: 79, endPort: 80}]}]}')],
    cells: [
      ['y/a', 'x/a', 80, 'TCP', 'allow'],
      ['y/a', 'x/a', 81, 'TCP', 'deny'],
    ],
  },
  {
    name: 'a pod always reaches itself, even under deny-all',
    policies: [np('{podSelector: {}, policyTypes: [Ingress, Egress]}')],
    cells: [
      ['x/a', 'x/a', 80, 'TCP', 'allow'],
      ['x/a', 'x/b', 80, 'TCP', 'deny'],
      ['ext', 'x/a', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'egress of the source AND ingress of the destination must both allow',
    policies: [
      np('{podSelector: {}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {}}]}]}', 'x', 'out'),
      np('{podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}', 'y', 'in'),
    ],
    cells: [
      ['x/a', 'y/a', 80, 'TCP', 'deny'],
      ['x/a', 'z/a', 80, 'TCP', 'allow'],
      ['x/a', 'ext', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'policies are additive: any allowing rule wins',
    policies: [
      np('{podSelector: {}, policyTypes: [Ingress]}', 'x', 'deny'),
      np('{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 81}]}]}', 'x', 'allow81'),
    ],
    cells: [
      ['z/a', 'x/a', 81, 'TCP', 'allow'],
      ['z/a', 'x/a', 80, 'TCP', 'deny'],
      ['z/a', 'x/b', 81, 'TCP', 'deny'],
    ],
  },
  {
    name: 'a policy only selects pods of its own namespace',
    policies: [np('{podSelector: {}, policyTypes: [Ingress]}', 'y')],
    cells: [
      ['z/a', 'x/a', 80, 'TCP', 'allow'],
      ['z/a', 'y/a', 80, 'TCP', 'deny'],
    ],
  },
  {
    name: 'externals as sources are matched only by ipBlock',
    policies: [np('{podSelector: {}, ingress: [{from: [{namespaceSelector: {}, podSelector: {}}]}]}')],
    cells: [
      ['ext', 'x/a', 80, 'TCP', 'deny'],
      ['y/a', 'x/a', 80, 'TCP', 'allow'],
    ],
  },
]

for (const c of cases) {
  t.test(c.name, async (t) => {
    const state = baseState(c.policies)
    const targets = [...new Map(c.cells.map(([, , port, protocol]) => [`${port}/${protocol}`, { port, protocol }])).values()]
    const table = predict(state, targets)
    const model = compile(state)
    for (const [from, to, port, protocol, verdict] of c.cells) {
      t.equal(table.get(from, to, { port, protocol }), verdict, `${from} -> ${to} ${port}/${protocol}`)
      t.equal(explainCell(model, from, to, { port, protocol }).verdict, verdict, `explain agrees: ${from} -> ${to} ${port}/${protocol}`)
    }
  })
}

t.test('external to external cells do not exist', async (t) => {
  const table = predict(baseState(), [{ port: 80, protocol: 'TCP' }])
  t.equal(table.get('ext', 'ext6', { port: 80, protocol: 'TCP' }), undefined)
  t.equal(table.get('ext', 'x/a', { port: 80, protocol: 'TCP' }), 'allow')
})

t.test('explanation names the isolating policies and the deciding rule', async (t) => {
  const state = explainedState()
  const x = explainCell(compile(state), 'z/a', 'x/a', { port: 81, protocol: 'TCP' })
  t.equal(x.verdict, 'allow')
  t.same(x.ingress.isolatedBy, ['x/deny', 'x/allow'])
  t.same(x.ingress.allowedBy, { kind: 'NetworkPolicy', policy: 'x/allow', direction: 'ingress', rule: 0, peer: 1, port: 1 })
  t.equal(x.egress.isolatedBy.length, 0)
  const denied = explainCell(compile(state), 'z/a', 'x/b', { port: 81, protocol: 'TCP' })
  t.equal(denied.verdict, 'deny')
  t.equal(denied.ingress.allowedBy, undefined)
  t.same(denied.ingress.isolatedBy, ['x/deny'])
  const self = explainCell(compile(state), 'x/b', 'x/b', { port: 81, protocol: 'TCP' })
  t.equal(self.reason, 'self')
  t.equal(self.verdict, 'allow')
})

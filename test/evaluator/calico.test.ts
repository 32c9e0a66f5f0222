// Calico's policy model, one table row per rule of the semantics with its source (docs/calico-policy.md lists them
// in full); every row's cell is checked with predict and explain alike.
import t, { type Test } from 'tap'
import { parse } from 'yaml'
import { compile, explainCell, predict } from '../../src/evaluator/index.js'
import type { Target } from '../../src/model/cluster.js'
import type { CalicoObject } from '../../src/model/calico.js'
import type { ClusterState } from '../../src/model/state.js'
import type { NetworkPolicy } from '../../src/model/policy.js'
import { calicoSchema } from '../../src/scenario/calico-schema.js'
import { baseState, np } from '../helpers/state.js'

const TCP80: Target = { port: 80, protocol: 'TCP' }
const UDP53: Target = { port: 53, protocol: 'UDP' }
const TCP81: Target = { port: 81, protocol: 'TCP' }

/** Calico objects from YAML documents (apiVersion projectcalico.org/v3 added). */
function cal(...docs: string[]): CalicoObject[] {
  return docs.map((d) => calicoSchema.parse({ apiVersion: 'projectcalico.org/v3', ...parse(d) }).object)
}

function verdict(t: Test, calico: CalicoObject[], from: string, to: string, target = TCP80, policies: NetworkPolicy[] = []): string {
  const s: ClusterState = { ...baseState(policies), calico }
  const v = predict(s, [target]).get(from, to, target)!
  t.equal(explainCell(compile(s), from, to, target).verdict, v, `explain agrees on ${from} -> ${to}`)
  return v
}

const denyXbToXa = `kind: GlobalNetworkPolicy
metadata: {name: deny}
spec: {order: 10, selector: "pod == 'a' && projectcalico.org/namespace == 'x'", ingress: [{action: Deny, source: {selector: "pod == 'b'"}}]}`
const allowXbToXa = (order: number | null, name = 'allow') => `kind: GlobalNetworkPolicy
metadata: {name: ${name}}
spec: {${order === null ? '' : `order: ${order}, `}selector: "pod == 'a' && projectcalico.org/namespace == 'x'", ingress: [{action: Allow, source: {selector: "pod == 'b'"}}]}`

const rows: {
  name: string
  source: string
  calico: string[]
  policies?: NetworkPolicy[]
  from: string
  to: string
  target?: Target
  want: string
}[] = [
  {
    name: 'a policy with no rules isolates ingress (types default)',
    source: 'calico reference resources/networkpolicy.mdx `types`; api/pkg/apis/projectcalico/v3 policy types',
    calico: ["kind: NetworkPolicy\nmetadata: {name: iso, namespace: x}\nspec: {selector: pod == 'a'}"],
    from: 'x/b',
    to: 'x/a',
    want: 'deny',
  },
  {
    name: 'egress rules only: Egress only, ingress stays open',
    source: 'resources/networkpolicy.mdx `types` defaulting',
    calico: ["kind: NetworkPolicy\nmetadata: {name: out, namespace: x}\nspec: {selector: pod == 'a', egress: [{action: Deny}]}"],
    from: 'x/b',
    to: 'x/a',
    want: 'allow',
  },
  {
    name: 'lower order first: Deny at 10 before Allow at 20',
    source: 'felix/calc/policy_sorter.go (PolicyByOrder)',
    calico: [denyXbToXa, allowXbToXa(20)],
    from: 'x/b',
    to: 'x/a',
    want: 'deny',
  },
  {
    name: 'no order sorts last (+Inf)',
    source: 'felix/calc/policy_sorter.go: nil order after every number',
    calico: [denyXbToXa.replace('order: 10, ', ''), allowXbToXa(1000000)],
    from: 'x/b',
    to: 'x/a',
    want: 'allow',
  },
  {
    name: 'equal orders: by name',
    source: 'felix/calc/policy_sorter.go: ties by name',
    calico: [denyXbToXa.replace('name: deny', 'name: b-deny'), allowXbToXa(10, 'a-allow')],
    from: 'x/b',
    to: 'x/a',
    want: 'allow',
  },
  {
    name: 'no rule matches in a tier that applies: end-of-tier Deny',
    source: 'felix/rules/endpoints.go (drop if no policy in the tier passed); resources/tier.mdx defaultAction Deny',
    calico: [
      "kind: GlobalNetworkPolicy\nmetadata: {name: only-z}\nspec: {selector: pod == 'a', ingress: [{action: Allow, source: {nets: [10.0.3.0/24]}}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    want: 'deny',
  },
  {
    name: 'Pass goes to the next tier; no further tier: the profile allows',
    source: 'resources/tier.mdx (Pass); felix/rules/endpoints.go profiles after the tiers',
    calico: [
      'kind: Tier\nmetadata: {name: sec}\nspec: {order: 10}',
      "kind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec: {tier: sec, selector: pod == 'a', ingress: [{action: Pass}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    want: 'allow',
  },
  {
    name: 'Pass skips the rest of its tier (a later Deny of the same tier is not reached)',
    source: 'resources/tier.mdx: Pass skips to the next tier',
    calico: [
      'kind: Tier\nmetadata: {name: sec}\nspec: {order: 10}',
      "kind: GlobalNetworkPolicy\nmetadata: {name: p1}\nspec: {tier: sec, order: 1, selector: pod == 'a', ingress: [{action: Pass}]}",
      "kind: GlobalNetworkPolicy\nmetadata: {name: p2}\nspec: {tier: sec, order: 2, selector: pod == 'a', ingress: [{action: Deny}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    want: 'allow',
  },
  {
    name: 'tier defaultAction Pass: no match goes on to the next tier',
    source: 'resources/tier.mdx defaultAction',
    calico: [
      'kind: Tier\nmetadata: {name: sec}\nspec: {order: 10, defaultAction: Pass}',
      "kind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec: {tier: sec, selector: pod == 'a', ingress: [{action: Allow, source: {nets: [10.0.3.0/24]}}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    want: 'allow',
  },
  {
    name: 'tiers by order, not name',
    source: 'felix/calc/policy_sorter.go (tiers sorted by order, then name)',
    calico: [
      'kind: Tier\nmetadata: {name: zeta}\nspec: {order: 10}',
      'kind: Tier\nmetadata: {name: alpha}\nspec: {order: 20}',
      "kind: GlobalNetworkPolicy\nmetadata: {name: z}\nspec: {tier: zeta, selector: pod == 'a', ingress: [{action: Deny}]}",
      "kind: GlobalNetworkPolicy\nmetadata: {name: a}\nspec: {tier: alpha, selector: pod == 'a', ingress: [{action: Allow}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    want: 'deny',
  },
  {
    name: 'Kubernetes NetworkPolicy is the default tier at order 1000: a Calico Deny at 500 comes first',
    source: 'libcalico-go/lib/backend/k8s/conversion (knp.default., order 1000); api tier.go DefaultTierOrder',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: d, namespace: x}\nspec: {order: 500, selector: pod == 'a', ingress: [{action: Deny, source: {selector: pod == 'b'}}]}",
    ],
    policies: [np('{podSelector: {matchLabels: {pod: a}}, ingress: [{}]}')],
    from: 'x/b',
    to: 'x/a',
    want: 'deny',
  },
  {
    name: '... and a Calico Deny at 2000 comes after the Kubernetes allow',
    source: 'libcalico-go k8s conversion order 1000',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: d, namespace: x}\nspec: {order: 2000, selector: pod == 'a', ingress: [{action: Deny, source: {selector: pod == 'b'}}]}",
    ],
    policies: [np('{podSelector: {matchLabels: {pod: a}}, ingress: [{}]}')],
    from: 'x/b',
    to: 'x/a',
    want: 'allow',
  },
  {
    name: 'Log goes on to the next rule',
    source: 'resources/networkpolicy.mdx Rule action Log',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: l, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Log}, {action: Deny}, {action: Allow}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    want: 'deny',
  },
  {
    name: 'a namespaced rule selector covers its own namespace only',
    source: 'libcalico-go updateprocessors/rules.go getEndpointSelector',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Allow, source: {selector: pod == 'a'}}]}",
    ],
    from: 'y/a',
    to: 'x/a',
    want: 'deny',
  },
  {
    name: 'notSelector alone scopes the rule to the namespace too (the external is not allowed)',
    source: 'rules.go getEndpointSelector: "as soon as any of the selector fields are used, including NotSelector"',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Allow, source: {notSelector: pod == 'b'}}]}",
    ],
    from: 'ext',
    to: 'x/a',
    want: 'deny',
  },
  {
    name: 'namespaceSelector with pcns labels picks other namespaces',
    source: 'rules.go: namespaceSelector prefixed pcns.',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Allow, source: {namespaceSelector: team == 'b'}}]}",
    ],
    from: 'y/a',
    to: 'x/a',
    want: 'allow',
  },
  {
    name: 'a GlobalNetworkSet picked by namespaceSelector global() matches its nets',
    source: 'rules.go: global() -> !has(projectcalico.org/namespace); resources/globalnetworkset.mdx',
    calico: [
      'kind: GlobalNetworkSet\nmetadata: {name: s, labels: {role: ext}}\nspec: {nets: [192.0.2.0/24]}',
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Allow, source: {namespaceSelector: global(), selector: role == 'ext'}}]}",
    ],
    from: 'ext',
    to: 'x/a',
    want: 'allow',
  },
  {
    name: 'notNets excludes an address',
    source: 'resources/networkpolicy.mdx EntityRule notNets',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Allow, source: {notNets: [10.0.1.2/32]}}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    want: 'deny',
  },
  {
    name: 'ports: a range "80:81" matches 81',
    source: 'resources/networkpolicy.mdx Ports "first:last"',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Allow, protocol: TCP, destination: {ports: ['80:81']}}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    target: TCP81,
    want: 'allow',
  },
  {
    name: 'notPorts: 81 excluded',
    source: 'EntityRule notPorts',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Allow, protocol: TCP, destination: {notPorts: [81]}}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    target: TCP81,
    want: 'deny',
  },
  {
    name: 'a named port resolves on the destination pod',
    source: 'resources/networkpolicy.mdx ports (named ports)',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Allow, protocol: UDP, destination: {ports: [dns]}}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    target: UDP53,
    want: 'allow',
  },
  {
    name: 'protocol TCP does not match UDP',
    source: 'Rule protocol',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Allow, protocol: TCP}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    target: UDP53,
    want: 'deny',
  },
  {
    name: 'notProtocol UDP matches TCP',
    source: 'Rule notProtocol',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Allow, notProtocol: UDP}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    want: 'allow',
  },
  {
    name: 'ipVersion 6 does not match an IPv4 cell',
    source: 'Rule ipVersion',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Allow, ipVersion: 6}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    want: 'deny',
  },
  {
    name: 'an ICMP rule never matches TCP',
    source: 'Rule protocol ICMP',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Deny, protocol: ICMP}, {action: Allow}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    want: 'allow',
  },
  {
    name: 'serviceAccounts names: a pod of the default service account is not selected',
    source: 'rules.go parseServiceAccounts (projectcalico.org/serviceaccount in {...})',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Allow, source: {serviceAccounts: {names: [api]}}}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    want: 'deny',
  },
  {
    name: 'GlobalNetworkPolicy namespaceSelector limits the endpoints it applies to',
    source: 'resources/globalnetworkpolicy.mdx namespaceSelector',
    calico: [
      "kind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec: {namespaceSelector: team == 'b', selector: all(), ingress: [{action: Deny}]}",
    ],
    from: 'x/b',
    to: 'x/a',
    want: 'allow',
  },
  {
    name: 'a staged policy changes no cell',
    source: 'resources/stagedglobalnetworkpolicy.mdx',
    calico: ['kind: StagedGlobalNetworkPolicy\nmetadata: {name: g}\nspec: {selector: all(), ingress: [{action: Deny}]}'],
    from: 'x/b',
    to: 'x/a',
    want: 'allow',
  },
  {
    name: 'egress: an Allow to a selected pod still needs the destination ingress (not isolated: allowed)',
    source: 'felix/rules/endpoints.go (egress of the source, then ingress of the destination)',
    calico: [
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'b', egress: [{action: Allow, destination: {selector: pod == 'a'}}]}",
    ],
    from: 'x/b',
    to: 'ext',
    want: 'deny',
  },
]

for (const r of rows)
  t.test(r.name, async (t) => {
    t.equal(verdict(t, cal(...r.calico), r.from, r.to, r.target, r.policies ?? []), r.want, `${r.want} (source: ${r.source})`)
  })

t.test('explain walks the tiers: the Pass, then the end-of-tier deny of the next tier', async (t) => {
  const s: ClusterState = {
    ...baseState(),
    calico: cal(
      'kind: Tier\nmetadata: {name: sec}\nspec: {order: 10}',
      "kind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec: {tier: sec, selector: pod == 'a', ingress: [{action: Pass}]}",
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Allow, source: {nets: [10.0.3.0/24]}}]}",
    ),
  }
  const x = explainCell(compile(s), 'x/b', 'x/a', TCP80)
  t.equal(x.verdict, 'deny')
  t.same(x.ingress.calico?.tiers, ['sec', 'default'])
  t.same(
    x.ingress.calico?.hits.map((h) => [h.tier, h.policy, h.rule, h.action]),
    [['sec', 'gnp/p', 0, 'Pass']],
  )
  t.same(x.ingress.calico?.decidedBy, { kind: 'end-of-tier', tier: 'default', action: 'Deny' })
})

t.test('a pod no Calico policy selects keeps the NetworkPolicy answer', async (t) => {
  const calico = cal('kind: NetworkPolicy\nmetadata: {name: n, namespace: y}\nspec: {selector: all(), ingress: [{action: Deny}]}')
  const policies = [np('{podSelector: {}, policyTypes: [Ingress]}')]
  t.equal(verdict(t, calico, 'x/b', 'x/a', TCP80, policies), 'deny')
  t.equal(explainCell(compile({ ...baseState(policies), calico }), 'x/b', 'x/a', TCP80).ingress.calico, undefined)
})

t.test('staged policies: what they would change if enforced (Set replaces, Delete removes)', async (t) => {
  const { withStagedEnforced } = await import('../../src/evaluator/calico.js')
  const s: ClusterState = {
    ...baseState(),
    calico: cal(
      "kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Deny}]}",
      'kind: StagedNetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {stagedAction: Delete}',
      'kind: StagedKubernetesNetworkPolicy\nmetadata: {name: k, namespace: y}\nspec: {podSelector: {}, policyTypes: [Ingress]}',
    ),
  }
  t.equal(predict(s, [TCP80]).get('x/b', 'x/a', TCP80), 'deny', 'enforced: denied')
  t.equal(predict(s, [TCP80]).get('x/b', 'y/a', TCP80), 'allow', 'staged: changes nothing')
  const would = withStagedEnforced(s)!
  t.equal(predict(would, [TCP80]).get('x/b', 'x/a', TCP80), 'allow', 'the staged Delete would remove the Deny')
  t.equal(predict(would, [TCP80]).get('x/b', 'y/a', TCP80), 'deny', 'the staged Kubernetes policy would isolate y')
  t.equal(withStagedEnforced(baseState()), undefined)
})

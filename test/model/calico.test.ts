// The facts about Calico's tiers that the evaluator and the local dataplane share: Felix's tier and policy order
// (felix/calc/policy_sorter.go), the built-in tiers, and the labels of a workload endpoint.
import t from 'tap'
import { type CalicoPolicy, type CalicoTier, orderedTiers, workloadLabels } from '../../src/model/calico.js'
import { parseCalicoSelector } from '../../src/model/calico-selector.js'

const policy = (name: string, tier: string, order?: number, namespace?: string): CalicoPolicy => ({
  kind: namespace ? 'NetworkPolicy' : 'GlobalNetworkPolicy',
  name,
  ...(namespace ? { namespace } : {}),
  tier,
  ...(order !== undefined ? { order } : {}),
  selector: parseCalicoSelector('all()'),
  selectorText: 'all()',
  types: ['Ingress'],
  ingress: [],
  egress: [],
})
const tier = (name: string, order?: number): CalicoTier => ({
  kind: 'Tier',
  name,
  ...(order !== undefined ? { order } : {}),
  defaultAction: 'Pass',
})
const fixed = { k8s: 'k8s', admin: 'admin', baseline: 'baseline' }
const names = (tiers: { tier: CalicoTier; items: string[] }[]) => tiers.map((x) => `${x.tier.name}: ${x.items.join(' ')}`)

t.test('orderedTiers: tiers by order with the built-in ones, policies by order then name, unordered last', async (t) => {
  const ps = [
    policy('z-late', 'security'),
    policy('b', 'security', 10),
    policy('a', 'security', 10),
    policy('first', 'security', 1),
    policy('before-knp', 'default', 999),
    policy('after-knp', 'default', 1001),
    policy('orphan', 'nowhere', 5),
  ]
  const tiers = orderedTiers(
    [tier('security', 100), ...ps],
    ps.map((p) => ({ policy: p, item: p.name })),
    fixed,
    false,
  )
  t.same(names(tiers), [
    'security: first a b z-late',
    'kube-admin: admin',
    'default: before-knp k8s after-knp',
    'kube-baseline: baseline',
    'nowhere: orphan',
  ])
  t.same(
    tiers.map((x) => [x.tier.order, x.tier.defaultAction]),
    [
      [100, 'Pass'],
      [1_000, 'Pass'],
      [1_000_000, 'Deny'],
      [10_000_000, 'Pass'],
      [undefined, 'Deny'],
    ],
    'Tier objects, the built-in tiers, and an unknown tier as an unordered Deny tier',
  )
  t.same(
    names(
      orderedTiers(
        [tier('security', 100)],
        ps.slice(0, 1).map((p) => ({ policy: p, item: p.name })),
        fixed,
        true,
      ),
    ),
    ['default: k8s', 'kube-admin: admin', 'kube-baseline: baseline', 'security: z-late'],
    'the tier-order-ignored fault: tiers by name',
  )
})

t.test('orderedTiers: a Tier object redefines a built-in one; equal order and name keep the order given', async (t) => {
  const ns1 = policy('allow', 'default', 5, 'ns1')
  const ns2 = policy('allow', 'default', 5, 'ns2')
  const tiers = orderedTiers(
    [{ ...tier('default', 1_000_000), defaultAction: 'Pass' }],
    [ns2, ns1].map((p) => ({ policy: p, item: p.namespace! })),
    fixed,
    false,
  )
  t.same(names(tiers), ['kube-admin: admin', 'default: ns2 ns1 k8s', 'kube-baseline: baseline'])
  t.equal(tiers[1].tier.defaultAction, 'Pass')
})

t.test('workloadLabels: the pod labels with the namespace, profile and service account labels Calico adds', async (t) => {
  t.same(workloadLabels({ namespace: 'prod', labels: { app: 'web' } }, { team: 'a' }, 'api'), {
    app: 'web',
    'pcns.team': 'a',
    'pcns.projectcalico.org/name': 'prod',
    'pcsa.projectcalico.org/name': 'api',
    'projectcalico.org/namespace': 'prod',
    'projectcalico.org/orchestrator': 'k8s',
    'projectcalico.org/serviceaccount': 'api',
  })
})

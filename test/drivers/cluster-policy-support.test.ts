// Which cluster policy kinds a cluster serves, and what is unsupported: by Calico version (kind), discovery (kube),
// everything but the experimental peers (local); and cluster policies reach the API through the generic object path.
import t from 'tap'
import {
  calicoClusterPolicyKinds,
  clusterPolicyApi,
  clusterPolicyKindsUsed,
  clusterPolicyUnsupported,
} from '../../src/drivers/cluster-policy-support.js'
import { sendAction } from '../../src/drivers/kube/apply.js'
import { RunNamespaces } from '../../src/drivers/kube/namespaces.js'
import { LocalDriver } from '../../src/drivers/local/index.js'
import type { ClusterPolicy } from '../../src/model/cluster-policy.js'
import type { Scenario } from '../../src/model/scenario.js'
import type { ClusterState } from '../../src/model/state.js'
import { loadScenarios } from '../../src/scenario/load.js'
import { parseScenario } from '../../src/scenario/parse.js'
import { FakeKube } from '../helpers/fake-kube.js'

function scenario(text: string): Scenario {
  const r = parseScenario(text, 's.yaml', () => undefined)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.scenario
}
const withEgressPeer = (peer: string) =>
  scenario(
    `name: s\nnamespaces: {x: {pods: {a: {}}}}\nsteps:\n  - name: one\n    apply: [{apiVersion: policy.networking.k8s.io/v1alpha2, kind: ClusterNetworkPolicy, metadata: {name: p}, spec: {tier: Admin, priority: 1, subject: {namespaces: {}}, egress: [{action: Accept, to: [${peer}]}]}}]\n`,
  )

t.test('Calico releases: v1alpha1 kinds on 3.29-3.31 (BANP from 3.30), ClusterNetworkPolicy from 3.32', async (t) => {
  t.same(calicoClusterPolicyKinds('v3.28.2'), [])
  t.same(calicoClusterPolicyKinds('v3.29.4'), ['AdminNetworkPolicy'])
  t.same(calicoClusterPolicyKinds('v3.30.7'), ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'])
  t.same(calicoClusterPolicyKinds('v3.31.7'), ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'])
  t.same(calicoClusterPolicyKinds('v3.32.0'), ['ClusterNetworkPolicy'])
  t.same(calicoClusterPolicyKinds('nonsense'), [])
  t.equal(
    clusterPolicyApi(calicoClusterPolicyKinds('v3.30.7')),
    'policy.networking.k8s.io/v1alpha1 (AdminNetworkPolicy, BaselineAdminNetworkPolicy)',
  )
  t.equal(clusterPolicyApi(calicoClusterPolicyKinds('v3.32.1')), 'policy.networking.k8s.io/v1alpha2 (ClusterNetworkPolicy)')
  t.equal(clusterPolicyApi([]), 'none')
})

t.test('a kind the cluster does not serve is unsupported, with the reason; the pinned Calicos cannot serve v1alpha2', async (t) => {
  const [v2] = loadScenarios(['scenarios/cluster-policy/integration.yaml'])
  const [v1] = loadScenarios(['scenarios/cluster-policy/v1alpha1-anp-banp.yaml'])
  t.same(clusterPolicyKindsUsed(v2), ['ClusterNetworkPolicy'])
  t.same(clusterPolicyKindsUsed(v1), ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'])
  t.equal(
    clusterPolicyUnsupported(v2, calicoClusterPolicyKinds('v3.30.7'), 'Calico v3.30.7'),
    'Calico v3.30.7 does not serve ClusterNetworkPolicy (it serves AdminNetworkPolicy, BaselineAdminNetworkPolicy)',
  )
  t.equal(clusterPolicyUnsupported(v1, calicoClusterPolicyKinds('v3.31.7'), 'Calico v3.31.7'), undefined)
  t.match(clusterPolicyUnsupported(v1, [], 'this cluster'), /this cluster does not serve AdminNetworkPolicy, BaselineAdminNetworkPolicy$/)
})

t.test('the local driver runs every kind, but not the experimental nodes and domainNames peers', async (t) => {
  const d = new LocalDriver({ nodes: 2 })
  t.equal(d.scenarioUnsupported(withEgressPeer('{networks: [10.0.0.0/8]}')), undefined)
  t.match(d.scenarioUnsupported(withEgressPeer('{nodes: {}}')), /egress peers nodes are experimental/)
  t.match(d.scenarioUnsupported(withEgressPeer('{domainNames: [example.com]}')), /egress peers domainNames are experimental/)
  for (const s of loadScenarios(['scenarios/cluster-policy'])) t.equal(d.scenarioUnsupported(s), undefined, s.name)
})

t.test('kube: a cluster policy by server-side apply through the API, deleted by kind and name', async (t) => {
  const calls: unknown[][] = []
  const api = Object.assign(new FakeKube(), {
    async applyClusterPolicy(p: ClusterPolicy) {
      calls.push(['apply', p.kind, p.metadata.name])
    },
    async deleteClusterPolicy(kind: string, name: string) {
      calls.push(['delete', kind, name])
    },
  })
  const ctx = { api, runId: 'r1', namespaces: new RunNamespaces({ api, runId: 'r1' }) }
  const state = { namespaces: [], pods: [], policies: [], externals: [] } as ClusterState
  const policy = withEgressPeer('{networks: [10.0.0.0/8]}').steps[0].actions[0]
  await sendAction(ctx, state, policy)
  await sendAction(ctx, state, { kind: 'delete-cluster-policy', policyKind: 'ClusterNetworkPolicy', name: 'p' })
  t.same(calls, [
    ['apply', 'ClusterNetworkPolicy', 'p'],
    ['delete', 'ClusterNetworkPolicy', 'p'],
  ])
  // A client without the method (the fake has it: a KubeApi that cannot write custom resources does not).
  const cannot = Object.assign(new FakeKube(), { applyClusterPolicy: undefined })
  await t.rejects(sendAction({ ...ctx, api: cannot }, state, policy), /cannot apply ClusterNetworkPolicy/)
})

t.test('--fault skip-policy names a cluster policy by its report id', async (t) => {
  const { checkSkipPolicies } = await import('../../src/cli/check-options.js')
  const scenarios = loadScenarios(['scenarios/cluster-policy/integration.yaml'])
  t.doesNotThrow(() => checkSkipPolicies(['cnp/pass-example', 'gryffindor/allow-gress-from-to-slytherin-to-gryffindor'], scenarios))
  t.throws(() => checkSkipPolicies(['cnp/nope'], scenarios), /skip-policy=cnp\/nope: no selected scenario applies/)
})

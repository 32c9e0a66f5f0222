// The cluster-policy tiers around NetworkPolicy: Admin (Accept/Deny final, Pass on), NetworkPolicy if it isolates,
// Baseline, allowed; predict and explain agree on every cell of each case.
import t, { type Test } from 'tap'
import { parse } from 'yaml'
import { compile, explainCell, predict } from '../../src/evaluator/index.js'
import type { Target } from '../../src/model/cluster.js'
import type { ClusterPolicy } from '../../src/model/cluster-policy.js'
import type { NetworkPolicy } from '../../src/model/policy.js'
import { baseState, np } from '../helpers/state.js'

const TCP80: Target = { port: 80, protocol: 'TCP' }
const UDP80: Target = { port: 80, protocol: 'UDP' }

/** A v1alpha2 ClusterNetworkPolicy from YAML text of its spec. */
function cnp(name: string, spec: string): ClusterPolicy {
  return { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name }, spec: parse(spec) }
}

function state(cluster: ClusterPolicy[], policies: NetworkPolicy[] = []) {
  return { ...baseState(policies), clusterPolicies: cluster }
}

/** The verdict of one cell, after checking that explain says the same. */
function verdict(t: Test, cluster: ClusterPolicy[], policies: NetworkPolicy[], from: string, to: string, target = TCP80): string {
  const s = state(cluster, policies)
  const v = predict(s, [target]).get(from, to, target)!
  t.equal(explainCell(compile(s), from, to, target).verdict, v, `explain agrees on ${from} -> ${to}`)
  return v
}

const denyYFromX = cnp(
  'deny',
  'tier: Admin\npriority: 10\nsubject: {namespaces: {matchLabels: {team: b}}}\ningress: [{action: Deny, from: [{namespaces: {matchLabels: {team: a}}}]}]',
)
const allowAllIntoY = np('{podSelector: {}, ingress: [{}]}', 'y', 'allow-all')

t.test('an Admin Deny beats a NetworkPolicy allow; other sources are untouched', async (t) => {
  t.equal(verdict(t, [denyYFromX], [allowAllIntoY], 'x/a', 'y/a'), 'deny')
  t.equal(verdict(t, [denyYFromX], [allowAllIntoY], 'z/a', 'y/a'), 'allow')
})

t.test('a Pass goes to NetworkPolicy when it isolates, else to Baseline', async (t) => {
  const pass = cnp(
    'pass',
    'tier: Admin\npriority: 1\nsubject: {namespaces: {matchLabels: {team: b}}}\ningress: [{action: Pass, from: [{namespaces: {}}]}, {action: Deny, from: [{namespaces: {}}]}]',
  )
  const baseDeny = cnp(
    'base',
    'tier: Baseline\npriority: 1\nsubject: {namespaces: {}}\ningress: [{action: Deny, from: [{namespaces: {matchLabels: {team: a}}}]}]',
  )
  t.equal(verdict(t, [pass, baseDeny], [], 'z/a', 'y/a'), 'allow', 'passed, no NP, no baseline match: allowed')
  t.equal(verdict(t, [pass, baseDeny], [], 'x/a', 'y/a'), 'deny', 'passed to the baseline deny')
  t.equal(verdict(t, [pass, baseDeny], [allowAllIntoY], 'x/a', 'y/a'), 'allow', 'the NetworkPolicy allow overrides the baseline deny')
  const x = explainCell(compile(state([pass, baseDeny])), 'x/a', 'y/a', TCP80)
  t.same(
    x.ingress.tiers?.hits.map((h) => [h.tier, h.policy, h.rule, h.action]),
    [
      ['Admin', 'cnp/pass', 0, 'Pass'],
      ['Baseline', 'cnp/base', 0, 'Deny'],
    ],
  )
  t.equal(x.ingress.tiers?.decidedIn, 'Baseline')
})

t.test('lower priority wins; equal priorities are ordered by name', async (t) => {
  const accept = (prio: number, name = 'accept') =>
    cnp(
      name,
      `tier: Admin\npriority: ${prio}\nsubject: {namespaces: {matchLabels: {team: b}}}\ningress: [{action: Accept, from: [{namespaces: {matchLabels: {team: a}}}]}]`,
    )
  const isolate = np('{podSelector: {}, policyTypes: [Ingress]}', 'y', 'deny-all')
  t.equal(verdict(t, [accept(20), denyYFromX], [isolate], 'x/a', 'y/a'), 'deny', 'deny at 10 first')
  t.equal(verdict(t, [accept(5), denyYFromX], [isolate], 'x/a', 'y/a'), 'allow', 'accept at 5 first, despite the isolating NP')
  t.equal(verdict(t, [accept(10, 'a-accept'), denyYFromX], [isolate], 'x/a', 'y/a'), 'allow', 'a-accept sorts before deny')
})

t.test('egress: networks match pods and externals; an egress Accept still needs the destination ingress', async (t) => {
  const egress = cnp(
    'egress',
    'tier: Admin\npriority: 1\nsubject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {pod: a}}}}\negress: [{action: Accept, to: [{networks: [10.0.2.0/24]}]}, {action: Deny, to: [{networks: [0.0.0.0/0]}]}]',
  )
  t.equal(verdict(t, [egress], [], 'x/a', 'ext'), 'deny', 'external in 0.0.0.0/0')
  t.equal(verdict(t, [egress], [], 'x/a', 'x/b'), 'deny', 'pod address in 0.0.0.0/0')
  t.equal(verdict(t, [egress], [], 'x/a', 'y/a'), 'allow', 'accepted')
  t.equal(
    verdict(t, [egress], [np('{podSelector: {}, policyTypes: [Ingress]}', 'y', 'iso')], 'x/a', 'y/a'),
    'deny',
    'the destination isolates',
  )
  t.equal(verdict(t, [egress], [], 'x/b', 'ext'), 'allow', 'x/b is not a subject')
  t.equal(verdict(t, [egress], [], 'x/a', 'x/a'), 'allow', 'a pod reaches itself')
})

t.test('protocols: a port, a range, a named port; no protocols means every port', async (t) => {
  const ports = cnp(
    'ports',
    'tier: Baseline\npriority: 1\nsubject: {namespaces: {}}\ningress: [{action: Deny, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {pod: b}}}}]}, {action: Deny, from: [{namespaces: {matchLabels: {team: b}}}], protocols: [{udp: {destinationPort: {range: {start: 70, end: 90}}}}]}, {action: Deny, from: [{namespaces: {}}], protocols: [{destinationNamedPort: serve-81-tcp}]}]',
  )
  t.equal(verdict(t, [ports], [], 'y/a', 'x/a', UDP80), 'deny', 'UDP 80 in the range')
  t.equal(verdict(t, [ports], [], 'y/a', 'x/a', TCP80), 'allow', 'TCP 80 is not')
  t.equal(verdict(t, [ports], [], 'z/a', 'x/a', { port: 81, protocol: 'TCP' }), 'deny', 'the named port resolves to 81/TCP')
  t.equal(verdict(t, [ports], [], 'x/b', 'y/a', UDP80), 'deny', 'pods with podSelector {} in every namespace, every port')
})

t.test('a CNP never isolates: rules in one direction leave the other, and unmatched traffic, alone', async (t) => {
  const s = state([denyYFromX])
  const table = predict(s, [TCP80])
  for (const c of table.entries()) {
    const denied = c.from.startsWith('x/') && c.to === 'y/a'
    t.equal(c.value, denied ? 'deny' : 'allow', `${c.from} -> ${c.to}`)
  }
})

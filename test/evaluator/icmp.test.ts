// ICMP echo cells, one table row per rule of the semantics with its source: Kubernetes NetworkPolicy ports, the
// network-policy-api tiers' protocols, Calico's protocol/notProtocol/icmp/notICMP, over IPv4 (ICMP, type 8) and IPv6
// (ICMPv6, type 128). Every row's cell is checked with predict and explain alike.
import t, { type Test } from 'tap'
import { parse } from 'yaml'
import { compile, explainCell, predict } from '../../src/evaluator/index.js'
import { ICMP_ECHO, type Pod, type Target } from '../../src/model/cluster.js'
import type { CalicoObject } from '../../src/model/calico.js'
import type { ClusterPolicy } from '../../src/model/cluster-policy.js'
import type { ClusterState } from '../../src/model/state.js'
import type { NetworkPolicy } from '../../src/model/policy.js'
import { calicoSchema } from '../../src/scenario/calico-schema.js'
import { baseState, np } from '../helpers/state.js'

const TCP80: Target = { port: 80, protocol: 'TCP' }

function cal(...docs: string[]): CalicoObject[] {
  return docs.map((d) => calicoSchema.parse({ apiVersion: 'projectcalico.org/v3', ...parse(d) }).object)
}

function cnp(name: string, spec: string): ClusterPolicy {
  return { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name }, spec: parse(spec) }
}

/** The same two namespaces with IPv6 pods only (an IPv6 scenario's cells are ICMPv6 echoes). */
const v6Pods: Pod[] = [
  { namespace: 'x', name: 'a', ip: 'fd00::1:1', labels: { pod: 'a' }, ports: [{ port: 80, protocol: 'TCP' }] },
  { namespace: 'x', name: 'b', ip: 'fd00::1:2', labels: { pod: 'b' }, ports: [{ port: 80, protocol: 'TCP' }] },
]

function verdict(t: Test, s: ClusterState, from: string, to: string, target: Target): string {
  const v = predict(s, [target]).get(from, to, target)!
  t.equal(explainCell(compile(s), from, to, target).verdict, v, `explain agrees on ${from} -> ${to} ${target.protocol}`)
  return v
}

const calicoIn = (rules: string) =>
  `kind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [${rules}]}`

const rows: {
  name: string
  source: string
  policies?: NetworkPolicy[]
  cluster?: ClusterPolicy[]
  calico?: string[]
  v6?: boolean
  target?: Target
  want: string
}[] = [
  {
    name: 'no policy: a ping is allowed',
    source: 'Kubernetes networking: pods are non-isolated by default (concepts/services-networking/network-policies)',
    want: 'allow',
  },
  {
    name: 'Kubernetes: isolation without rules drops the ping',
    source: 'NetworkPolicySpec.policyTypes: an isolated pod admits only what a rule allows',
    policies: [np('{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress]}')],
    want: 'deny',
  },
  {
    name: 'Kubernetes: a rule with ports never admits ICMP',
    source: 'NetworkPolicyPort.protocol: "The protocol (TCP, UDP, or SCTP) which traffic must match"',
    policies: [np('{podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: 80, protocol: TCP}]}]}')],
    want: 'deny',
  },
  {
    name: 'Kubernetes: the same rule still admits its TCP port',
    source: 'NetworkPolicyPort',
    policies: [np('{podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: 80, protocol: TCP}]}]}')],
    target: TCP80,
    want: 'allow',
  },
  {
    name: 'Kubernetes: a rule without ports admits every protocol, ICMP too',
    source: 'NetworkPolicyIngressRule.ports: "If this field is empty or missing, this rule matches all ports"',
    policies: [np('{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}')],
    want: 'allow',
  },
  {
    name: 'Kubernetes egress: a rule without ports lets the ping out, over IPv6 too',
    source: 'NetworkPolicyEgressRule.ports (same wording as ingress)',
    policies: [np('{podSelector: {matchLabels: {pod: b}}, policyTypes: [Egress], egress: [{}]}')],
    v6: true,
    want: 'allow',
  },
  {
    name: 'ClusterNetworkPolicy: a Deny with protocols does not match ICMP',
    source: 'network-policy-api v1alpha2 ClusterNetworkPolicyProtocol: tcp, udp, sctp or destinationNamedPort only',
    cluster: [
      cnp(
        'deny-tcp',
        'tier: Admin\npriority: 1\nsubject: {namespaces: {}}\ningress: [{action: Deny, from: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: 80}}}]}]',
      ),
    ],
    want: 'allow',
  },
  {
    name: 'ClusterNetworkPolicy: a Deny without protocols matches ICMP',
    source: 'network-policy-api v1alpha2: protocols absent: all traffic',
    cluster: [cnp('deny-all', 'tier: Admin\npriority: 1\nsubject: {namespaces: {}}\ningress: [{action: Deny, from: [{namespaces: {}}]}]')],
    want: 'deny',
  },
  {
    name: 'Calico: protocol ICMP allows the echo',
    source: 'projectcalico docs reference/resources/networkpolicy, Rule protocol (ICMP = 1)',
    calico: [calicoIn('{action: Allow, protocol: ICMP}')],
    want: 'allow',
  },
  {
    name: 'Calico: icmp type 8 code 0 is the echo request',
    source: 'resources/networkpolicy "ICMP": type and code; RFC 792 echo request type 8 code 0',
    calico: [calicoIn('{action: Allow, protocol: ICMP, icmp: {type: 8, code: 0}}')],
    want: 'allow',
  },
  {
    name: 'Calico: icmp type 8 code 1 is not the echo request (end-of-tier deny)',
    source: 'resources/networkpolicy "ICMP": code matched only with its type',
    calico: [calicoIn('{action: Allow, protocol: ICMP, icmp: {type: 8, code: 1}}')],
    want: 'deny',
  },
  {
    name: 'Calico: icmp type 0 (echo reply) does not match a request',
    source: 'RFC 792 type 0 echo reply',
    calico: [calicoIn('{action: Allow, protocol: ICMP, icmp: {type: 0}}')],
    want: 'deny',
  },
  {
    name: 'Calico: notICMP type 8 excludes the echo request',
    source: 'resources/networkpolicy Rule notICMP',
    calico: [calicoIn('{action: Allow, protocol: ICMP, notICMP: {type: 8}}')],
    want: 'deny',
  },
  {
    name: 'Calico: notICMP type 8 code 5 leaves the echo request (code 0)',
    source: 'resources/networkpolicy Rule notICMP (type and code together)',
    calico: [calicoIn('{action: Allow, protocol: ICMP, notICMP: {type: 8, code: 5}}')],
    want: 'allow',
  },
  {
    name: 'Calico: a Deny on ICMP before an Allow of everything',
    source: 'felix/rules: rules in order, Deny final',
    calico: [calicoIn('{action: Deny, protocol: ICMP}, {action: Allow}')],
    want: 'deny',
  },
  {
    name: 'Calico: notProtocol TCP matches ICMP',
    source: 'resources/networkpolicy Rule notProtocol',
    calico: [calicoIn('{action: Allow, notProtocol: TCP}')],
    want: 'allow',
  },
  {
    name: 'Calico: notProtocol ICMP excludes the echo',
    source: 'resources/networkpolicy Rule notProtocol',
    calico: [calicoIn('{action: Allow, notProtocol: ICMP}')],
    want: 'deny',
  },
  {
    name: 'Calico: protocol TCP does not match ICMP',
    source: 'Rule protocol',
    calico: [calicoIn('{action: Allow, protocol: TCP}')],
    want: 'deny',
  },
  {
    name: 'Calico: protocol ICMPv6 does not match an IPv4 echo',
    source: 'Rule protocol ICMPv6 = 58 (RFC 4443), IPv4 echo is protocol 1',
    calico: [calicoIn('{action: Allow, protocol: ICMPv6}')],
    want: 'deny',
  },
  {
    name: 'Calico IPv6: protocol ICMP (1) does not match an ICMPv6 echo',
    source: 'RFC 4443: ICMPv6 is protocol 58',
    calico: [calicoIn('{action: Allow, protocol: ICMP}')],
    v6: true,
    want: 'deny',
  },
  {
    name: 'Calico IPv6: ICMPv6 type 128 is the echo request',
    source: 'resources/networkpolicy "ICMP" with protocol ICMPv6; RFC 4443 echo request type 128',
    calico: [calicoIn('{action: Allow, protocol: ICMPv6, icmp: {type: 128, code: 0}}')],
    v6: true,
    want: 'allow',
  },
  {
    name: 'Calico IPv6: ICMPv6 type 8 is not',
    source: 'RFC 4443: type 8 is not an ICMPv6 echo request',
    calico: [calicoIn('{action: Allow, protocol: ICMPv6, icmp: {type: 8}}')],
    v6: true,
    want: 'deny',
  },
  {
    name: 'Calico: ipVersion 6 does not match an IPv4 echo',
    source: 'Rule ipVersion',
    calico: [calicoIn('{action: Allow, ipVersion: 6, protocol: ICMPv6}')],
    want: 'deny',
  },
]

for (const r of rows)
  t.test(r.name, async (t) => {
    const s: ClusterState = {
      ...baseState(r.policies ?? [], r.v6 ? v6Pods : undefined),
      ...(r.cluster ? { clusterPolicies: r.cluster } : {}),
      ...(r.calico ? { calico: cal(...r.calico) } : {}),
    }
    t.equal(verdict(t, s, 'x/b', 'x/a', r.target ?? ICMP_ECHO), r.want, `${r.want} (source: ${r.source})`)
  })

t.test('explain names the Calico rule that decided an ICMP cell', async (t) => {
  const s: ClusterState = { ...baseState(), calico: cal(calicoIn('{action: Allow, protocol: TCP}, {action: Deny, protocol: ICMP}')) }
  const e = explainCell(compile(s), 'x/b', 'x/a', ICMP_ECHO)
  t.equal(e.verdict, 'deny')
  t.match(JSON.stringify(e), /"rule":1/, 'rule 1 (the ICMP Deny) decided, not rule 0')
})

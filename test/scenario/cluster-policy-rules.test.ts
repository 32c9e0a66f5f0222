// One row per rule of the network-policy-api CRDs (kubernetes-sigs/network-policy-api v0.2.0 for v1alpha2, v0.1.x for
// v1alpha1) that scenario validation mirrors, with the Go marker that states it: exit 2 with the path, as kubectl would.
import t from 'tap'
import { HEAD, problems } from '../helpers/scenario-text.js'

const V2 = 'apis/v1alpha2/clusternetworkpolicy_types.go'
const V1 = 'apis/v1alpha1/adminnetworkpolicy_types.go'
const V1B = 'apis/v1alpha1/baselineadminnetworkpolicy_types.go'
const V1S = 'apis/v1alpha1/shared_types.go'

/** One step applying a ClusterNetworkPolicy with this spec (flow YAML). */
const cnp = (spec: string, name = 'p') =>
  `${HEAD}steps:\n  - name: one\n    apply:\n      - {apiVersion: policy.networking.k8s.io/v1alpha2, kind: ClusterNetworkPolicy, metadata: {name: ${name}}, spec: ${spec}}\n`
/** One step applying a v1alpha1 object of `kind`. */
const v1 = (kind: string, spec: string, name = 'default') =>
  `${HEAD}steps:\n  - name: one\n    apply:\n      - {apiVersion: policy.networking.k8s.io/v1alpha1, kind: ${kind}, metadata: {name: ${name}}, spec: ${spec}}\n`
const SUBJ = 'subject: {namespaces: {}}'
const FROM = 'from: [{namespaces: {}}]'
const S = 'steps[0].apply[0].spec'
const rules = (n: number, rule: string) => `[${Array.from({ length: n }, () => rule).join(', ')}]`

interface Row {
  readonly rule: string
  readonly cite: string
  readonly text: string
  readonly verdict: 'accept' | { readonly path: string; readonly message: RegExp }
}

const rows: Row[] = [
  { rule: 'a minimal CNP', cite: V2, text: cnp(`{tier: Admin, priority: 0, ${SUBJ}}`), verdict: 'accept' },
  {
    rule: 'tier is Admin or Baseline',
    cite: `${V2} Tier +kubebuilder:validation:Enum`,
    text: cnp(`{tier: Developer, priority: 1, ${SUBJ}}`),
    verdict: { path: `${S}.tier`, message: /Admin or Baseline/ },
  },
  {
    rule: 'tier is required',
    cite: `${V2} ClusterNetworkPolicySpec.Tier (package default +kubebuilder:validation:Required)`,
    text: cnp(`{priority: 1, ${SUBJ}}`),
    verdict: { path: `${S}.tier`, message: /Admin or Baseline/ },
  },
  {
    rule: 'priority at most 1000',
    cite: `${V2} Priority +kubebuilder:validation:Maximum=1000`,
    text: cnp(`{tier: Admin, priority: 1001, ${SUBJ}}`),
    verdict: { path: `${S}.priority`, message: /0 to 1000/ },
  },
  {
    rule: 'priority at least 0',
    cite: `${V2} Priority +kubebuilder:validation:Minimum=0`,
    text: cnp(`{tier: Admin, priority: -1, ${SUBJ}}`),
    verdict: { path: `${S}.priority`, message: /0 to 1000/ },
  },
  {
    rule: 'subject: exactly one of namespaces, pods (none)',
    cite: `${V2} ClusterNetworkPolicySubject MinProperties=1`,
    text: cnp('{tier: Admin, priority: 1, subject: {}}'),
    verdict: { path: `${S}.subject`, message: /exactly one of namespaces, pods/ },
  },
  {
    rule: 'subject: exactly one of namespaces, pods (both)',
    cite: `${V2} ClusterNetworkPolicySubject MaxProperties=1`,
    text: cnp('{tier: Admin, priority: 1, subject: {namespaces: {}, pods: {podSelector: {}}}}'),
    verdict: { path: `${S}.subject`, message: /exactly one/ },
  },
  {
    rule: 'pods needs podSelector',
    cite: `${V2} NamespacedPod.PodSelector +required`,
    text: cnp('{tier: Admin, priority: 1, subject: {pods: {namespaceSelector: {}}}}'),
    verdict: { path: `${S}.subject.pods.podSelector`, message: /required/ },
  },
  {
    rule: 'at most 25 ingress rules',
    cite: `${V2} Ingress +kubebuilder:validation:MaxItems=25`,
    text: cnp(`{tier: Admin, priority: 1, ${SUBJ}, ingress: ${rules(26, `{action: Deny, ${FROM}}`)}}`),
    verdict: { path: `${S}.ingress`, message: /at most 25 rules/ },
  },
  {
    rule: 'action is Accept, Deny or Pass',
    cite: `${V2} ClusterNetworkPolicyRuleAction Enum`,
    text: cnp(`{tier: Admin, priority: 1, ${SUBJ}, ingress: [{action: Allow, ${FROM}}]}`),
    verdict: { path: `${S}.ingress[0].action`, message: /Accept, Deny or Pass/ },
  },
  {
    rule: 'from needs at least one peer',
    cite: `${V2} From +kubebuilder:validation:MinItems=1`,
    text: cnp(`{tier: Admin, priority: 1, ${SUBJ}, ingress: [{action: Deny, from: []}]}`),
    verdict: { path: `${S}.ingress[0].from`, message: /at least one peer/ },
  },
  {
    rule: 'a peer sets exactly one field',
    cite: `${V2} ClusterNetworkPolicyEgressPeer MinProperties=1 MaxProperties=1`,
    text: cnp(`{tier: Admin, priority: 1, ${SUBJ}, egress: [{action: Deny, to: [{namespaces: {}, networks: [10.0.0.0/8]}]}]}`),
    verdict: { path: `${S}.egress[0].to[0]`, message: /exactly one/ },
  },
  {
    rule: 'ingress peers have no networks',
    cite: `${V2} ClusterNetworkPolicyIngressPeer (namespaces, pods only)`,
    text: cnp(`{tier: Admin, priority: 1, ${SUBJ}, ingress: [{action: Deny, from: [{networks: [10.0.0.0/8]}]}]}`),
    verdict: { path: `${S}.ingress[0].from[0].networks`, message: /unknown field/ },
  },
  {
    rule: 'networks are CIDRs',
    cite: `${V2} CIDR XValidation isCIDR(self)`,
    text: cnp(`{tier: Admin, priority: 1, ${SUBJ}, egress: [{action: Deny, to: [{networks: [10.0.0.300/8]}]}]}`),
    verdict: { path: `${S}.egress[0].to[0].networks[0]`, message: /./ },
  },
  {
    rule: 'at most 25 networks',
    cite: `${V2} Networks +kubebuilder:validation:MaxItems=25`,
    text: cnp(
      `{tier: Admin, priority: 1, ${SUBJ}, egress: [{action: Deny, to: [{networks: [${Array.from({ length: 26 }, (_, i) => `10.${i}.0.0/16`).join(', ')}]}]}]}`,
    ),
    verdict: { path: `${S}.egress[0].to[0].networks`, message: /at most 25/ },
  },
  {
    rule: 'a protocol sets exactly one of tcp, udp, sctp, destinationNamedPort',
    cite: `${V2} ClusterNetworkPolicyProtocol MinProperties=1 MaxProperties=1`,
    text: cnp(
      `{tier: Admin, priority: 1, ${SUBJ}, ingress: [{action: Deny, ${FROM}, protocols: [{tcp: {destinationPort: {number: 80}}, udp: {destinationPort: {number: 53}}}]}]}`,
    ),
    verdict: { path: `${S}.ingress[0].protocols[0]`, message: /exactly one of tcp, udp, sctp, destinationNamedPort/ },
  },
  {
    rule: 'tcp needs destinationPort',
    cite: `${V2} ClusterNetworkPolicyProtocolTCP MinProperties=1`,
    text: cnp(`{tier: Admin, priority: 1, ${SUBJ}, ingress: [{action: Deny, ${FROM}, protocols: [{tcp: {}}]}]}`),
    verdict: { path: `${S}.ingress[0].protocols[0].tcp`, message: /destinationPort/ },
  },
  {
    rule: 'port range start < end',
    cite: `${V2} PortRange XValidation self.start < self.end`,
    text: cnp(
      `{tier: Admin, priority: 1, ${SUBJ}, ingress: [{action: Deny, ${FROM}, protocols: [{tcp: {destinationPort: {range: {start: 90, end: 90}}}}]}]}`,
    ),
    verdict: { path: `${S}.ingress[0].protocols[0].tcp.destinationPort.range`, message: /Start port must be less than End port/ },
  },
  {
    rule: 'port number 1-65535',
    cite: `${V2} Port.Number Minimum=1 Maximum=65535`,
    text: cnp(
      `{tier: Admin, priority: 1, ${SUBJ}, ingress: [{action: Deny, ${FROM}, protocols: [{udp: {destinationPort: {number: 0}}}]}]}`,
    ),
    verdict: { path: `${S}.ingress[0].protocols[0].udp.destinationPort.number`, message: /1 to 65535/ },
  },
  {
    rule: 'networks cannot be combined with a named port',
    cite: `${V2} ClusterNetworkPolicyEgressRule XValidation (networks/nodes/domainNames with namedPorts)`,
    text: cnp(
      `{tier: Admin, priority: 1, ${SUBJ}, egress: [{action: Deny, to: [{networks: [10.0.0.0/8]}], protocols: [{destinationNamedPort: web}]}]}`,
    ),
    verdict: { path: `${S}.egress[0]`, message: /cannot be set with namedPorts/ },
  },
  {
    rule: 'rule names at most 100 characters',
    cite: `${V2} Name +kubebuilder:validation:MaxLength=100`,
    text: cnp(`{tier: Admin, priority: 1, ${SUBJ}, ingress: [{name: ${'n'.repeat(101)}, action: Deny, ${FROM}}]}`),
    verdict: { path: `${S}.ingress[0].name`, message: /100/ },
  },
  {
    rule: 'cluster-scoped: no namespace',
    cite: `${V2} +kubebuilder:resource:scope=Cluster`,
    text: `${HEAD}steps:\n  - name: one\n    apply:\n      - {apiVersion: policy.networking.k8s.io/v1alpha2, kind: ClusterNetworkPolicy, metadata: {name: p, namespace: x}, spec: {tier: Admin, priority: 1, ${SUBJ}}}\n`,
    verdict: { path: 'steps[0].apply[0].metadata.namespace', message: /unknown field/ },
  },
  {
    rule: 'ANP: actions Allow, Deny, Pass',
    cite: `${V1} AdminNetworkPolicyRuleAction`,
    text: v1('AdminNetworkPolicy', `{priority: 1, ${SUBJ}, ingress: [{action: Accept, ${FROM}}]}`, 'a'),
    verdict: { path: `${S}.ingress[0].action`, message: /Allow, Deny or Pass/ },
  },
  {
    rule: 'ANP: at most 100 ingress rules',
    cite: `${V1} Ingress +kubebuilder:validation:MaxItems=100`,
    text: v1('AdminNetworkPolicy', `{priority: 1, ${SUBJ}, ingress: ${rules(101, `{action: Deny, ${FROM}}`)}}`, 'a'),
    verdict: { path: `${S}.ingress`, message: /at most 100 rules/ },
  },
  {
    rule: 'ANP: a port sets exactly one of portNumber, namedPort, portRange',
    cite: `${V1S} AdminNetworkPolicyPort MinProperties=1 MaxProperties=1`,
    text: v1(
      'AdminNetworkPolicy',
      `{priority: 1, ${SUBJ}, ingress: [{action: Deny, ${FROM}, ports: [{namedPort: web, portNumber: {port: 80}}]}]}`,
      'a',
    ),
    verdict: { path: `${S}.ingress[0].ports[0]`, message: /exactly one of portNumber, namedPort, portRange/ },
  },
  {
    rule: 'ANP: priority required',
    cite: `${V1} AdminNetworkPolicySpec.Priority`,
    text: v1('AdminNetworkPolicy', `{${SUBJ}}`, 'a'),
    verdict: { path: `${S}.priority`, message: /priority is required/ },
  },
  {
    rule: 'ANP: portNumber protocol defaults to TCP',
    cite: `${V1S} Port.Protocol (defaults to TCP)`,
    text: v1('AdminNetworkPolicy', `{priority: 1, ${SUBJ}, ingress: [{action: Deny, ${FROM}, ports: [{portNumber: {port: 80}}]}]}`, 'a'),
    verdict: 'accept',
  },
  {
    rule: 'BANP: the singleton is named default',
    cite: `${V1B} XValidation self.metadata.name == 'default'`,
    text: v1('BaselineAdminNetworkPolicy', `{${SUBJ}}`, 'other'),
    verdict: { path: 'steps[0].apply[0].metadata.name', message: /metadata.name="default"/ },
  },
  {
    rule: 'BANP: no Pass',
    cite: `${V1B} BaselineAdminNetworkPolicyRuleAction (Allow, Deny)`,
    text: v1('BaselineAdminNetworkPolicy', `{${SUBJ}, ingress: [{action: Pass, ${FROM}}]}`),
    verdict: { path: `${S}.ingress[0].action`, message: /Allow or Deny/ },
  },
  {
    rule: 'BANP: no priority',
    cite: `${V1B} BaselineAdminNetworkPolicySpec (no priority field)`,
    text: v1('BaselineAdminNetworkPolicy', `{priority: 1, ${SUBJ}}`),
    verdict: { path: `${S}.priority`, message: /unknown field/ },
  },
]

for (const row of rows) {
  t.test(`${row.rule} (${row.cite})`, async (t) => {
    const ps = problems(row.text)
    if (row.verdict === 'accept') return void t.same(ps, [], 'accepted')
    const { path, message } = row.verdict
    t.ok(
      ps.some((p) => p.path === path && message.test(p.message + (p.hint ? ` ${p.hint}` : ''))),
      `problem at ${path} matching ${message}; got ${JSON.stringify(ps.map((p) => [p.path ?? '', p.message] as const))}`,
    )
  })
}

t.test('delete names a cluster policy by kind and name, and it must exist', async (t) => {
  const missing = problems(`${HEAD}steps:\n  - name: one\n    delete: [{kind: ClusterNetworkPolicy, name: nope}]\n`).map(
    (p) => [p.path ?? '', p.message] as const,
  )
  t.ok(
    missing.some(([p, m]) => p === 'steps[0].delete[0]' && /no ClusterNetworkPolicy nope exists/.test(m)),
    JSON.stringify(missing),
  )
  const both = problems(`${HEAD}steps:\n  - name: one\n    delete: [{namespace: x, kind: AdminNetworkPolicy, name: p}]\n`).map(
    (p) => [p.path ?? '', p.message] as const,
  )
  t.ok(
    both.some(([p, m]) => p === 'steps[0].delete[0]' && /by namespace and name, or a cluster policy by kind and name/.test(m)),
    JSON.stringify(both),
  )
  const ok = cnp(`{tier: Admin, priority: 1, ${SUBJ}}`) + '  - name: two\n    delete: [{kind: ClusterNetworkPolicy, name: p}]\n'
  t.same(problems(ok), [], 'deleting an applied one is fine')
})

// One row per API-server rule the scenario validation mirrors, with where upstream states it (kubernetes/kubernetes
// unless said otherwise): a harness that validates a CNI must accept exactly what `kubectl apply` accepts.
import t from 'tap'
import { parseScenario } from '../../src/scenario/parse.js'
import { HEAD, policyStep as policy, problems } from '../helpers/scenario-text.js'

const NP = 'pkg/apis/networking/validation/validation.go'
const IP = 'staging/src/k8s.io/apimachinery/pkg/util/validation/ip.go'
const SLOPPY = 'k8s.io/utils/net ParseCIDRSloppy / ParseIPSloppy (Go 1.16 net.ParseCIDR / net.ParseIP)'
const SPEC = 'steps[0].apply[0].spec'
const PEER = `${SPEC}.ingress[0].from[0].ipBlock`

/** A policy whose only ingress peer is `ipBlock: {cidr, except}`. */
const ipBlock = (cidr: string, except?: string) =>
  HEAD + policy(`{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: "${cidr}"${except ? `, except: ["${except}"]` : ''}}}]}]}`)

/** Namespace x with pod a at `ip`, external e at `extIp`. */
const addresses = (ip: string, extIp = '192.0.2.10') =>
  `name: s\nnamespaces:\n  x:\n    pods:\n      a: {ip: "${ip}"}\nexternals:\n  e: {ip: "${extIp}"}\nsteps: [{name: a}]\n`

const MERGE = `name: s
namespaces:
  x:
    pods:
      a: {labels: {app: a}}
steps:
  - name: one
    apply:
      - &base
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: p, namespace: x}
        spec: {podSelector: {matchLabels: {app: a}}}
      - <<: *base
        metadata: {name: q, namespace: x}
`

/** `accept`, or the problem expected: its YAML path and message. */
type Verdict = 'accept' | { readonly path: string; readonly message: RegExp }

interface Row {
  readonly rule: string
  /** Upstream file and function stating the rule. */
  readonly cite: string
  readonly text: string
  readonly verdict: Verdict
}

const rows: Row[] = [
  // CIDRs: ValidateIPBlock -> IsValidCIDRForLegacyField -> parseCIDR (ParseCIDRSloppy, then the strict checks).
  {
    rule: 'IPv4 CIDR: four decimal octets',
    cite: `${NP} ValidateIPBlock; ${SLOPPY}`,
    text: ipBlock('10.1/16'),
    verdict: { path: `${PEER}.cidr`, message: /four decimal octets/ },
  },
  {
    rule: 'IPv4 CIDR: three octets',
    cite: `${NP} ValidateIPBlock; ${SLOPPY}`,
    text: ipBlock('1.2.3/24'),
    verdict: { path: `${PEER}.cidr`, message: /four decimal octets/ },
  },
  {
    rule: 'IPv4 CIDR: no hexadecimal',
    cite: `${NP} ValidateIPBlock; ${SLOPPY}`,
    text: ipBlock('0x0a.0.1.0/24'),
    verdict: { path: `${PEER}.cidr`, message: /four decimal octets/ },
  },
  {
    rule: 'IPv4 CIDR: no single number',
    cite: `${NP} ValidateIPBlock; ${SLOPPY}`,
    text: ipBlock('167772416/24'),
    verdict: { path: `${PEER}.cidr`, message: /four decimal octets/ },
  },
  {
    rule: 'IPv6 CIDR: no zone',
    cite: `${NP} ValidateIPBlock; ${SLOPPY}`,
    text: ipBlock('fe80::1%eth0/64'),
    verdict: { path: `${PEER}.cidr`, message: /zone/ },
  },
  {
    rule: 'except: same syntax as cidr',
    cite: `${NP} ValidateIPBlock (each except through IsValidCIDRForLegacyField)`,
    text: ipBlock('10.0.0.0/8', '10.5/16'),
    verdict: { path: `${PEER}.except[0]`, message: /four decimal octets/ },
  },
  // Leading zeros: decimal to ParseCIDRSloppy (with a warning, GetWarningsForCIDR), octal to ipaddr.js; strict validation rejects them.
  {
    rule: 'no leading zeros in octets (strict)',
    cite: `${IP} parseCIDR (StrictIPCIDRValidation), GetWarningsForCIDR`,
    text: ipBlock('10.0.1.010/32'),
    verdict: { path: `${PEER}.cidr`, message: /leading zeros.*write 10\.0\.1\.10/ },
  },
  {
    rule: 'no leading zeros in the prefix length (strict)',
    cite: `${IP} parseCIDR (StrictIPCIDRValidation)`,
    text: ipBlock('10.0.0.0/08'),
    verdict: { path: `${PEER}.cidr`, message: /prefix length/ },
  },
  {
    rule: 'no IPv4-mapped IPv6 CIDR (strict)',
    cite: `${IP} parseCIDR (StrictIPCIDRValidation)`,
    text: ipBlock('::ffff:10.0.0.0/104'),
    verdict: { path: `${PEER}.cidr`, message: /dotted IPv4|IPv4-mapped/ },
  },
  {
    rule: 'no IPv4-mapped IPv6 CIDR, hex form (strict)',
    cite: `${IP} parseCIDR (StrictIPCIDRValidation)`,
    text: ipBlock('::ffff:a00:0/104'),
    verdict: { path: `${PEER}.cidr`, message: /IPv4-mapped/ },
  },
  {
    rule: 'host bits allowed (legacy field)',
    cite: `${IP} IsValidCIDRForLegacyField (strictValidation=false)`,
    text: ipBlock('10.0.1.5/24'),
    verdict: 'accept',
  },
  {
    rule: 'non-canonical IPv6 allowed (legacy field)',
    cite: `${IP} IsValidCIDRForLegacyField`,
    text: ipBlock('FD00:0:0:0::/64'),
    verdict: 'accept',
  },
  // Pod and external addresses: what a Pod's status.podIPs would accept (IsValidIPForLegacyField).
  {
    rule: 'pod ip: four decimal octets',
    cite: `${IP} IsValidIPForLegacyField; ${SLOPPY}`,
    text: addresses('10.1'),
    verdict: { path: 'namespaces.x.pods.a.ip', message: /four decimal octets/ },
  },
  {
    rule: 'pod ip: no leading zeros (strict)',
    cite: `${IP} parseIP (StrictIPCIDRValidation)`,
    text: addresses('010.0.1.5'),
    verdict: { path: 'namespaces.x.pods.a.ip', message: /leading zeros/ },
  },
  {
    rule: 'external ip: no zone',
    cite: `${IP} IsValidIPForLegacyField; ${SLOPPY}`,
    text: addresses('10.0.1.5', 'fe80::1%eth0'),
    verdict: { path: 'externals.e.ip', message: /zone/ },
  },
  // The spec: ValidateNetworkPolicySpec validates &spec.PodSelector, a non-pointer struct: absent is the empty selector.
  { rule: 'podSelector is optional', cite: `${NP} ValidateNetworkPolicySpec`, text: HEAD + policy('{ingress: [{}]}'), verdict: 'accept' },
  {
    rule: 'spec is optional',
    cite: `${NP} ValidateNetworkPolicy`,
    text: HEAD + policy('{}').replace('        spec: {}\n', ''),
    verdict: 'accept',
  },
  // Explicit nulls: JSON null leaves a Go pointer, slice or struct field unset.
  {
    rule: 'podSelector: null is unset',
    cite: `${NP} ValidateNetworkPolicySpec (encoding/json: null is a no-op)`,
    text: HEAD + policy('{podSelector: null}'),
    verdict: 'accept',
  },
  {
    rule: 'ingress: (no value) is unset',
    cite: `${NP} ValidateNetworkPolicySpec`,
    text: HEAD + policy('{podSelector: {}, ingress: , policyTypes: null}'),
    verdict: 'accept',
  },
  {
    rule: 'from/ports: null are unset',
    cite: `${NP} ValidateNetworkPolicySpec`,
    text: HEAD + policy('{podSelector: {}, ingress: [{from: null, ports: null}]}'),
    verdict: 'accept',
  },
  {
    rule: 'except: null is unset',
    cite: `${NP} ValidateIPBlock`,
    text: HEAD + policy('{ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: null}}]}]}'),
    verdict: 'accept',
  },
  {
    rule: 'values: null is unset',
    cite: 'staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go ValidateLabelSelectorRequirement',
    text: HEAD + policy('{podSelector: {matchExpressions: [{key: app, operator: Exists, values: null}]}}'),
    verdict: 'accept',
  },
  {
    rule: 'a null list item is the zero object',
    cite: `${NP} ValidateNetworkPolicySpec (encoding/json: null into a struct is a no-op)`,
    text: HEAD + policy('{podSelector: {}, ingress: [null]}'),
    verdict: 'accept',
  },
  {
    rule: 'a null peer is a peer that selects nothing',
    cite: `${NP} ValidateNetworkPolicyPeer ("must specify a peer")`,
    text: HEAD + policy('{podSelector: {}, ingress: [{from: [null]}]}'),
    verdict: { path: `${SPEC}.ingress[0].from[0]`, message: /must set podSelector, namespaceSelector or ipBlock/ },
  },
  // policyTypes: only more than two entries, or other values, are errors.
  {
    rule: 'policyTypes may repeat an entry',
    cite: `${NP} ValidateNetworkPolicySpec`,
    text: HEAD + policy('{podSelector: {}, policyTypes: [Ingress, Ingress]}'),
    verdict: 'accept',
  },
  {
    rule: 'policyTypes: at most two entries',
    cite: `${NP} ValidateNetworkPolicySpec`,
    text: HEAD + policy('{podSelector: {}, policyTypes: [Ingress, Egress, Ingress]}'),
    verdict: { path: `${SPEC}.policyTypes`, message: /at most two/ },
  },
  // Annotations: ValidateObjectMeta -> ValidateAnnotations: keys are qualified names once lowercased.
  {
    rule: 'annotation keys are qualified names',
    cite: 'staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go ValidateAnnotations',
    text: HEAD + policy('{podSelector: {}}', '{name: p, namespace: x, annotations: {"bad key!": v}}'),
    verdict: { path: 'steps[0].apply[0].metadata.annotations.bad key!', message: /annotation key/ },
  },
  {
    rule: 'annotation keys: case does not matter',
    cite: 'staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go ValidateAnnotations',
    text: HEAD + policy('{podSelector: {}}', '{name: p, namespace: x, annotations: {Example.COM/Key: v}}'),
    verdict: 'accept',
  },
  // The namespace name label: SetDefaults_Namespace resets it to the name, so another value is rejected here.
  {
    rule: 'kubernetes.io/metadata.name is the namespace name',
    cite: 'pkg/apis/core/v1/defaults.go SetDefaults_Namespace; pkg/registry/core/namespace/strategy.go',
    text: 'name: s\nnamespaces: {x: {labels: {kubernetes.io/metadata.name: y}}}\nsteps: [{name: a}]\n',
    verdict: { path: 'namespaces.x.labels.kubernetes.io/metadata.name', message: /must be "x" or left out: the API server always sets it/ },
  },
  // YAML: kubectl decodes with sigs.k8s.io/yaml (go-yaml), which resolves merge keys.
  { rule: 'YAML merge keys', cite: 'sigs.k8s.io/yaml (go-yaml v2 merge keys)', text: MERGE, verdict: 'accept' },
  // Pods: a repeated port and protocol is only a warning upstream, but the harness cannot create it.
  {
    rule: 'a pod lists each port and protocol once',
    cite: 'pkg/api/pod/warnings.go ("duplicate port definition"); harness restriction',
    text: HEAD.replace('b: {}', 'b: {ports: [{port: 80}, {port: 80, protocol: TCP}]}') + 'steps: [{name: a}]\n',
    verdict: { path: 'namespaces.x.pods.b.ports[1]', message: /80\/TCP is already listed at ports\[0\]/ },
  },
  {
    rule: 'a pod uses each port name once',
    cite: 'pkg/apis/core/validation/validation.go validateContainerPorts',
    text: HEAD.replace('b: {}', 'b: {ports: [{name: web, port: 80}, {name: web, port: 81}]}') + 'steps: [{name: a}]\n',
    verdict: { path: 'namespaces.x.pods.b.ports[1].name', message: /already used/ },
  },
]

for (const row of rows) {
  t.test(`${row.rule} (${row.cite})`, async (t) => {
    const ps = problems(row.text)
    if (row.verdict === 'accept') {
      t.same(ps, [], 'accepted')
      return
    }
    const { path, message } = row.verdict
    t.equal(ps.length, 1, `exactly one problem; got ${JSON.stringify(ps)}`)
    t.equal(ps[0]?.path, path)
    t.match(ps[0]?.message, message)
    t.equal(ps[0]?.file, 'test.yaml')
    t.ok((ps[0]?.line ?? 0) > 0, 'with a line')
  })
}

t.test('what is accepted means what the API server means', async (t) => {
  const parsed = (text: string) => {
    const r = parseScenario(text, 'test.yaml', () => undefined)
    if (!r.ok) throw new Error(JSON.stringify(r.problems))
    return r.scenario
  }
  const merged = parsed(MERGE).steps[0].actions.flatMap((a) => (a.kind === 'apply-policy' ? [a.policy] : []))
  t.same(
    merged.map((p) => [p.metadata.name, p.spec.podSelector]),
    [
      ['p', { matchLabels: { app: 'a' } }],
      ['q', { matchLabels: { app: 'a' } }],
    ],
    'the merge key copies the anchored fields; explicit keys win',
  )
  const nulls = parsed(HEAD + policy('{podSelector: null, ingress: [{from: null}], policyTypes: null}')).steps[0].actions
  t.same(
    nulls.flatMap((a) => (a.kind === 'apply-policy' ? [a.policy.spec] : [])),
    [{ podSelector: {}, ingress: [{}] }],
    'nulls are unset fields; podSelector defaults to the empty selector',
  )
})

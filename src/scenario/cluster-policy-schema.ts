// Why: validate ClusterNetworkPolicy (v1alpha2), AdminNetworkPolicy and BaselineAdminNetworkPolicy (v1alpha1) the way
// their CRDs' OpenAPI and CEL rules do (network-policy-api apis/v1alpha2/clusternetworkpolicy_types.go,
// apis/v1alpha1/{adminnetworkpolicy,baselineadminnetworkpolicy,shared}_types.go; docs/cluster-policy.md lists each).
import { z } from 'zod'
import type { AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy, ClusterPolicy } from '../model/cluster-policy.js'
import { annotations, checked, cidrError, dns1123SubdomainError, labels, portNameError, portNumber, protocol } from './fields.js'
import { k8sObject } from './k8s-object.js'
import { labelSelector } from './policy-schema.js'

type Ctx = z.core.$RefinementCtx

/** `+kubebuilder:validation:MinProperties=1` and `MaxProperties=1`: exactly one of `keys` is set. */
function exactlyOne(v: Record<string, unknown>, keys: readonly string[], ctx: Ctx, what: string): void {
  const set = keys.filter((k) => v[k] !== undefined)
  if (set.length !== 1)
    ctx.addIssue({
      code: 'custom',
      message: `${what} must set exactly one of ${keys.join(', ')} (got ${set.length ? set.join(', ') : 'none'})`,
    })
}

/** `NamespacedPod`: podSelector required, namespaceSelector optional (absent: every namespace). */
const namespacedPod = k8sObject({ namespaceSelector: labelSelector.prefault({}), podSelector: labelSelector })

const subject = k8sObject({ namespaces: labelSelector.optional(), pods: namespacedPod.optional() }).superRefine((s, ctx) =>
  exactlyOne(s, ['namespaces', 'pods'], ctx, 'subject'),
)

const ingressPeer = k8sObject({ namespaces: labelSelector.optional(), pods: namespacedPod.optional() }).superRefine((p, ctx) =>
  exactlyOne(p, ['namespaces', 'pods'], ctx, 'a peer'),
)

/** `CIDR`: isCIDR(self) (v1alpha2) / an IPv4 or IPv6 CIDR (v1alpha1), at most 43 characters. */
const cidr = checked((s) => (s.length > 43 ? 'a CIDR has at most 43 characters' : cidrError(s)))
const networks = z.array(cidr).min(1, { error: 'networks needs at least one CIDR' }).max(25, { error: 'networks has at most 25 CIDRs' })
const DOMAIN = /^(\*\.)?([a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/
const domainNames = z
  .array(z.string().regex(DOMAIN, { error: 'a domain name, optionally starting with *.' }))
  .min(1, { error: 'domainNames needs at least one name' })
  .max(25, { error: 'domainNames has at most 25 names' })

const egressPeerOf = (v2: boolean) =>
  k8sObject({
    namespaces: labelSelector.optional(),
    pods: namespacedPod.optional(),
    networks: networks.optional(),
    nodes: labelSelector.optional(),
    ...(v2 ? { domainNames: domainNames.optional() } : {}),
  }).superRefine((p, ctx) =>
    exactlyOne(
      p,
      v2 ? ['namespaces', 'pods', 'networks', 'nodes', 'domainNames'] : ['namespaces', 'pods', 'networks', 'nodes'],
      ctx,
      'a peer',
    ),
  )

const ruleName = z.string().max(100, { error: 'a rule name has at most 100 characters' }).optional()

// v1alpha2: Port (exactly one of number, range; start < end), protocols (exactly one of tcp, udp, sctp, destinationNamedPort).
const cnpPort = k8sObject({
  number: portNumber.optional(),
  range: k8sObject({ start: portNumber, end: portNumber })
    .superRefine((r, ctx) => {
      if (!(r.start < r.end)) ctx.addIssue({ code: 'custom', message: `Start port must be less than End port (${r.start} >= ${r.end})` })
    })
    .optional(),
}).superRefine((p, ctx) => exactlyOne(p, ['number', 'range'], ctx, 'destinationPort'))
const l4 = k8sObject({ destinationPort: cnpPort.optional() }).superRefine((p, ctx) => {
  if (p.destinationPort === undefined) ctx.addIssue({ code: 'custom', message: 'must set destinationPort (MinProperties=1)' })
})
const cnpProtocol = k8sObject({
  tcp: l4.optional(),
  udp: l4.optional(),
  sctp: l4.optional(),
  destinationNamedPort: checked(portNameError).optional(),
}).superRefine((p, ctx) => exactlyOne(p, ['tcp', 'udp', 'sctp', 'destinationNamedPort'], ctx, 'a protocol'))
const protocols = z
  .array(cnpProtocol)
  .min(1, { error: 'protocols needs at least one entry (or leave it out: all ports)' })
  .max(25, { error: 'protocols has at most 25 entries' })
const cnpAction = z.enum(['Accept', 'Deny', 'Pass'], {
  error: (i) => `action must be Accept, Deny or Pass (got ${JSON.stringify(i.input)})`,
})
const peers = <T extends z.ZodType>(p: T) =>
  z.array(p).min(1, { error: 'at least one peer is required' }).max(25, { error: 'at most 25 peers' })

/** The egress CEL rule of v1alpha2: networks/nodes/domainNames peers cannot be combined with a named port. */
function noNamedPortToNetworks(
  r: { to: readonly Record<string, unknown>[]; protocols?: readonly object[] },
  ctx: Ctx,
  named: 'destinationNamedPort' | 'namedPort',
) {
  const hostPeers = r.to.some((p) => p.networks !== undefined || p.nodes !== undefined || p.domainNames !== undefined)
  const hasNamed = (r.protocols ?? []).some((p) => (p as Record<string, unknown>)[named] !== undefined)
  if (hostPeers && hasNamed)
    ctx.addIssue({
      code: 'custom',
      message: `networks/nodes/domainNames peer cannot be set with ${named === 'namedPort' ? 'namedPort' : 'namedPorts'} since there are no namedPorts for networks/nodes/domainNames`,
    })
}

const metadata = k8sObject({ name: checked(dns1123SubdomainError), labels: labels.optional(), annotations: annotations.optional() })
const priority = z
  .number({ error: (i) => (i.input === undefined ? 'priority is required (0 to 1000)' : 'priority must be a number from 0 to 1000') })
  .int({ error: 'priority must be a whole number' })
  .min(0, { error: 'priority must be from 0 to 1000' })
  .max(1000, { error: 'priority must be from 0 to 1000' })

/** policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy as its CRD validates it. */
export const clusterNetworkPolicySchema: z.ZodType<ClusterNetworkPolicy> = k8sObject(
  {
    apiVersion: z.literal('policy.networking.k8s.io/v1alpha2', {
      error: (i) => `apiVersion must be policy.networking.k8s.io/v1alpha2 (got ${JSON.stringify(i.input)})`,
    }),
    kind: z.literal('ClusterNetworkPolicy'),
    metadata,
    spec: k8sObject({
      tier: z.enum(['Admin', 'Baseline'], { error: (i) => `tier must be Admin or Baseline (got ${JSON.stringify(i.input)})` }),
      priority,
      subject,
      ingress: z
        .array(k8sObject({ name: ruleName, action: cnpAction, from: peers(ingressPeer), protocols: protocols.optional() }))
        .max(25, { error: 'ingress has at most 25 rules' })
        .optional(),
      egress: z
        .array(
          k8sObject({ name: ruleName, action: cnpAction, to: peers(egressPeerOf(true)), protocols: protocols.optional() }).superRefine(
            (r, ctx) => noNamedPortToNetworks(r, ctx, 'destinationNamedPort'),
          ),
        )
        .max(25, { error: 'egress has at most 25 rules' })
        .optional(),
    }),
  },
  { nullIsEmpty: false },
) as z.ZodType<ClusterNetworkPolicy>

// v1alpha1: AdminNetworkPolicyPort (exactly one of portNumber, namedPort, portRange; protocol defaults to TCP).
const anpPort = k8sObject({
  portNumber: k8sObject({ protocol: protocol.default('TCP'), port: portNumber }).optional(),
  namedPort: checked(portNameError).optional(),
  portRange: k8sObject({ protocol: protocol.default('TCP'), start: portNumber, end: portNumber })
    .superRefine((r, ctx) => {
      if (!(r.start < r.end)) ctx.addIssue({ code: 'custom', message: `Start port must be less than End port (${r.start} >= ${r.end})` })
    })
    .optional(),
}).superRefine((p, ctx) => exactlyOne(p, ['portNumber', 'namedPort', 'portRange'], ctx, 'a port'))
const anpPorts = z.array(anpPort).max(100, { error: 'ports has at most 100 entries' })
const anpPeers = <T extends z.ZodType>(p: T) =>
  z.array(p).min(1, { error: 'at least one peer is required' }).max(100, { error: 'at most 100 peers' })
const v1alpha1 = z.literal('policy.networking.k8s.io/v1alpha1', {
  error: (i) => `apiVersion must be policy.networking.k8s.io/v1alpha1 (got ${JSON.stringify(i.input)})`,
})

const anpRulesOf = <A extends z.ZodType>(action: A) => ({
  ingress: z
    .array(k8sObject({ name: ruleName, action, from: anpPeers(ingressPeer), ports: anpPorts.optional() }))
    .max(100, { error: 'ingress has at most 100 rules' })
    .optional(),
  egress: z
    .array(
      k8sObject({ name: ruleName, action, to: anpPeers(egressPeerOf(false)), ports: anpPorts.optional() }).superRefine((r, ctx) =>
        noNamedPortToNetworks({ to: r.to, protocols: r.ports }, ctx, 'namedPort'),
      ),
    )
    .max(100, { error: 'egress has at most 100 rules' })
    .optional(),
})

/** policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy as its CRD validates it. */
export const adminNetworkPolicySchema: z.ZodType<AdminNetworkPolicy> = k8sObject(
  {
    apiVersion: v1alpha1,
    kind: z.literal('AdminNetworkPolicy'),
    metadata,
    spec: k8sObject({
      priority,
      subject,
      ...anpRulesOf(
        z.enum(['Allow', 'Deny', 'Pass'], { error: (i) => `action must be Allow, Deny or Pass (got ${JSON.stringify(i.input)})` }),
      ),
    }),
  },
  { nullIsEmpty: false },
) as z.ZodType<AdminNetworkPolicy>

/** policy.networking.k8s.io/v1alpha1 BaselineAdminNetworkPolicy: the singleton `default`, Allow or Deny only. */
export const baselineAdminNetworkPolicySchema: z.ZodType<BaselineAdminNetworkPolicy> = k8sObject(
  {
    apiVersion: v1alpha1,
    kind: z.literal('BaselineAdminNetworkPolicy'),
    metadata: metadata.superRefine((m, ctx) => {
      if (m.name !== 'default')
        ctx.addIssue({
          code: 'custom',
          path: ['name'],
          message: `Only one baseline admin network policy with metadata.name="default" can be created in the cluster (got "${m.name}")`,
        })
    }),
    spec: k8sObject({
      subject,
      ...anpRulesOf(z.enum(['Allow', 'Deny'], { error: (i) => `action must be Allow or Deny (got ${JSON.stringify(i.input)})` })),
    }),
  },
  { nullIsEmpty: false },
) as z.ZodType<BaselineAdminNetworkPolicy>

/** The schema for an object of `kind`, or undefined when the kind is not a cluster policy. */
export function clusterPolicySchemaFor(kind: unknown): z.ZodType<ClusterPolicy> | undefined {
  if (kind === 'ClusterNetworkPolicy') return clusterNetworkPolicySchema
  if (kind === 'AdminNetworkPolicy') return adminNetworkPolicySchema
  if (kind === 'BaselineAdminNetworkPolicy') return baselineAdminNetworkPolicySchema
  return undefined
}

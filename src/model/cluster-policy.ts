// Why: the cluster-scoped policy kinds of the Kubernetes network-policy-api as the API defines them
// (ClusterNetworkPolicy v1alpha2; AdminNetworkPolicy and BaselineAdminNetworkPolicy v1alpha1), and one tiered view of
// all three (`tieredView`) that the evaluator and the local dataplane read. See docs/cluster-policy.md for the sources.
import type { Labels, Protocol } from './cluster.js'
import type { LabelSelector } from './policy.js'

/** Pods by namespace AND pod selectors (`NamespacedPod`); an omitted namespaceSelector is the empty one (every namespace). */
export interface NamespacedPod {
  readonly namespaceSelector: LabelSelector
  readonly podSelector: LabelSelector
}

/** The pods a cluster policy applies to: exactly one of the two forms. */
export interface ClusterPolicySubject {
  readonly namespaces?: LabelSelector
  readonly pods?: NamespacedPod
}

/** An ingress peer: exactly one of namespaces or pods. */
export interface ClusterPolicyIngressPeer {
  readonly namespaces?: LabelSelector
  readonly pods?: NamespacedPod
}

/** An egress peer: namespaces, pods, networks (CIDRs, pod addresses too), or the experimental nodes / domainNames. */
export interface ClusterPolicyEgressPeer extends ClusterPolicyIngressPeer {
  readonly networks?: readonly string[]
  readonly nodes?: LabelSelector
  readonly domainNames?: readonly string[]
}

/** v1alpha2 `Port`: a number or a range (start < end). */
export interface CnpPort {
  readonly number?: number
  readonly range?: { readonly start: number; readonly end: number }
}

/** v1alpha2 `ClusterNetworkPolicyProtocol`: exactly one of tcp, udp, sctp or destinationNamedPort. */
export interface CnpProtocol {
  readonly tcp?: { readonly destinationPort?: CnpPort }
  readonly udp?: { readonly destinationPort?: CnpPort }
  readonly sctp?: { readonly destinationPort?: CnpPort }
  readonly destinationNamedPort?: string
}

/** v1alpha2 rule actions. */
export type CnpAction = 'Accept' | 'Deny' | 'Pass'

/** A v1alpha2 ingress rule. */
export interface CnpIngressRule {
  readonly name?: string
  readonly action: CnpAction
  readonly from: readonly ClusterPolicyIngressPeer[]
  readonly protocols?: readonly CnpProtocol[]
}

/** A v1alpha2 egress rule. */
export interface CnpEgressRule {
  readonly name?: string
  readonly action: CnpAction
  readonly to: readonly ClusterPolicyEgressPeer[]
  readonly protocols?: readonly CnpProtocol[]
}

/** The two tiers a cluster policy can sit in: before and after the NetworkPolicy tier. */
export type Tier = 'Admin' | 'Baseline'

/** Metadata of a cluster-scoped object (no namespace). */
export interface ClusterMetadata {
  readonly name: string
  readonly labels?: Labels
  readonly annotations?: Labels
}

/** policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy (network-policy-api v0.2.0). */
export interface ClusterNetworkPolicy {
  readonly apiVersion: 'policy.networking.k8s.io/v1alpha2'
  readonly kind: 'ClusterNetworkPolicy'
  readonly metadata: ClusterMetadata
  readonly spec: {
    readonly tier: Tier
    readonly priority: number
    readonly subject: ClusterPolicySubject
    readonly ingress?: readonly CnpIngressRule[]
    readonly egress?: readonly CnpEgressRule[]
  }
}

/** v1alpha1 `AdminNetworkPolicyPort`: exactly one of portNumber, namedPort or portRange (protocol defaults to TCP). */
export interface AnpPort {
  readonly portNumber?: { readonly protocol: Protocol; readonly port: number }
  readonly namedPort?: string
  readonly portRange?: { readonly protocol: Protocol; readonly start: number; readonly end: number }
}

/** A v1alpha1 ingress rule (`from`). */
export interface AnpIngressRule<A extends string> {
  readonly name?: string
  readonly action: A
  readonly from: readonly ClusterPolicyIngressPeer[]
  readonly ports?: readonly AnpPort[]
}

/** A v1alpha1 egress rule (`to`). */
export interface AnpEgressRule<A extends string> {
  readonly name?: string
  readonly action: A
  readonly to: readonly ClusterPolicyEgressPeer[]
  readonly ports?: readonly AnpPort[]
}

/** policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy (network-policy-api v0.1.x). */
export interface AdminNetworkPolicy {
  readonly apiVersion: 'policy.networking.k8s.io/v1alpha1'
  readonly kind: 'AdminNetworkPolicy'
  readonly metadata: ClusterMetadata
  readonly spec: {
    readonly priority: number
    readonly subject: ClusterPolicySubject
    readonly ingress?: readonly AnpIngressRule<'Allow' | 'Deny' | 'Pass'>[]
    readonly egress?: readonly AnpEgressRule<'Allow' | 'Deny' | 'Pass'>[]
  }
}

/** policy.networking.k8s.io/v1alpha1 BaselineAdminNetworkPolicy: a singleton named `default`. */
export interface BaselineAdminNetworkPolicy {
  readonly apiVersion: 'policy.networking.k8s.io/v1alpha1'
  readonly kind: 'BaselineAdminNetworkPolicy'
  readonly metadata: ClusterMetadata
  readonly spec: {
    readonly subject: ClusterPolicySubject
    readonly ingress?: readonly AnpIngressRule<'Allow' | 'Deny'>[]
    readonly egress?: readonly AnpEgressRule<'Allow' | 'Deny'>[]
  }
}

/** Any cluster-scoped policy kind. */
export type ClusterPolicy = ClusterNetworkPolicy | AdminNetworkPolicy | BaselineAdminNetworkPolicy

/** The kinds of cluster-scoped policy. */
export type ClusterPolicyKind = ClusterPolicy['kind']

/** The cluster policy kinds, in the order reports list them. */
export const CLUSTER_POLICY_KINDS: readonly ClusterPolicyKind[] = [
  'ClusterNetworkPolicy',
  'AdminNetworkPolicy',
  'BaselineAdminNetworkPolicy',
]

const SHORT: Record<ClusterPolicyKind, string> = {
  ClusterNetworkPolicy: 'cnp',
  AdminNetworkPolicy: 'anp',
  BaselineAdminNetworkPolicy: 'banp',
}

/** `cnp/name`, `anp/name`, `banp/default` (the kubectl short names): how reports print a cluster policy. */
export function clusterPolicyId(p: { readonly kind: ClusterPolicyKind; readonly name: string }): string {
  return `${SHORT[p.kind]}/${p.name}`
}

/** A peer in the tiered view: what it selects. `unsupported`: nodes and domainNames, which no probed endpoint is. */
export type TierPeer =
  | { readonly namespaces: LabelSelector }
  | { readonly pods: NamespacedPod }
  | { readonly networks: readonly string[] }
  | { readonly unsupported: 'nodes' | 'domainNames' }

/** A port in the tiered view: a protocol with an inclusive range, or a container port name (any protocol it has). */
export type TierPort = { readonly protocol: Protocol; readonly start: number; readonly end: number } | { readonly namedPort: string }

/** The action of a rule in the tiered view (v1alpha1 `Allow` is `Accept`). */
export type TierAction = 'Accept' | 'Deny' | 'Pass'

/** One rule in the tiered view; `ports` null: every port of every protocol. */
export interface TierRule {
  readonly index: number
  readonly name?: string
  readonly action: TierAction
  readonly peers: readonly TierPeer[]
  readonly ports: readonly TierPort[] | null
}

/** A cluster policy of any kind as its tier sees it. */
export interface TieredPolicy {
  readonly id: string
  readonly kind: ClusterPolicyKind
  readonly name: string
  readonly tier: Tier
  /** undefined for the BaselineAdminNetworkPolicy singleton, which has none (it sorts after every baseline CNP). */
  readonly priority: number | undefined
  readonly subject: ClusterPolicySubject
  readonly ingress: readonly TierRule[]
  readonly egress: readonly TierRule[]
}

function cnpPort(protocol: Protocol, p: CnpPort | undefined): TierPort {
  if (p?.range) return { protocol, start: p.range.start, end: p.range.end }
  if (p?.number !== undefined) return { protocol, start: p.number, end: p.number }
  return { protocol, start: 1, end: 65535 }
}

function cnpPorts(protocols: readonly CnpProtocol[] | undefined): TierPort[] | null {
  if (!protocols || protocols.length === 0) return null
  return protocols.map((p): TierPort => {
    if (p.tcp) return cnpPort('TCP', p.tcp.destinationPort)
    if (p.udp) return cnpPort('UDP', p.udp.destinationPort)
    if (p.sctp) return cnpPort('SCTP', p.sctp.destinationPort)
    return { namedPort: p.destinationNamedPort! }
  })
}

function anpPorts(ports: readonly AnpPort[] | undefined): TierPort[] | null {
  if (!ports || ports.length === 0) return null
  return ports.map((p): TierPort => {
    if (p.portNumber) return { protocol: p.portNumber.protocol, start: p.portNumber.port, end: p.portNumber.port }
    if (p.portRange) return { protocol: p.portRange.protocol, start: p.portRange.start, end: p.portRange.end }
    return { namedPort: p.namedPort! }
  })
}

function peer(p: ClusterPolicyEgressPeer): TierPeer {
  if (p.namespaces) return { namespaces: p.namespaces }
  if (p.pods) return { pods: p.pods }
  if (p.networks) return { networks: p.networks }
  return { unsupported: p.nodes ? 'nodes' : 'domainNames' }
}

const action = (a: string): TierAction => (a === 'Allow' ? 'Accept' : (a as TierAction))

/** One view of every kind: v1alpha1 `Allow` is `Accept`, ports and protocols are ranges or names. */
export function tieredView(p: ClusterPolicy): TieredPolicy {
  const base = { id: clusterPolicyId({ kind: p.kind, name: p.metadata.name }), kind: p.kind, name: p.metadata.name }
  const rule = (
    r: { name?: string; action: string; from?: readonly ClusterPolicyEgressPeer[]; to?: readonly ClusterPolicyEgressPeer[] },
    index: number,
    ports: TierPort[] | null,
  ): TierRule => ({
    index,
    ...(r.name ? { name: r.name } : {}),
    action: action(r.action),
    peers: (r.from ?? r.to ?? []).map(peer),
    ports,
  })
  if (p.kind === 'ClusterNetworkPolicy')
    return {
      ...base,
      tier: p.spec.tier,
      priority: p.spec.priority,
      subject: p.spec.subject,
      ingress: (p.spec.ingress ?? []).map((r, i) => rule(r, i, cnpPorts(r.protocols))),
      egress: (p.spec.egress ?? []).map((r, i) => rule(r, i, cnpPorts(r.protocols))),
    }
  return {
    ...base,
    tier: p.kind === 'AdminNetworkPolicy' ? 'Admin' : 'Baseline',
    priority: p.kind === 'AdminNetworkPolicy' ? p.spec.priority : undefined,
    subject: p.spec.subject,
    ingress: (p.spec.ingress ?? []).map((r, i) => rule(r, i, anpPorts(r.ports))),
    egress: (p.spec.egress ?? []).map((r, i) => rule(r, i, anpPorts(r.ports))),
  }
}

/**
 * The policies of one tier in evaluation order: lower priority first. Equal priorities are undefined upstream (lint
 * reports them); we order them by name so that prediction and the local dataplane agree.
 */
export function tierOrder(policies: readonly TieredPolicy[], tier: Tier): TieredPolicy[] {
  const rank = (p: TieredPolicy) => p.priority ?? 1001
  return policies.filter((p) => p.tier === tier).sort((a, b) => rank(a) - rank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

// Why: Calico's own policy kinds (projectcalico.org/v3: NetworkPolicy, GlobalNetworkPolicy, Tier, NetworkSet,
// GlobalNetworkSet and the staged kinds) as parsed from a scenario, with the raw object the user wrote kept for the
// kube driver, and the facts about tiers and ordering the evaluator and the local dataplane share. Sources in
// docs/calico-policy.md.
import type { Labels } from './cluster.js'
import type { NetworkPolicySpec } from './policy.js'
import type { CalicoSelector } from './calico-selector.js'

/** The API group and version of every Calico kind. */
export const CALICO_API_VERSION = 'projectcalico.org/v3'

/** A rule's action (api/pkg/apis/projectcalico/v3/policy_common.go `Action`). */
export type CalicoAction = 'Allow' | 'Deny' | 'Log' | 'Pass'

/** A port match: one number or an inclusive range (`"a:b"`), or a container port name. */
export type CalicoPort = { readonly start: number; readonly end: number } | { readonly name: string }

/** A protocol as Calico names it (numorstring.Protocol), normalised to upper case, or a number. */
export type CalicoProtocol = 'TCP' | 'UDP' | 'SCTP' | 'ICMP' | 'ICMPv6' | 'UDPLite' | number

/** `EntityRule` (source or destination) with its selectors parsed; `text` keeps what the user wrote for explain. */
export interface CalicoEntity {
  readonly nets?: readonly string[]
  readonly notNets?: readonly string[]
  readonly selector?: CalicoSelector
  readonly notSelector?: CalicoSelector
  readonly namespaceSelector?: CalicoSelector
  readonly ports?: readonly CalicoPort[]
  readonly notPorts?: readonly CalicoPort[]
  readonly serviceAccounts?: { readonly names?: readonly string[]; readonly selector?: CalicoSelector }
  readonly text: { readonly selector?: string; readonly notSelector?: string; readonly namespaceSelector?: string }
}

/** One rule (`Rule`). */
export interface CalicoRule {
  readonly action: CalicoAction
  readonly protocol?: CalicoProtocol
  readonly notProtocol?: CalicoProtocol
  readonly ipVersion?: 4 | 6
  /** `icmp`/`notICMP` type and code (evaluated; the local driver probes no ICMP). */
  readonly icmp?: { readonly type?: number; readonly code?: number }
  readonly notICMP?: { readonly type?: number; readonly code?: number }
  readonly source: CalicoEntity
  readonly destination: CalicoEntity
}

/** The policy kinds that carry rules. */
export type CalicoPolicyKind =
  'NetworkPolicy' | 'GlobalNetworkPolicy' | 'StagedNetworkPolicy' | 'StagedGlobalNetworkPolicy' | 'StagedKubernetesNetworkPolicy'

/** A Calico NetworkPolicy or GlobalNetworkPolicy (or its staged form), parsed. */
export interface CalicoPolicy {
  readonly kind: CalicoPolicyKind
  readonly name: string
  /** Namespaced kinds only. */
  readonly namespace?: string
  readonly tier: string
  /** undefined: +Inf (sorts last). */
  readonly order?: number
  readonly selector: CalicoSelector
  readonly selectorText: string
  /** GlobalNetworkPolicy only (absent: every namespace and non-namespaced endpoints). */
  readonly namespaceSelector?: CalicoSelector
  readonly serviceAccountSelector?: CalicoSelector
  readonly types: readonly ('Ingress' | 'Egress')[]
  readonly ingress: readonly CalicoRule[]
  readonly egress: readonly CalicoRule[]
  /** Staged kinds: `Set` (the default) or `Delete` of the policy of the same name. */
  readonly stagedAction?: 'Set' | 'Delete'
  /** StagedKubernetesNetworkPolicy: the Kubernetes NetworkPolicy spec it would be. */
  readonly k8sSpec?: NetworkPolicySpec
}

/** A Tier: `order` (undefined: +Inf) and what happens when no policy of the tier matches (`defaultAction`, Deny by default). */
export interface CalicoTier {
  readonly kind: 'Tier'
  readonly name: string
  readonly order?: number
  readonly defaultAction: 'Deny' | 'Pass'
}

/** A NetworkSet (namespaced) or GlobalNetworkSet: labelled CIDRs that rule selectors can pick. */
export interface CalicoNetworkSet {
  readonly kind: 'NetworkSet' | 'GlobalNetworkSet'
  readonly name: string
  readonly namespace?: string
  readonly labels: Labels
  readonly nets: readonly string[]
}

/** Any parsed Calico object. */
export type CalicoObject = CalicoPolicy | CalicoTier | CalicoNetworkSet

/** Every Calico kind a scenario can apply. */
export type CalicoKind = CalicoObject['kind']

/** The Calico kinds, in the order reports list them. */
export const CALICO_KINDS: readonly CalicoKind[] = [
  'Tier',
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'NetworkSet',
  'GlobalNetworkSet',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
]

/** The kinds that are namespaced. */
export const NAMESPACED_CALICO_KINDS: ReadonlySet<CalicoKind> = new Set([
  'NetworkPolicy',
  'NetworkSet',
  'StagedNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
])

/** True for the staged kinds, which change no verdict. */
export function isStaged(o: CalicoObject): boolean {
  return o.kind.startsWith('Staged')
}

const SHORT: Record<CalicoKind, string> = {
  Tier: 'tier',
  NetworkPolicy: 'calico-np',
  GlobalNetworkPolicy: 'gnp',
  NetworkSet: 'netset',
  GlobalNetworkSet: 'gnetset',
  StagedNetworkPolicy: 'staged-np',
  StagedGlobalNetworkPolicy: 'staged-gnp',
  StagedKubernetesNetworkPolicy: 'staged-knp',
}

/** How reports print a Calico object: `gnp/name`, `calico-np/ns/name`, `tier/name`. */
export function calicoId(o: { readonly kind: CalicoKind; readonly name: string; readonly namespace?: string }): string {
  return `${SHORT[o.kind]}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`
}

/** The built-in tiers (api/pkg/apis/projectcalico/v3/tier.go): `default` 1,000,000 Deny, `kube-admin` 1,000 Pass, `kube-baseline` 10,000,000 Pass. */
export const BUILTIN_TIERS: readonly CalicoTier[] = [
  { kind: 'Tier', name: 'kube-admin', order: 1_000, defaultAction: 'Pass' },
  { kind: 'Tier', name: 'default', order: 1_000_000, defaultAction: 'Deny' },
  { kind: 'Tier', name: 'kube-baseline', order: 10_000_000, defaultAction: 'Pass' },
]

/** The order of a Kubernetes NetworkPolicy in the `default` tier (libcalico-go k8s conversion: `order: 1000`, name `knp.default.<name>`). */
export const K8S_NP_ORDER = 1000

/** Felix's policy_sorter: order ascending, absent (nil) last, then name. */
export function compareOrdered(a: { order?: number; name: string }, b: { order?: number; name: string }): number {
  const ao = a.order ?? Infinity
  const bo = b.order ?? Infinity
  if (ao !== bo) return ao < bo ? -1 : 1
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

/**
 * Felix's tiers in evaluation order, each with its items in order (the evaluator and the local dataplane both walk
 * them): the enforced Calico policies in their tier, the Kubernetes NetworkPolicies in `default` at order 1000, the
 * network-policy-api policies first in `kube-admin` and `kube-baseline`. A tier is its Tier object, else the built-in
 * one, else (a policy in an unknown tier, which Calico refuses) a Deny tier. `byName`: the `tier-order-ignored` fault
 * (tiers sorted by name, not by order). Items of equal order and name keep the order given.
 */
export function orderedTiers<T>(
  objects: readonly CalicoObject[],
  policies: readonly { readonly policy: CalicoPolicy; readonly item: T }[],
  fixed: { readonly k8s: T; readonly admin: T; readonly baseline: T },
  byName: boolean,
): { tier: CalicoTier; items: T[] }[] {
  const defs = new Map<string, CalicoTier>(BUILTIN_TIERS.map((t) => [t.name, t]))
  for (const o of objects) if (o.kind === 'Tier') defs.set(o.name, o)
  const byTier = new Map<string, { key: { order?: number; name: string }; item: T }[]>()
  const add = (tier: string, key: { order?: number; name: string }, item: T) => {
    const list = byTier.get(tier) ?? []
    list.push({ key, item })
    byTier.set(tier, list)
  }
  for (const { policy, item } of policies) add(policy.tier, { order: policy.order, name: policy.name }, item)
  add('default', { order: K8S_NP_ORDER, name: 'knp.default.' }, fixed.k8s)
  add('kube-admin', { order: -Infinity, name: '' }, fixed.admin)
  add('kube-baseline', { order: -Infinity, name: '' }, fixed.baseline)
  return [...byTier]
    .map(([name, list]) => ({
      tier: defs.get(name) ?? { kind: 'Tier' as const, name, defaultAction: 'Deny' as const },
      items: list.sort((a, b) => compareOrdered(a.key, b.key)).map((x) => x.item),
    }))
    .sort((a, b) => (byName ? (a.tier.name < b.tier.name ? -1 : 1) : compareOrdered(a.tier, b.tier)))
}

/** The labels Calico gives a pod's workload endpoint (libcalico-go k8s conversion: namespace, orchestrator, service account, profile labels). */
export function workloadLabels(
  pod: { readonly namespace?: string; readonly labels: Labels },
  nsLabels: Labels,
  serviceAccount: string,
): Labels {
  const out: Record<string, string> = { ...pod.labels }
  for (const [k, v] of Object.entries(nsLabels)) out[`pcns.${k}`] = v
  out['pcns.projectcalico.org/name'] = pod.namespace!
  out['pcsa.projectcalico.org/name'] = serviceAccount
  out['projectcalico.org/namespace'] = pod.namespace!
  out['projectcalico.org/orchestrator'] = 'k8s'
  out['projectcalico.org/serviceaccount'] = serviceAccount
  return out
}

/** `types` defaulting (v3 docs, policy `types`): ingress only or no rules -> Ingress; egress only -> Egress; both -> both. */
export function defaultTypes(ingress: number, egress: number): ('Ingress' | 'Egress')[] {
  if (egress > 0 && ingress === 0) return ['Egress']
  if (egress > 0) return ['Ingress', 'Egress']
  return ['Ingress']
}

// Why: the tiers around the NetworkPolicy tier (ClusterNetworkPolicy Admin/Baseline, AdminNetworkPolicy,
// BaselineAdminNetworkPolicy): per direction, the Admin tier in priority order (Accept or Deny final, Pass skips the
// rest of the tier), then NetworkPolicy if it isolates the pod, then the Baseline tier, then allowed. Compiled into
// bitsets like the NetworkPolicy path, so prediction stays O(pods x targets) set operations. Further tiers (Calico's)
// slot in as more ordered lists before or after the NetworkPolicy tier.
import { type ContainerPort, type IPFamily, IP_FAMILIES, type Labels, type Target, ipFamilyOf } from '../model/cluster.js'
import {
  type Tier,
  type TierAction,
  type TierPeer,
  type TierPort,
  type TierRule,
  type TieredPolicy,
  tierOrder,
  tieredView,
} from '../model/cluster-policy.js'
import type { ClusterState } from '../model/state.js'
import { Bitset } from './bitset.js'
import { type Address, compileIPBlock, matchIPBlock } from './ip.js'
import { matchesSelector } from './selectors.js'

/**
 * What the tiers (and Calico's, calico.ts) read of an endpoint: compile.ts's `Endpoint`, restated here so compile.ts
 * and the tier files do not import each other.
 */
export interface Endpoint {
  readonly index: number
  readonly kind: 'pod' | 'external'
  readonly namespace?: string
  readonly labels: Labels
  readonly address: Address | undefined
  readonly ports: readonly ContainerPort[]
}

/** An endpoint's address of a family (undefined: it has none). */
export type AddressOf = (ep: { readonly index: number }, family: IPFamily) => Address | undefined

/** A rule with the endpoints each of its peers selects. */
export interface CompiledTierRule {
  readonly rule: TierRule
  readonly peers: readonly Bitset[]
  /** Union of the peers. */
  readonly members: Bitset
  /**
   * When `networks` are among the peers: the same for a cell of each family (a CIDR matches the endpoints' addresses
   * of its own family only, as an ipBlock does).
   */
  readonly byFamily?: Readonly<Record<IPFamily, { readonly peers: readonly Bitset[]; readonly members: Bitset }>>
}

/** The peers and their union a rule has for a cell of `family` (absent: the scenario's one family). */
function forFamily(r: CompiledTierRule, family: IPFamily | undefined): { readonly peers: readonly Bitset[]; readonly members: Bitset } {
  return family && r.byFamily ? r.byFamily[family] : r
}

/** A cluster policy with its subject and rules compiled. */
export interface CompiledTierPolicy {
  readonly view: TieredPolicy
  readonly ingress: readonly CompiledTierRule[]
  readonly egress: readonly CompiledTierRule[]
}

/** Per tier, the policies in evaluation order, and per pod the ones selecting it with rules in each direction. */
export interface TierModel {
  readonly admin: readonly CompiledTierPolicy[]
  readonly baseline: readonly CompiledTierPolicy[]
  /** Per pod index: indices into `admin` / `baseline`, in order, of the policies with rules in that direction. */
  readonly perPod: {
    readonly ingress: { readonly admin: readonly (readonly number[])[]; readonly baseline: readonly (readonly number[])[] }
    readonly egress: { readonly admin: readonly (readonly number[])[]; readonly baseline: readonly (readonly number[])[] }
  }
}

/** Compiles the cluster policies of `state` over `endpoints` (pods first, `podCount` of them); undefined when there are none. */
export function compileTiers(
  state: ClusterState,
  endpoints: readonly Endpoint[],
  podCount: number,
  addressOf?: AddressOf,
): TierModel | undefined {
  const list = state.clusterPolicies ?? []
  if (list.length === 0) return undefined
  const size = endpoints.length
  const nsLabels = new Map(state.namespaces.map((n) => [n.name, n.labels]))
  const pods = endpoints.slice(0, podCount)
  const inNamespaces = (sel: Parameters<typeof matchesSelector>[0]) => (p: Endpoint) =>
    matchesSelector(sel, nsLabels.get(p.namespace!) ?? {})
  const selectPods = (test: (p: Endpoint) => boolean): Bitset => {
    const b = new Bitset(size)
    for (const p of pods) if (test(p)) b.add(p.index)
    return b
  }
  const peerMembers = (peer: TierPeer, family?: IPFamily): Bitset => {
    if ('namespaces' in peer) return selectPods(inNamespaces(peer.namespaces))
    if ('pods' in peer) {
      const ns = inNamespaces(peer.pods.namespaceSelector)
      return selectPods((p) => ns(p) && matchesSelector(peer.pods.podSelector, p.labels))
    }
    const b = new Bitset(size)
    if ('networks' in peer) {
      const cidrs = family ? peer.networks.filter((c) => ipFamilyOf(c) === family) : peer.networks
      const blocks = cidrs.map((cidr) => compileIPBlock({ cidr }))
      for (const ep of endpoints) {
        const address = family && addressOf ? addressOf(ep, family) : ep.address
        if (address && blocks.some((bl) => matchIPBlock(bl, address) === 'inside')) b.add(ep.index)
      }
    }
    return b
  }
  const union = (peers: readonly Bitset[]) => {
    const members = new Bitset(size)
    for (const p of peers) members.orWith(p)
    return members
  }
  const compileRule = (rule: TierRule): CompiledTierRule => {
    const peers = rule.peers.map((p) => peerMembers(p))
    if (!addressOf || !rule.peers.some((p) => 'networks' in p)) return { rule, peers, members: union(peers) }
    const of = (f: IPFamily) => {
      const list = rule.peers.map((p) => peerMembers(p, f))
      return { peers: list, members: union(list) }
    }
    return {
      rule,
      peers,
      members: union(peers),
      byFamily: Object.fromEntries(IP_FAMILIES.map((f) => [f, of(f)])) as Record<IPFamily, ReturnType<typeof of>>,
    }
  }
  const compilePolicy = (view: TieredPolicy): CompiledTierPolicy => ({
    view,
    ingress: view.ingress.map(compileRule),
    egress: view.egress.map(compileRule),
  })
  const views = list.map(tieredView)
  const admin = tierOrder(views, 'Admin').map(compilePolicy)
  const baseline = tierOrder(views, 'Baseline').map(compilePolicy)
  const perPod = (tier: readonly CompiledTierPolicy[], dir: 'ingress' | 'egress'): number[][] => {
    const out: number[][] = pods.map(() => [])
    tier.forEach((pol, i) => {
      if (pol[dir].length === 0) return
      const subject = pol.view.subject
      const ns = inNamespaces(subject.namespaces ?? subject.pods!.namespaceSelector)
      for (const p of pods) if (ns(p) && (!subject.pods || matchesSelector(subject.pods.podSelector, p.labels))) out[p.index].push(i)
    })
    return out
  }
  return {
    admin,
    baseline,
    perPod: {
      ingress: { admin: perPod(admin, 'ingress'), baseline: perPod(baseline, 'ingress') },
      egress: { admin: perPod(admin, 'egress'), baseline: perPod(baseline, 'egress') },
    },
  }
}

/** True when `port` admits `target` on a destination with these container ports (a name needs the same protocol). */
export function tierPortMatches(port: TierPort, target: Target, dest: Endpoint): boolean {
  if ('namedPort' in port)
    return (
      dest.kind === 'pod' &&
      dest.ports.some((cp) => cp.name === port.namedPort && cp.protocol === target.protocol && cp.port === target.port)
    )
  return port.protocol === target.protocol && target.port >= port.start && target.port <= port.end
}

/** The set of "other ends" a rule's ports admit: for ingress the fixed destination decides (all or none), for egress each destination. */
type PortSet = (rule: TierRule) => Bitset

/** A port-set function for one pod, direction and target, with a per-target cache of named-port destinations. */
export function portSetFor(
  endpoints: readonly Endpoint[],
  all: Bitset,
  dir: 'ingress' | 'egress',
  self: Endpoint,
  target: Target,
  namedCache: Map<string, Bitset>,
): PortSet {
  const none = new Bitset(endpoints.length)
  return (rule) => {
    if (rule.ports === null) return all
    if (dir === 'ingress') return rule.ports.some((p) => tierPortMatches(p, target, self)) ? all : none
    let acc: Bitset | undefined
    for (const p of rule.ports) {
      if (!('namedPort' in p)) {
        if (tierPortMatches(p, target, self)) return all
        continue
      }
      let hit = namedCache.get(p.namedPort)
      if (!hit) {
        hit = new Bitset(endpoints.length)
        for (const ep of endpoints) if (tierPortMatches(p, target, ep)) hit.add(ep.index)
        namedCache.set(p.namedPort, hit)
      }
      acc ??= new Bitset(endpoints.length)
      acc.orWith(hit)
    }
    return acc ?? none
  }
}

/**
 * The other ends one pod's direction allows, through every tier: `np` is the NetworkPolicy tier's answer (null: the
 * pod is not isolated by any NetworkPolicy in this direction). Returns `np` itself when no cluster policy selects the pod.
 * `family`: the cells' address family in a dual-stack scenario (networks match that family's addresses only).
 */
export function tieredAllowed(
  tiers: TierModel,
  dir: 'ingress' | 'egress',
  podIndex: number,
  all: Bitset,
  portSet: PortSet,
  np: () => Bitset | null,
  family?: IPFamily,
): Bitset | null {
  const admin = tiers.perPod[dir].admin[podIndex]
  const baseline = tiers.perPod[dir].baseline[podIndex]
  if (admin.length === 0 && baseline.length === 0) return np()
  const allowed = new Bitset(all.size)
  const undecided = all.clone()
  const passed = new Bitset(all.size)
  const walk = (policies: readonly CompiledTierPolicy[], order: readonly number[], onPass: Bitset) => {
    for (const pi of order) {
      for (const r of policies[pi][dir]) {
        const m = forFamily(r, family).members.and(portSet(r.rule)).and(undecided)
        if (m.isEmpty()) continue
        if (r.rule.action === 'Accept') allowed.orWith(m)
        else if (r.rule.action === 'Pass') onPass.orWith(m)
        undecided.andNotWith(m)
      }
    }
  }
  walk(tiers.admin, admin, passed)
  undecided.orWith(passed)
  const npAllowed = np()
  if (npAllowed !== null) {
    allowed.orWith(undecided.and(npAllowed))
    return allowed
  }
  // Baseline: Pass goes on to the default (allowed), like no match at all.
  walk(tiers.baseline, baseline, allowed)
  allowed.orWith(undecided)
  return allowed
}

/** One cluster-policy rule that matched a connection on its way through the tiers. */
export interface TierHit {
  readonly kind: TieredPolicy['kind']
  readonly tier: Tier
  readonly policy: string
  readonly priority?: number
  readonly rule: number
  readonly ruleName?: string
  readonly action: TierAction
  /** The first peer of the rule that matched (0-based). */
  readonly peer: number
  /** The first port of the rule that matched; null: the rule has no ports. */
  readonly port: number | null
}

/** Where a direction was decided: Admin (Accept/Deny), the NetworkPolicy tier, Baseline (Accept/Deny/Pass), or by default (allowed). */
export interface TierDecision {
  readonly decidedIn: 'Admin' | 'NetworkPolicy' | 'Baseline' | 'default'
  /** The rules that matched, in order: an Admin Pass, then the deciding rule (if any). */
  readonly hits: readonly TierHit[]
}

/** The first rule of `tier` (for the pod's policies `order`) matching `peer` on `target`, or undefined. */
export function firstTierHit(
  policies: readonly CompiledTierPolicy[],
  order: readonly number[],
  dir: 'ingress' | 'egress',
  peer: Endpoint,
  target: Target,
  dest: Endpoint,
): TierHit | undefined {
  const family = target.family
  for (const pi of order) {
    const pol = policies[pi]
    for (const r of pol[dir]) {
      const peerIndex = forFamily(r, family).peers.findIndex((b) => b.has(peer.index))
      if (peerIndex < 0) continue
      const portIndex = r.rule.ports === null ? null : r.rule.ports.findIndex((p) => tierPortMatches(p, target, dest))
      if (portIndex !== null && portIndex < 0) continue
      const v = pol.view
      return {
        kind: v.kind,
        tier: v.tier,
        policy: v.id,
        ...(v.priority !== undefined ? { priority: v.priority } : {}),
        rule: r.rule.index,
        ...(r.rule.name ? { ruleName: r.rule.name } : {}),
        action: r.rule.action,
        peer: peerIndex,
        port: portIndex,
      }
    }
  }
  return undefined
}

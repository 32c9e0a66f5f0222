// Why: precompute, once per cluster state, which endpoints each policy and each peer selects,
// so prediction costs pods x targets, never pods^2 x policies.
import type { ContainerPort, IPFamily, Labels, NodeAddress, Service, Target } from '../model/cluster.js'
import { IP_FAMILIES, addressFor, ipFamilyOf, podId } from '../model/cluster.js'
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, PolicyType } from '../model/policy.js'
import { policyId } from '../model/policy.js'
import type { ClusterState } from '../model/state.js'
import { Bitset } from './bitset.js'
import { type Address, compileIPBlock, matchIPBlock, parseAddress } from './ip.js'
import { matchesSelector } from './selectors.js'
import { type CalicoModel, compileCalico } from './calico.js'
import { type TierModel, compileTiers } from './tiers.js'

/** A pod or an external host: a row and a column of every table. */
export interface Endpoint {
  readonly id: string
  readonly index: number
  readonly kind: 'pod' | 'external'
  readonly namespace?: string
  readonly labels: Labels
  readonly address: Address | undefined
  /** The families it has an address of (a cell of another family does not exist). */
  readonly families: ReadonlySet<IPFamily>
  readonly ports: readonly ContainerPort[]
  /** A pod's node, when known (the node a NodePort probe of it enters). */
  readonly node?: string
}

/** A peer with the endpoints it selects, computed once. */
export interface CompiledPeer {
  readonly peer: NetworkPolicyPeer
  readonly members: Bitset
  /** An ipBlock's family: it matches cells of that family only (the endpoints' addresses of that family). */
  readonly family?: IPFamily
}

/** An ingress or egress rule with its peers compiled. */
export interface CompiledRule {
  readonly index: number
  /** null: the rule names no peers, so every source/destination matches. */
  readonly peers: readonly CompiledPeer[] | null
  /** null: the rule names no ports, so every port matches. */
  readonly ports: readonly NetworkPolicyPort[] | null
  /** Union of the peers' members (null when peers is null). */
  readonly members: Bitset | null
  /** When ipBlocks of a family are among the peers: the union for a cell of each family (without the other's blocks). */
  readonly familyMembers?: Readonly<Record<IPFamily, Bitset>>
}

/** True when a compiled peer selects endpoint `index` for a cell of `family` (absent: the scenario's one family). */
export function peerSelects(p: CompiledPeer, index: number, family: IPFamily | undefined): boolean {
  return p.members.has(index) && (family === undefined || p.family === undefined || p.family === family)
}

/** The endpoints a rule's peers select for a cell of `family` (null: the rule names no peers). */
export function ruleMembers(rule: CompiledRule, family: IPFamily | undefined): Bitset | null {
  return family && rule.familyMembers ? rule.familyMembers[family] : rule.members
}

/** A policy with the endpoints it isolates and its compiled rules per direction. */
export interface CompiledPolicy {
  readonly id: string
  readonly policy: NetworkPolicy
  readonly types: ReadonlySet<PolicyType>
  readonly ingress: readonly CompiledRule[]
  readonly egress: readonly CompiledRule[]
}

/** Everything predict and explain need: endpoints, their index, and every compiled policy. */
export interface Model {
  readonly endpoints: readonly Endpoint[]
  readonly podCount: number
  readonly policies: readonly CompiledPolicy[]
  /** Per pod index: policies that select it with Ingress in their types. */
  readonly ingressPolicies: readonly (readonly number[])[]
  /** Per pod index: policies that select it with Egress in their types. */
  readonly egressPolicies: readonly (readonly number[])[]
  readonly byId: ReadonlyMap<string, Endpoint>
  readonly all: Bitset
  /** The Services (docs/services.md) and the node addresses the driver knows (empty when none). */
  readonly services: readonly Service[]
  readonly nodes: readonly NodeAddress[]
  /** The cluster-policy tiers around the NetworkPolicy tier; undefined when the state has no cluster policy. */
  readonly tiers?: TierModel
  /** Calico's tiers (docs/calico-policy.md); undefined when the state has no enforced Calico policy. */
  readonly calico?: CalicoModel
}

/** The API server's defaulting: Ingress always; Egress when egress rules are present. */
export function effectivePolicyTypes(policy: NetworkPolicy): Set<PolicyType> {
  const declared = policy.spec.policyTypes
  if (declared && declared.length > 0) return new Set(declared)
  const types = new Set<PolicyType>(['Ingress'])
  if (policy.spec.egress && policy.spec.egress.length > 0) types.add('Egress')
  return types
}

/** Builds the model. Inputs must be validated (scenario/ does that); IPs that do not parse never match an ipBlock. */
export function compile(state: ClusterState): Model {
  const endpoints: Endpoint[] = []
  const raw: { ip: string; ips?: readonly string[] }[] = [...state.pods, ...state.externals]
  const familiesOf = (e: { ip: string; ips?: readonly string[] }) => new Set([e.ip, ...(e.ips ?? [])].filter((ip) => ip).map(ipFamilyOf))
  for (const p of state.pods) {
    endpoints.push({
      id: podId(p),
      index: endpoints.length,
      kind: 'pod',
      namespace: p.namespace,
      labels: p.labels,
      address: safeAddress(p.ip),
      families: familiesOf(p),
      ports: p.ports,
      ...(p.node ? { node: p.node } : {}),
    })
  }
  const podCount = endpoints.length
  for (const e of state.externals) {
    endpoints.push({
      id: e.name,
      index: endpoints.length,
      kind: 'external',
      labels: {},
      address: safeAddress(e.ip),
      families: familiesOf(e),
      ports: e.ports,
    })
  }
  const size = endpoints.length
  const pods = endpoints.slice(0, podCount)
  // Each endpoint's parsed address per family, once (the primary one is `address`).
  const parsed = new Map<IPFamily, (Address | undefined)[]>()
  const addressOf = (ep: { readonly index: number }, family: IPFamily): Address | undefined => {
    let list = parsed.get(family)
    if (!list) {
      list = raw.map((e, i) => {
        const ip = addressFor(e, family)
        return ip === undefined ? undefined : ip === e.ip ? endpoints[i].address : safeAddress(ip)
      })
      parsed.set(family, list)
    }
    return list[ep.index]
  }
  const podsByNs = new Map<string, Endpoint[]>()
  for (const p of pods) {
    const list = podsByNs.get(p.namespace!) ?? []
    list.push(p)
    podsByNs.set(p.namespace!, list)
  }

  // Selectors repeat a lot across policies: memoise namespace-selector results by their JSON.
  const nsSelectorCache = new Map<string, string[]>()
  const matchingNamespaces = (sel: NetworkPolicyPeer['namespaceSelector']): string[] => {
    const key = JSON.stringify(sel)
    let hit = nsSelectorCache.get(key)
    if (!hit) {
      hit = state.namespaces.filter((n) => matchesSelector(sel!, n.labels)).map((n) => n.name)
      nsSelectorCache.set(key, hit)
    }
    return hit
  }

  const peerMembers = (peer: NetworkPolicyPeer, policyNs: string): Bitset => {
    const members = new Bitset(size)
    if (peer.ipBlock) {
      // An ipBlock matches the endpoints' addresses of its own family only.
      const block = compileIPBlock(peer.ipBlock)
      const family: IPFamily = block.cidr[0].kind() === 'ipv6' ? 'IPv6' : 'IPv4'
      for (const ep of endpoints) {
        const addr = addressOf(ep, family)
        if (addr && matchIPBlock(block, addr) === 'inside') members.add(ep.index)
      }
      return members
    }
    if (!peer.podSelector && !peer.namespaceSelector) return members
    const namespaces = peer.namespaceSelector ? matchingNamespaces(peer.namespaceSelector) : [policyNs]
    for (const ns of namespaces) {
      for (const p of podsByNs.get(ns) ?? []) {
        if (!peer.podSelector || matchesSelector(peer.podSelector, p.labels)) members.add(p.index)
      }
    }
    return members
  }

  const compileRules = (
    rules:
      | readonly { from?: readonly NetworkPolicyPeer[]; to?: readonly NetworkPolicyPeer[]; ports?: readonly NetworkPolicyPort[] }[]
      | undefined,
    ns: string,
    dir: 'from' | 'to',
  ): CompiledRule[] =>
    (rules ?? []).map((rule, index) => {
      const list = rule[dir]
      const peers: CompiledPeer[] | null =
        list && list.length > 0
          ? list.map((peer) => ({
              peer,
              members: peerMembers(peer, ns),
              ...(peer.ipBlock ? { family: ipFamilyOf(peer.ipBlock.cidr) } : {}),
            }))
          : null
      let members: Bitset | null = null
      let familyMembers: Record<IPFamily, Bitset> | undefined
      if (peers) {
        members = new Bitset(size)
        for (const p of peers) members.orWith(p.members)
        if (peers.some((p) => p.family)) {
          const byFamily = (f: IPFamily) => {
            const b = new Bitset(size)
            for (const p of peers) if (!p.family || p.family === f) b.orWith(p.members)
            return b
          }
          familyMembers = Object.fromEntries(IP_FAMILIES.map((f) => [f, byFamily(f)])) as Record<IPFamily, Bitset>
        }
      }
      return {
        index,
        peers,
        ports: rule.ports && rule.ports.length > 0 ? rule.ports : null,
        members,
        ...(familyMembers ? { familyMembers } : {}),
      }
    })

  const policies: CompiledPolicy[] = []
  const ingressPolicies: number[][] = pods.map(() => [])
  const egressPolicies: number[][] = pods.map(() => [])
  for (const policy of state.policies) {
    const ns = policy.metadata.namespace
    const types = effectivePolicyTypes(policy)
    const index = policies.length
    policies.push({
      id: policyId(policy),
      policy,
      types,
      ingress: types.has('Ingress') ? compileRules(policy.spec.ingress, ns, 'from') : [],
      egress: types.has('Egress') ? compileRules(policy.spec.egress, ns, 'to') : [],
    })
    for (const p of podsByNs.get(ns) ?? []) {
      if (!matchesSelector(policy.spec.podSelector, p.labels)) continue
      if (types.has('Ingress')) ingressPolicies[p.index].push(index)
      if (types.has('Egress')) egressPolicies[p.index].push(index)
    }
  }
  const tiers = compileTiers(state, endpoints, podCount, addressOf)
  const calico = compileCalico(state, endpoints, podCount, addressOf)
  return {
    endpoints,
    podCount,
    ...(tiers ? { tiers } : {}),
    ...(calico ? { calico } : {}),
    policies,
    ingressPolicies,
    egressPolicies,
    byId: new Map(endpoints.map((e) => [e.id, e])),
    all: Bitset.full(size),
    services: state.services ?? [],
    nodes: state.nodes ?? [],
  }
}

function safeAddress(ip: string): Address | undefined {
  try {
    return parseAddress(ip)
  } catch {
    return undefined
  }
}

/** The endpoints whose container ports let `rulePort` match `target` (named ports resolve per destination). */
export function destinationsForPort(model: Model, rulePort: NetworkPolicyPort, target: Target, cache: Map<string, Bitset>): Bitset {
  const protocol = rulePort.protocol ?? 'TCP'
  if (protocol !== target.protocol) return new Bitset(model.endpoints.length)
  if (typeof rulePort.port !== 'string') {
    const end = rulePort.endPort ?? rulePort.port
    if (rulePort.port === undefined || (target.port >= rulePort.port && target.port <= end!)) return model.all
    return new Bitset(model.endpoints.length)
  }
  const key = `${rulePort.port}/${protocol}/${target.port}`
  let hit = cache.get(key)
  if (!hit) {
    hit = new Bitset(model.endpoints.length)
    for (const ep of model.endpoints) {
      if (ep.kind === 'pod' && ep.ports.some((cp) => cp.name === rulePort.port && cp.protocol === protocol && cp.port === target.port))
        hit.add(ep.index)
    }
    cache.set(key, hit)
  }
  return hit
}

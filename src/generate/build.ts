// Why: required flows -> allow-only NetworkPolicies the way people write them: a default deny (ingress and egress)
// per namespace, then one policy per workload group with one rule per set of peers, ports explicit, externals as
// host routes (or, when asked, the smallest CIDR covering them, which the proof then checks for widening); in a
// dual-stack cluster one ipBlock per family an external is reached over, and a pod the intent allows over one family
// only as an ipBlock of that family's address (a selector opens both).
import ipaddr from 'ipaddr.js'
import {
  IP_FAMILIES,
  type IPFamily,
  NAMESPACE_NAME_LABEL,
  type Protocol,
  type Target,
  addressFor,
  ipFamilyOf,
  podId,
  targetId,
} from '../model/cluster.js'
import type {
  NetworkPolicy,
  NetworkPolicyEgressRule,
  NetworkPolicyIngressRule,
  NetworkPolicyPeer,
  NetworkPolicyPort,
} from '../model/policy.js'
import type { IntentVerdict } from '../model/scenario.js'
import type { ClusterState } from '../model/state.js'
import { type WorkloadGroup, groupWorkloads } from './labels.js'

/** One connection the generated set must allow. */
export interface Flow {
  readonly from: string
  readonly to: string
  readonly target: Target
}

/** How externals are written: one `/32` (`/128`) each, or the smallest CIDR covering a rule's externals. */
export type ExternalsMode = 'exact' | 'covering'

/** A rule whose externals were written as one covering CIDR. */
export interface Covering {
  readonly policy: string
  readonly cidr: string
  readonly externals: readonly string[]
}

/** A pod peer written as its address of one family, because the intent denies it over another family. */
export interface Pinned {
  readonly policy: string
  readonly pod: string
  readonly family: IPFamily
  readonly cidr: string
}

/** The generated set and what it was built from. */
export interface BuiltSet {
  readonly policies: readonly NetworkPolicy[]
  readonly groups: readonly WorkloadGroup[]
  readonly coverings: readonly Covering[]
  readonly pinned: readonly Pinned[]
}

/** The label every generated policy carries, so a cluster's generated policies can be listed and replaced. */
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'netpol-harness-generate' } as const

const nsPeer = (ns: string) => ({ matchLabels: { [NAMESPACE_NAME_LABEL]: ns } })

function hostCidr(ip: string): string {
  return `${ipaddr.parse(ip).toString()}/${ipaddr.parse(ip).kind() === 'ipv4' ? 32 : 128}`
}

/** The smallest CIDR holding every address (all of one family). */
function coveringCidr(ips: readonly string[]): string {
  const bytes = ips.map((ip) => ipaddr.parse(ip).toByteArray())
  const bits = bytes[0].length * 8
  let len = 0
  while (len < bits && bytes.every((b) => ((b[len >> 3] >> (7 - (len & 7))) & 1) === ((bytes[0][len >> 3] >> (7 - (len & 7))) & 1))) len++
  const net = bytes[0].map((b, i) => (i * 8 >= len ? 0 : i * 8 + 8 <= len ? b : b & (0xff << (8 - (len - i * 8)))))
  return `${ipaddr.fromByteArray(net).toString()}/${len}`
}

function byTargetOrder(a: Target, b: Target): number {
  return a.protocol.localeCompare(b.protocol) || a.port - b.port
}

/** The verdict the intent gives a cell (undefined: unasserted); only its denials are read, to keep a peer to some families. */
export type IntendedVerdict = (from: string, to: string, target: Target) => IntentVerdict | undefined

/**
 * Builds the set for `flows` on `state` (its policies are ignored). A pod peer the flows reach over some address
 * families while `intended` denies another is written as ipBlocks of its addresses of those families: a selector
 * would open every family.
 */
export function buildPolicies(
  state: ClusterState,
  flows: readonly Flow[],
  externals: ExternalsMode,
  intended: IntendedVerdict = () => undefined,
): BuiltSet {
  const groups = groupWorkloads(state.pods)
  const groupOf = new Map<string, number>()
  groups.forEach((g, i) => g.pods.forEach((p) => groupOf.set(p, i)))
  const podById = new Map(state.pods.map((p) => [podId(p), p]))
  // Per group and direction: port/protocol (without family) -> peer endpoint -> the families the flows need it over.
  type Needs = Map<string, Map<string, Set<IPFamily | undefined>>>
  const needs = groups.map(() => ({ ingress: new Map() as Needs, egress: new Map() as Needs }))
  const targets = new Map<string, Target>()
  const add = (m: Needs, id: string, peer: string, family: IPFamily | undefined) => {
    let peers = m.get(id)
    if (!peers) m.set(id, (peers = new Map()))
    let families = peers.get(peer)
    if (!families) peers.set(peer, (families = new Set()))
    families.add(family)
  }
  for (const f of flows) {
    const base: Target = { port: f.target.port, protocol: f.target.protocol }
    const id = targetId(base)
    if (!targets.has(id)) targets.set(id, base)
    const src = groupOf.get(f.from)
    const dst = groupOf.get(f.to)
    if (src !== undefined) add(needs[src].egress, id, f.to, f.target.family)
    if (dst !== undefined) add(needs[dst].ingress, id, f.from, f.target.family)
  }
  /** True when the intent denies pod `peer` over a family the flows do not need, to or from some pod of group `g`. */
  const deniedOverOtherFamily = (g: number, egress: boolean, peer: string, base: Target, families: ReadonlySet<IPFamily | undefined>) =>
    !families.has(undefined) &&
    IP_FAMILIES.some(
      (family) =>
        !families.has(family) &&
        addressFor(podById.get(peer)!, family) !== undefined &&
        groups[g].pods.some(
          (m) =>
            m !== peer &&
            addressFor(podById.get(m)!, family) !== undefined &&
            intended(egress ? m : peer, egress ? peer : m, { ...base, family }) === 'deny',
        ),
    )
  // Peer keys: `g<group>` a workload group by its selector, `p<pod>|<family>` one pod's address of a family,
  // `x<external>|<family>` an external's address of a family (`|` alone: its only address).
  const keysOf = (g: number, egress: boolean, base: Target, peers: Map<string, Set<IPFamily | undefined>>): Set<string> => {
    const keys = new Set<string>()
    for (const [peer, families] of peers) {
      const pg = groupOf.get(peer)
      if (pg !== undefined && !deniedOverOtherFamily(g, egress, peer, base, families)) keys.add(`g${pg}`)
      else for (const f of families) keys.add(`${pg === undefined ? 'x' : 'p'}${peer}|${f ?? ''}`)
    }
    // A pod's address adds nothing beside its whole group's selector.
    return new Set([...keys].filter((k) => !(k[0] === 'p' && keys.has(`g${groupOf.get(k.slice(1, k.lastIndexOf('|')))}`))))
  }
  const coverings: Covering[] = []
  const pinned = new Map<string, Pinned>()
  const groupsByNs = new Map<string, (readonly [WorkloadGroup, number])[]>()
  groups.forEach((g, i) => groupsByNs.set(g.namespace, [...(groupsByNs.get(g.namespace) ?? []), [g, i] as const]))

  const peersOf = (keys: ReadonlySet<string>, policyNs: string, policy: string, dns: boolean): NetworkPolicyPeer[] => {
    const chosen = (i: number) => keys.has(`g${i}`)
    const peers: NetworkPolicyPeer[] = []
    for (const [ns, inNs] of groupsByNs) {
      if (!inNs.some(([, i]) => chosen(i))) continue
      // A whole namespace only when it holds several workloads and every one is a peer; one workload stays by its labels.
      if (inNs.length > 1 && inNs.every(([, i]) => chosen(i))) peers.push({ namespaceSelector: nsPeer(ns) })
      else
        for (const [g, i] of inNs)
          if (chosen(i))
            peers.push(ns === policyNs ? { podSelector: g.selector } : { namespaceSelector: nsPeer(ns), podSelector: g.selector })
    }
    // A namespace-only peer beside a pod-only one reads as "AND meant?" (lint peers-or-not-and): spell the namespace out.
    // DNS rules name the namespace too, so they read as DNS wherever they are pasted (and lint's egress-blocks-dns sees them).
    if (dns || (peers.some((p) => !p.podSelector) && peers.some((p) => !p.namespaceSelector)))
      for (let i = 0; i < peers.length; i++)
        if (!peers[i].namespaceSelector) peers[i] = { namespaceSelector: nsPeer(policyNs), ...peers[i] }
    for (const p of state.pods)
      for (const family of IP_FAMILIES) {
        const id = podId(p)
        if (!keys.has(`p${id}|${family}`)) continue
        const cidr = hostCidr(addressFor(p, family)!)
        pinned.set(`${policy}|${id}|${cidr}`, { policy, pod: id, family, cidr })
        peers.push({ ipBlock: { cidr } })
      }
    const ext = state.externals.flatMap((e) =>
      [undefined, ...IP_FAMILIES].flatMap((f) => (keys.has(`x${e.name}|${f ?? ''}`) ? [{ name: e.name, ip: addressFor(e, f)! }] : [])),
    )
    if (externals === 'exact') for (const e of ext) peers.push({ ipBlock: { cidr: hostCidr(e.ip) } })
    else
      for (const family of IP_FAMILIES) {
        const members = ext.filter((e) => ipFamilyOf(e.ip) === family)
        if (members.length === 0) continue
        const cidr = members.length === 1 ? hostCidr(members[0].ip) : coveringCidr(members.map((e) => e.ip))
        if (members.length > 1) coverings.push({ policy, cidr, externals: members.map((e) => e.name) })
        peers.push({ ipBlock: { cidr } })
      }
    return peers
  }

  const rulesOf = (g: number, egress: boolean, ns: string, policy: string) => {
    const byPeers = new Map<string, { keys: Set<string>; ports: Target[] }>()
    for (const [tid, peers] of egress ? needs[g].egress : needs[g].ingress) {
      const keys = keysOf(g, egress, targets.get(tid)!, peers)
      const k = [...keys].sort().join(',')
      const e = byPeers.get(k) ?? { keys, ports: [] }
      e.ports.push(targets.get(tid)!)
      byPeers.set(k, e)
    }
    return [...byPeers.values()]
      .map((e) => ({ keys: e.keys, ports: e.ports.sort(byTargetOrder) }))
      .sort((a, b) => byTargetOrder(a.ports[0], b.ports[0]))
      .map((e) => ({
        peers: peersOf(
          e.keys,
          ns,
          policy,
          e.ports.some((t) => t.port === 53),
        ),
        ports: e.ports.map((t): NetworkPolicyPort => ({ protocol: t.protocol as Protocol, port: t.port })),
      }))
  }

  const policies: NetworkPolicy[] = []
  const namespaces = state.namespaces.filter((n) => state.pods.some((p) => p.namespace === n.name))
  for (const ns of namespaces) {
    policies.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: ns.name, labels: MANAGED_BY },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    })
    groups.forEach((g, i) => {
      if (g.namespace !== ns.name) return
      const name = `allow-${g.name}`
      const ingress: NetworkPolicyIngressRule[] = rulesOf(i, false, ns.name, `${ns.name}/${name}`).map((r) => ({
        from: r.peers,
        ports: r.ports,
      }))
      const egress: NetworkPolicyEgressRule[] = rulesOf(i, true, ns.name, `${ns.name}/${name}`).map((r) => ({
        to: r.peers,
        ports: r.ports,
      }))
      if (ingress.length === 0 && egress.length === 0) return
      policies.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name, namespace: ns.name, labels: MANAGED_BY },
        spec: {
          podSelector: g.selector,
          policyTypes: [...(ingress.length ? (['Ingress'] as const) : []), ...(egress.length ? (['Egress'] as const) : [])],
          ...(ingress.length ? { ingress } : {}),
          ...(egress.length ? { egress } : {}),
        },
      })
    })
  }
  return { policies, groups, coverings, pinned: [...pinned.values()] }
}

/** The group of each pod id, for messages. */
export function groupIndex(groups: readonly WorkloadGroup[]): Map<string, WorkloadGroup> {
  return new Map(groups.flatMap((g) => g.pods.map((p) => [p, g] as const)))
}

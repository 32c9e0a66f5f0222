// Why: required flows -> allow-only NetworkPolicies the way people write them: a default deny (ingress and egress)
// per namespace, then one policy per workload group with one rule per set of peers, ports explicit, externals as
// host routes (or, when asked, the smallest CIDR covering them, which the proof then checks for widening).
import ipaddr from 'ipaddr.js'
import { NAMESPACE_NAME_LABEL, type Protocol, type Target, targetId } from '../model/cluster.js'
import type {
  NetworkPolicy,
  NetworkPolicyEgressRule,
  NetworkPolicyIngressRule,
  NetworkPolicyPeer,
  NetworkPolicyPort,
} from '../model/policy.js'
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

/** The generated set and what it was built from. */
export interface BuiltSet {
  readonly policies: readonly NetworkPolicy[]
  readonly groups: readonly WorkloadGroup[]
  readonly coverings: readonly Covering[]
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

/** Builds the set for `flows` on `state` (its policies are ignored). */
export function buildPolicies(state: ClusterState, flows: readonly Flow[], externals: ExternalsMode): BuiltSet {
  const groups = groupWorkloads(state.pods)
  const groupOf = new Map<string, number>()
  groups.forEach((g, i) => g.pods.forEach((p) => groupOf.set(p, i)))
  const externalIp = new Map(state.externals.map((e) => [e.name, e.ip]))
  const peerKey = (endpoint: string) => (groupOf.has(endpoint) ? `g${groupOf.get(endpoint)}` : `x${endpoint}`)
  // Per group and direction: target id -> peer keys.
  const needs = groups.map(() => ({ ingress: new Map<string, Set<string>>(), egress: new Map<string, Set<string>>() }))
  const targets = new Map<string, Target>()
  const ids = new Map<Target, string>()
  const add = (m: Map<string, Set<string>>, id: string, peer: string) => {
    let set = m.get(id)
    if (!set) m.set(id, (set = new Set()))
    set.add(peer)
  }
  const keyOf = new Map<string, string>()
  const keyFor = (endpoint: string) => {
    let k = keyOf.get(endpoint)
    if (k === undefined) keyOf.set(endpoint, (k = peerKey(endpoint)))
    return k
  }
  for (const f of flows) {
    let id = ids.get(f.target)
    if (id === undefined) {
      ids.set(f.target, (id = targetId(f.target)))
      targets.set(id, f.target)
    }
    const src = groupOf.get(f.from)
    const dst = groupOf.get(f.to)
    if (src !== undefined) add(needs[src].egress, id, keyFor(f.to))
    if (dst !== undefined) add(needs[dst].ingress, id, keyFor(f.from))
  }
  const coverings: Covering[] = []
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
    const ext = state.externals.filter((e) => keys.has(`x${e.name}`))
    if (externals === 'exact' || ext.length < 2) for (const e of ext) peers.push({ ipBlock: { cidr: hostCidr(externalIp.get(e.name)!) } })
    else
      for (const family of ['ipv4', 'ipv6']) {
        const members = ext.filter((e) => ipaddr.parse(e.ip).kind() === family)
        if (members.length === 0) continue
        const cidr = members.length === 1 ? hostCidr(members[0].ip) : coveringCidr(members.map((e) => e.ip))
        if (members.length > 1) coverings.push({ policy, cidr, externals: members.map((e) => e.name) })
        peers.push({ ipBlock: { cidr } })
      }
    return peers
  }

  const rulesOf = (need: Map<string, Set<string>>, ns: string, policy: string) => {
    const byPeers = new Map<string, { keys: Set<string>; ports: Target[] }>()
    for (const [tid, keys] of need) {
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
      const ingress: NetworkPolicyIngressRule[] = rulesOf(needs[i].ingress, ns.name, `${ns.name}/${name}`).map((r) => ({
        from: r.peers,
        ports: r.ports,
      }))
      const egress: NetworkPolicyEgressRule[] = rulesOf(needs[i].egress, ns.name, `${ns.name}/${name}`).map((r) => ({
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
  return { policies, groups, coverings }
}

/** The group of each pod id, for messages. */
export function groupIndex(groups: readonly WorkloadGroup[]): Map<string, WorkloadGroup> {
  return new Map(groups.flatMap((g) => g.pods.map((p) => [p, g] as const)))
}

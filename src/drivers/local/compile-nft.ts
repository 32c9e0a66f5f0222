// Why: the local CNI's policy compiler. NetworkPolicies, pod and namespace labels in; one nftables ruleset
// per node out, with per-pod "to" (ingress) and "from" (egress) chains as Calico lays them out.
// Deliberately independent of src/evaluator: it never asks the evaluator anything, so that a disagreement
// between prediction and observation means something.
import ipaddr from 'ipaddr.js'
import { type ContainerPort, type Labels, podId } from '../../model/cluster.js'
import { type LabelSelector, type NetworkPolicy, type NetworkPolicyPeer, type NetworkPolicyPort, policyId } from '../../model/policy.js'
import { type TierPeer, type TierPort, type TierRule, type TieredPolicy, tierOrder, tieredView } from '../../model/cluster-policy.js'
import type { ClusterState } from '../../model/state.js'
import { CalicoCompiler } from './compile-nft-calico.js'
import type { TopologyPlan } from './topology.js'

/** Bug classes real CNIs have shipped (see docs/selftest.md), each one switch of this compiler or the driver. */
export const FAULT_MODES = [
  'ignore-except',
  'ignore-end-port',
  'named-port-any-protocol',
  'peer-selectors-or',
  'forget-egress-isolation',
  'wrong-namespace',
  'drop-udp-rules',
  'ipblock-skips-pods',
  'policy-types-ingress-only',
  'stale-labels',
  'stale-addresses',
  'fail-open-on-restart',
  'ipv4-only',
  'policy-before-dnat',
  'pass-as-allow',
  'nodeport-no-snat',
  'tier-order-ignored',
  'icmp-always-accepted',
] as const
/** One switchable bug class. */
export type FaultMode = (typeof FAULT_MODES)[number]

/** Deliberate dataplane bugs, for proving that the harness catches them (one switch each). */
export interface Faults {
  /** Never program these policies (`namespace/name`). */
  readonly skipPolicies?: readonly string[]
  /** Bug classes to reproduce. */
  readonly modes?: readonly FaultMode[]
  /** Program every change this many milliseconds late (the agent, not the compiler). */
  readonly lateMs?: number
  /** Random loss on every node for the whole run, in percent (not a bug: the network being bad). */
  readonly lossPercent?: number
}

/** The nftables table (inet family) that holds every policy chain of a node. */
export const TABLE = 'nph'

type Pred = (labels: Labels) => boolean

/** Compiles a selector into a predicate (matchLabels and matchExpressions, all must hold). */
function selectorPredicate(sel: LabelSelector): Pred {
  const checks: Pred[] = Object.entries(sel.matchLabels ?? {}).map(
    ([k, v]) =>
      (l) =>
        l[k] === v,
  )
  for (const e of sel.matchExpressions ?? []) {
    const vals = new Set(e.values ?? [])
    if (e.operator === 'In') checks.push((l) => e.key in l && vals.has(l[e.key]))
    else if (e.operator === 'NotIn') checks.push((l) => !(e.key in l) || !vals.has(l[e.key]))
    else if (e.operator === 'Exists') checks.push((l) => e.key in l)
    else checks.push((l) => !(e.key in l))
  }
  return (l) => checks.every((c) => c(l))
}

interface PodInfo {
  readonly id: string
  readonly namespace: string
  readonly labels: Labels
  /** Every address, one per family. */
  readonly ips: readonly string[]
  readonly ports: readonly ContainerPort[]
  readonly node: string
  readonly hostIf: string
}

/** An address match for the remote end: a list of addresses, or a CIDR minus exceptions. */
type AddrMatch = { kind: 'any' } | { kind: 'ips'; ips: string[] } | { kind: 'cidr'; cidr: string; except: string[] }

/** A peer resolved once per compilation: its address match and the pods it selects (an ipBlock: by one family's address). */
interface ResolvedPeer {
  readonly addr: AddrMatch
  readonly candidates: readonly PodInfo[]
  /** An ipBlock's family: only the candidates' addresses of that family are theirs. */
  readonly family?: 'ip' | 'ip6'
}

type ParsedCidr = [ipaddr.IPv4 | ipaddr.IPv6, number]

/**
 * Everything a compilation computes once and every chain shares: parsed CIDRs and pod addresses, selector
 * predicates, resolved peers, and per node the named address sets (one per distinct address list).
 */
class Context {
  private readonly cidrs = new Map<string, { norm: string; parsed: ParsedCidr }>()
  private readonly addrs = new Map<string, ipaddr.IPv4 | ipaddr.IPv6>()
  private readonly preds = new Map<LabelSelector, Pred>()
  private readonly peers = new Map<NetworkPolicyPeer, ResolvedPeer>()
  /** Address list (joined) to set name, for the node being compiled. */
  sets = new Map<string, string>()

  constructor(
    readonly pods: readonly PodInfo[],
    readonly nsLabels: ReadonlyMap<string, Labels>,
    readonly bug: ReadonlySet<FaultMode>,
  ) {}

  cidr(c: string): { norm: string; parsed: ParsedCidr } {
    let r = this.cidrs.get(c)
    if (!r) {
      const [addr, len] = ipaddr.parseCIDR(c)
      const bytes = addr.toByteArray()
      const masked = bytes.map((b, i) => b & (0xff << (8 - Math.max(0, Math.min(8, len - i * 8)))) & 0xff)
      const norm = `${ipaddr.fromByteArray(masked).toString()}/${len}`
      r = { norm, parsed: [addr, len] }
      this.cidrs.set(c, r)
    }
    return r
  }

  inCidr(ip: string, cidr: string): boolean {
    let a = this.addrs.get(ip)
    if (!a) this.addrs.set(ip, (a = ipaddr.parse(ip)))
    const r = this.cidr(cidr).parsed
    return a.kind() === r[0].kind() && a.match(r)
  }

  pred(sel: LabelSelector): Pred {
    let p = this.preds.get(sel)
    if (!p) this.preds.set(sel, (p = selectorPredicate(sel)))
    return p
  }

  /** The addresses and pods a peer of `policy` selects (computed once per peer, whatever the number of chains). */
  peer(peer: NetworkPolicyPeer, policy: NetworkPolicy): ResolvedPeer {
    const known = this.peers.get(peer)
    if (known) return known
    const { pods, bug } = this
    let r: ResolvedPeer
    if (peer.ipBlock) {
      const cidr = this.cidr(peer.ipBlock.cidr).norm
      const except = bug.has('ignore-except') ? [] : (peer.ipBlock.except ?? []).map((e) => this.cidr(e).norm)
      // The bug: pod addresses are carved out of ipBlocks (as CNIs that match ipBlock only outside the cluster do).
      const podIps = bug.has('ipblock-skips-pods') ? pods.flatMap((p) => p.ips.map((ip) => `${ip}/${ip.includes(':') ? 128 : 32}`)) : []
      const f = family(cidr)
      const inside = (p: PodInfo) =>
        p.ips.some((ip) => family(ip) === f && this.inCidr(ip, cidr) && !except.some((e) => this.inCidr(ip, e)))
      r = { addr: { kind: 'cidr', cidr, except: [...except, ...podIps] }, candidates: pods.filter(inside), family: f }
    } else {
      const podOk = peer.podSelector ? this.pred(peer.podSelector) : () => true
      const nsPred = peer.namespaceSelector ? this.pred(peer.namespaceSelector) : undefined
      const nsOk = (ns: string) => (nsPred ? nsPred(this.nsLabels.get(ns) ?? {}) : ns === policy.metadata.namespace)
      const either = peer.podSelector && peer.namespaceSelector && bug.has('peer-selectors-or')
      const selected = pods.filter((p) =>
        either ? nsOk(p.namespace) || (p.namespace === policy.metadata.namespace && podOk(p.labels)) : nsOk(p.namespace) && podOk(p.labels),
      )
      r = { addr: { kind: 'ips', ips: selected.flatMap((p) => p.ips) }, candidates: selected }
    }
    this.peers.set(peer, r)
    return r
  }

  private readonly tierPeers = new Map<
    TierPeer,
    { kind: 'ips'; ips: string[]; candidates: PodInfo[] } | { kind: 'cidrs'; cidrs: string[] }
  >()

  /** The pods (namespaces, pods) or CIDRs (networks) a cluster-policy peer selects; undefined for nodes and domainNames. */
  tierPeer(peer: TierPeer): { kind: 'ips'; ips: string[]; candidates: PodInfo[] } | { kind: 'cidrs'; cidrs: string[] } | undefined {
    if ('unsupported' in peer) return undefined
    let r = this.tierPeers.get(peer)
    if (!r) {
      if ('networks' in peer) r = { kind: 'cidrs', cidrs: peer.networks.map((c) => this.cidr(c).norm) }
      else {
        const nsPred = this.pred('namespaces' in peer ? peer.namespaces : peer.pods.namespaceSelector)
        const podPred = 'pods' in peer ? this.pred(peer.pods.podSelector) : () => true
        const candidates = this.pods.filter((p) => nsPred(this.nsLabels.get(p.namespace) ?? {}) && podPred(p.labels))
        r = { kind: 'ips', ips: candidates.flatMap((p) => p.ips), candidates }
      }
      this.tierPeers.set(peer, r)
    }
    return r
  }

  /** True when a cluster policy's subject selects `pod`. */
  subjectSelects(policy: TieredPolicy, pod: PodInfo): boolean {
    const { namespaces, pods } = policy.subject
    const nsOk = this.pred(namespaces ?? pods!.namespaceSelector)(this.nsLabels.get(pod.namespace) ?? {})
    return nsOk && (!pods || this.pred(pods.podSelector)(pod.labels))
  }

  /** Per node: each address list's set name, by list (so a list is joined once per node, not once per rule). */
  private named = new Map<readonly string[], string>()
  private byPort = new Map<ResolvedPeer, Map<string, Map<number, string[]>>>()

  /** Starts the tables of another node: its own sets. */
  nextNode(): void {
    this.sets = new Map()
    this.named = new Map()
  }

  /** A named set of the node's table holding exactly these addresses, all of family `f` (shared by every rule that needs it). */
  setOf(ips: readonly string[], f: 'ip' | 'ip6'): string {
    const known = this.named.get(ips)
    if (known) return known
    const key = ips.join(',')
    let name = this.sets.get(key)
    if (!name) this.sets.set(key, (name = `${f === 'ip6' ? 'b' : 'a'}${this.sets.size}`))
    this.named.set(ips, name)
    return name
  }

  /** The pods of a peer grouped by the number a named port resolves to on each (once per peer and port). */
  portsOf(m: ResolvedPeer, key: string, resolve: (p: PodInfo) => number | undefined): Map<number, string[]> {
    let perPeer = this.byPort.get(m)
    if (!perPeer) this.byPort.set(m, (perPeer = new Map()))
    let r = perPeer.get(key)
    if (!r) {
      r = new Map()
      for (const c of m.candidates) {
        const n = resolve(c)
        if (n === undefined) continue
        const ips = c.ips.filter((ip) => !m.family || family(ip) === m.family)
        const list = r.get(n)
        if (list) list.push(...ips)
        else r.set(n, [...ips])
      }
      perPeer.set(key, r)
    }
    return r
  }

  /**
   * The address matches of a rule, one per family it needs (a rule of each: `ip saddr` matches IPv4 packets only,
   * `ip6 saddr` IPv6 ones); `''` matches both; none when a list holds no address at all.
   */
  addrExprs(m: AddrMatch, field: 'saddr' | 'daddr'): string[] {
    if (m.kind === 'any') return ['']
    if (m.kind === 'ips') {
      const v4 = m.ips.filter((ip) => family(ip) === 'ip')
      const v6 = m.ips.filter((ip) => family(ip) === 'ip6')
      if (!v6.length) return v4.length ? [`ip ${field} @${this.setOf(m.ips, 'ip')}`] : []
      return [...(v4.length ? [`ip ${field} @${this.setOf(v4, 'ip')}`] : []), `ip6 ${field} @${this.setOf(v6, 'ip6')}`]
    }
    const f = family(m.cidr)
    const except = m.except.filter((e) => family(e) === f)
    return [`${f} ${field} ${m.cidr}${except.length ? ` ${f} ${field} != { ${except.join(', ')} }` : ''}`]
  }
}

/** Builds the nft rules of one pod's chain. `dir` is 'to' (ingress: remote = saddr) or 'from' (egress: remote = daddr). */
function chainRules(pod: PodInfo, dir: 'to' | 'from', policies: readonly NetworkPolicy[], cx: Context): string[] {
  const { bug } = cx
  const verdict = dir === 'to' ? 'accept' : 'return'
  const remote = dir === 'to' ? 'saddr' : 'daddr'
  const out: string[] = []
  for (const policy of policies) {
    const rules = dir === 'to' ? (policy.spec.ingress ?? []) : (policy.spec.egress ?? [])
    for (const rule of rules) {
      const peers: readonly NetworkPolicyPeer[] = ('from' in rule ? rule.from : (rule as { to?: NetworkPolicyPeer[] }).to) ?? []
      const matches: ResolvedPeer[] =
        peers.length === 0 ? [{ addr: { kind: 'any' }, candidates: cx.pods }] : peers.map((peer) => cx.peer(peer, policy))
      const ports: readonly NetworkPolicyPort[] = rule.ports ?? []
      for (const m of matches) {
        if (m.addr.kind === 'ips' && m.addr.ips.length === 0) continue
        // Lazily: a set is made only for a rule that is emitted; a rule per family the peer has addresses of.
        const emit = (rest: string) => {
          for (const a of cx.addrExprs(m.addr, remote)) out.push(`${a} ${rest}`.trim())
        }
        if (ports.length === 0) {
          emit(verdict)
          continue
        }
        for (const p of ports) {
          const proto = (p.protocol ?? 'TCP').toLowerCase()
          if (proto === 'udp' && bug.has('drop-udp-rules')) continue
          if (p.port === undefined) emit(`meta l4proto ${proto} ${verdict}`)
          else if (typeof p.port === 'number')
            emit(
              `meta l4proto ${proto} th dport ${p.endPort && !bug.has('ignore-end-port') ? `${p.port}-${p.endPort}` : p.port} ${verdict}`,
            )
          else {
            // Named port: resolved on the destination pod. Ingress: this pod. Egress: each selected pod.
            const name = p.port
            const resolve = (target: PodInfo) =>
              target.ports.find((cp) => cp.name === name && (bug.has('named-port-any-protocol') || cp.protocol.toLowerCase() === proto))
                ?.port
            if (dir === 'to') {
              const n = resolve(pod)
              if (n !== undefined) emit(`meta l4proto ${proto} th dport ${n} ${verdict}`)
            } else {
              const byPort = cx.portsOf(m, `${name}/${proto}`, resolve)
              for (const [n, ips] of byPort)
                for (const a of cx.addrExprs({ kind: 'ips', ips }, remote)) out.push(`${a} meta l4proto ${proto} th dport ${n} ${verdict}`)
            }
          }
        }
      }
    }
  }
  return out
}

/** A pod's cluster policies in one direction, in evaluation order, per tier. */
interface PodTiers {
  readonly admin: readonly TieredPolicy[]
  readonly baseline: readonly TieredPolicy[]
}

/**
 * The nft rules of one cluster-policy tier for one pod: each rule's peers and ports with `verdict(action)`. A named
 * port resolves on the destination (ingress: this pod; egress: each selected pod). Networks match pod addresses too.
 */
function tierRules(
  pod: PodInfo,
  dir: 'to' | 'from',
  policies: readonly TieredPolicy[],
  cx: Context,
  verdict: (r: TierRule) => string,
): string[] {
  const remote = dir === 'to' ? 'saddr' : 'daddr'
  const out: string[] = []
  for (const policy of policies) {
    for (const rule of dir === 'to' ? policy.ingress : policy.egress) {
      const v = verdict(rule)
      for (const peer of rule.peers) {
        const m = cx.tierPeer(peer)
        if (m === undefined) continue
        if (m.kind === 'ips' && m.ips.length === 0) continue
        // One match per family: a CIDR matches packets of its own family; a pod list, each family it has addresses of.
        const addrs: string[] =
          m.kind === 'cidrs'
            ? m.cidrs.flatMap((c) => cx.addrExprs({ kind: 'cidr', cidr: c, except: [] }, remote))
            : cx.addrExprs({ kind: 'ips', ips: m.ips }, remote)
        if (rule.ports === null) {
          for (const a of addrs) out.push(`${a} ${v}`)
          continue
        }
        for (const port of rule.ports as readonly TierPort[]) {
          if (!('namedPort' in port)) {
            const range = port.start === port.end ? `${port.start}` : `${port.start}-${port.end}`
            for (const a of addrs) out.push(`${a} meta l4proto ${port.protocol.toLowerCase()} th dport ${range} ${v}`)
            continue
          }
          if (m.kind === 'cidrs') continue
          if (dir === 'to') {
            for (const cp of pod.ports.filter((c) => c.name === port.namedPort))
              for (const a of addrs) out.push(`${a} meta l4proto ${cp.protocol.toLowerCase()} th dport ${cp.port} ${v}`)
            continue
          }
          const groups = new Map<string, string[]>()
          for (const c of m.candidates)
            for (const cp of c.ports.filter((x) => x.name === port.namedPort)) {
              const key = `${cp.protocol.toLowerCase()} th dport ${cp.port}`
              const list = groups.get(key)
              if (list) list.push(...c.ips)
              else groups.set(key, [...c.ips])
            }
          for (const [key, ips] of groups)
            for (const a of cx.addrExprs({ kind: 'ips', ips }, remote)) out.push(`${a} meta l4proto ${key} ${v}`)
        }
      }
    }
  }
  return out
}

function family(ipOrCidr: string): 'ip' | 'ip6' {
  return ipOrCidr.includes(':') ? 'ip6' : 'ip'
}

/** Does this policy isolate for ingress / egress? (The API server's defaulting of policyTypes.) */
function isolates(policy: NetworkPolicy, bug: ReadonlySet<FaultMode>): { ingress: boolean; egress: boolean } {
  const types = policy.spec.policyTypes
  const egressOk = !bug.has('forget-egress-isolation')
  if (types && types.length) return { ingress: types.includes('Ingress'), egress: egressOk && types.includes('Egress') }
  return { ingress: true, egress: egressOk && !bug.has('policy-types-ingress-only') && (policy.spec.egress?.length ?? 0) > 0 }
}

/** One atomic nft script per node namespace (replaces the node's whole table, its address sets included). */
export function compileRulesets(state: ClusterState, plan: TopologyPlan, faults: Faults = {}): Map<string, string> {
  const skip = new Set(faults.skipPolicies ?? [])
  const bug = new Set(faults.modes ?? [])
  const nsLabels = new Map(state.namespaces.map((n) => [n.name, n.labels]))
  const planned = new Map(plan.pods.map((p) => [p.id, p]))
  const pods: PodInfo[] = state.pods.map((p) => {
    const pl = planned.get(podId(p))!
    return {
      id: pl.id,
      namespace: p.namespace,
      labels: p.labels,
      ips: p.ips ?? [p.ip],
      ports: p.ports,
      node: pl.node!.ns,
      hostIf: pl.hostIf!,
    }
  })
  const policies = state.policies.filter((p) => !skip.has(policyId(p)))
  const kinds = new Map(policies.map((pol) => [pol, isolates(pol, bug)]))
  const cx = new Context(pods, nsLabels, bug)
  const views = (state.clusterPolicies ?? []).map(tieredView).filter((v) => !skip.has(v.id))
  const admin = tierOrder(views, 'Admin')
  const baseline = tierOrder(views, 'Baseline')
  // Calico's tiers (compile-nft-calico.ts); the fault `tier-order-ignored` orders them by name.
  const serviceAccounts = new Map(state.pods.map((p) => [podId(p), p.serviceAccount ?? 'default']))
  const calico = new CalicoCompiler(
    state,
    pods.map((p) => ({ ...p, serviceAccount: serviceAccounts.get(p.id)! })),
    bug.has('tier-order-ignored'),
  )
  const tiersOf = (pod: PodInfo, dir: 'ingress' | 'egress'): PodTiers => ({
    admin: admin.filter((p) => p[dir].length > 0 && cx.subjectSelects(p, pod)),
    baseline: baseline.filter((p) => p[dir].length > 0 && cx.subjectSelects(p, pod)),
  })
  const out = new Map<string, string>()
  for (const node of plan.nodes) {
    cx.nextNode()
    // Pods whose chains come out the same (same policies, same named ports) share one chain, as Calico shares
    // policy chains: the dispatch maps each pod's interface to its chain.
    const shared = { out: new Map<string, string>(), in: new Map<string, string>() }
    const dispatch = { out: [] as string[], in: [] as string[] }
    const chains: string[] = []
    const chainFor = (dir: 'out' | 'in', body: readonly string[]): string => chainRaw(dir, [...body, 'drop'])
    const chainRaw = (dir: 'out' | 'in', body: readonly string[]): string => {
      const text = body.map((r) => `    ${r}`).join('\n')
      let name = shared[dir].get(text)
      if (!name) {
        shared[dir].set(text, (name = `${dir}-${shared[dir].size}`))
        chains.push(`  chain ${name} {\n${text}\n  }`)
      }
      return name
    }
    for (const pod of pods) {
      if (pod.node !== node.ns) continue
      const selecting = policies.filter(
        (pol) => (pol.metadata.namespace === pod.namespace || bug.has('wrong-namespace')) && cx.pred(pol.spec.podSelector)(pod.labels),
      )
      const ingress = selecting.filter((pol) => kinds.get(pol)!.ingress)
      const egress = selecting.filter((pol) => kinds.get(pol)!.egress)
      const tiered = (dir: 'out' | 'in', np: readonly NetworkPolicy[]): string | undefined => {
        const t = tiersOf(pod, dir === 'out' ? 'egress' : 'ingress')
        const side = dir === 'out' ? 'from' : 'to'
        const cdir = dir === 'out' ? 'egress' : 'ingress'
        const cpod = { ...pod, serviceAccount: serviceAccounts.get(pod.id)! }
        if (calico.any && calico.applies(cpod, cdir)) {
          const allowed = dir === 'out' ? 'return' : 'accept'
          const cluster = (which: 'admin' | 'baseline', passTo: string) => {
            const list = which === 'admin' ? t.admin : t.baseline
            if (list.length === 0) return undefined
            const pass = bug.has('pass-as-allow') ? allowed : passTo
            return tierRules(pod, side, list, cx, (r) => (r.action === 'Accept' ? allowed : r.action === 'Deny' ? 'drop' : pass))
          }
          return calico.chainFor(
            cpod,
            cdir,
            allowed,
            (body) => chainRaw(dir, body),
            np.length ? chainRules(pod, side, np, cx) : null,
            cluster,
          )
        }
        if (t.admin.length === 0 && t.baseline.length === 0) return np.length ? chainFor(dir, chainRules(pod, side, np, cx)) : undefined
        // Allowed in this direction: egress returns to the forward chain (the destination's ingress still decides).
        const allow = dir === 'out' ? 'return' : 'accept'
        // NetworkPolicy tier: if it isolates, it decides; else the Baseline tier (Pass: on to the default), then allowed.
        const rest = np.length
          ? chainFor(dir, chainRules(pod, side, np, cx))
          : chainRaw(dir, [...tierRules(pod, side, t.baseline, cx, (r) => (r.action === 'Deny' ? 'drop' : allow)), allow])
        // Admin tier first: Accept and Deny are final, Pass skips the rest of the tier.
        const passTo = bug.has('pass-as-allow') ? allow : `goto ${rest}`
        return chainRaw(dir, [
          ...tierRules(pod, side, t.admin, cx, (r) => (r.action === 'Accept' ? allow : r.action === 'Deny' ? 'drop' : passTo)),
          `goto ${rest}`,
        ])
      }
      const outChain = tiered('out', egress)
      const inChain = tiered('in', ingress)
      if (outChain) dispatch.out.push(`"${pod.hostIf}" : jump ${outChain}`)
      if (inChain) dispatch.in.push(`"${pod.hostIf}" : jump ${inChain}`)
    }
    const sets = [...cx.sets].map(
      ([key, name]) =>
        `  set ${name} {\n    type ${name.startsWith('b') ? 'ipv6_addr' : 'ipv4_addr'}\n    elements = { ${key.split(',').join(', ')} }\n  }`,
    )
    const forward = [
      '  chain forward {',
      '    type filter hook forward priority 0; policy accept;',
      '    ct state established,related accept',
      // The bug: rules compiled for IPv4 only (a CNI programming an `ip` table, not `inet`): IPv6 is never filtered.
      ...(bug.has('ipv4-only') ? ['    meta nfproto ipv6 accept'] : []),
      // The bug: policy judged on the Service address, before DNAT: no policy selects a ClusterIP, so Service traffic
      // (which the pods' NAT tags with DSCP CS1 under this fault, services-nat.ts) is never filtered.
      ...(bug.has('policy-before-dnat') ? ['    ip dscp cs1 accept'] : []),
      // The bug: every ICMP packet accepted ahead of policy (a dataplane keeping neighbour discovery and path MTU
      // working the blunt way): isolation never drops an echo.
      ...(bug.has('icmp-always-accepted') ? ['    meta l4proto { icmp, ipv6-icmp } accept'] : []),
      // Egress of the sending pod first (its chain returns when allowed), then ingress of the receiving pod.
      ...(dispatch.out.length ? [`    iifname vmap { ${dispatch.out.join(', ')} }`] : []),
      ...(dispatch.in.length ? [`    oifname vmap { ${dispatch.in.join(', ')} }`] : []),
      '  }',
    ]
    out.set(
      node.ns,
      [`table inet ${TABLE}`, `delete table inet ${TABLE}`, `table inet ${TABLE} {`, ...sets, ...forward, ...chains, '}', ''].join('\n'),
    )
  }
  return out
}

// Why: the local CNI's policy compiler. NetworkPolicies, pod and namespace labels in; one nftables ruleset
// per node out, with per-pod "to" (ingress) and "from" (egress) chains as Calico lays them out.
// Deliberately independent of src/evaluator: it never asks the evaluator anything, so that a disagreement
// between prediction and observation means something.
import ipaddr from 'ipaddr.js'
import { type ContainerPort, type Labels, podId } from '../../model/cluster.js'
import { type LabelSelector, type NetworkPolicy, type NetworkPolicyPeer, type NetworkPolicyPort, policyId } from '../../model/policy.js'
import type { ClusterState } from '../../model/state.js'
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
  readonly ip: string
  readonly ports: readonly ContainerPort[]
  readonly node: string
  readonly hostIf: string
}

/** An address match for the remote end: a list of addresses, or a CIDR minus exceptions. */
type AddrMatch = { kind: 'any' } | { kind: 'ips'; ips: string[] } | { kind: 'cidr'; cidr: string; except: string[] }

function normalizeCidr(c: string): string {
  const [addr, len] = ipaddr.parseCIDR(c)
  const bytes = addr.toByteArray()
  const bits = bytes.length * 8
  const masked = bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, len - i * 8))
    return b & (0xff << (8 - keep)) & 0xff
  })
  void bits
  return `${ipaddr.fromByteArray(masked).toString()}/${len}`
}

function inCidr(ip: string, cidr: string): boolean {
  const a = ipaddr.parse(ip)
  const r = ipaddr.parseCIDR(cidr)
  return a.kind() === r[0].kind() && a.match(r)
}

/** Builds the nft rules of one pod's chain. `dir` is 'to' (ingress: remote = saddr) or 'from' (egress: remote = daddr). */
function chainRules(
  pod: PodInfo,
  dir: 'to' | 'from',
  policies: readonly NetworkPolicy[],
  pods: readonly PodInfo[],
  nsLabels: ReadonlyMap<string, Labels>,
  bug: ReadonlySet<FaultMode>,
): string[] {
  const verdict = dir === 'to' ? 'accept' : 'return'
  const remote = dir === 'to' ? 'saddr' : 'daddr'
  const out: string[] = []
  for (const policy of policies) {
    const rules = dir === 'to' ? (policy.spec.ingress ?? []) : (policy.spec.egress ?? [])
    for (const rule of rules) {
      const peers: readonly NetworkPolicyPeer[] = ('from' in rule ? rule.from : (rule as { to?: NetworkPolicyPeer[] }).to) ?? []
      const matches: { addr: AddrMatch; candidates: PodInfo[] }[] = []
      if (peers.length === 0) matches.push({ addr: { kind: 'any' }, candidates: [...pods] })
      for (const peer of peers) {
        if (peer.ipBlock) {
          const cidr = normalizeCidr(peer.ipBlock.cidr)
          const except = bug.has('ignore-except') ? [] : (peer.ipBlock.except ?? []).map(normalizeCidr)
          // The bug: pod addresses are carved out of ipBlocks (as CNIs that match ipBlock only outside the cluster do).
          const podIps = bug.has('ipblock-skips-pods') ? pods.map((p) => `${p.ip}/${p.ip.includes(':') ? 128 : 32}`) : []
          matches.push({
            addr: { kind: 'cidr', cidr, except: [...except, ...podIps] },
            candidates: pods.filter((p) => inCidr(p.ip, cidr) && !except.some((e) => inCidr(p.ip, e))),
          })
          continue
        }
        const podOk = peer.podSelector ? selectorPredicate(peer.podSelector) : () => true
        const nsOk: (ns: string) => boolean = peer.namespaceSelector
          ? (
              (pred) => (ns: string) =>
                pred(nsLabels.get(ns) ?? {})
            )(selectorPredicate(peer.namespaceSelector))
          : (ns) => ns === policy.metadata.namespace
        const both = peer.podSelector && peer.namespaceSelector
        const selected = pods.filter((p) =>
          both && bug.has('peer-selectors-or')
            ? nsOk(p.namespace) || (p.namespace === policy.metadata.namespace && podOk(p.labels))
            : nsOk(p.namespace) && podOk(p.labels),
        )
        matches.push({ addr: { kind: 'ips', ips: selected.map((p) => p.ip) }, candidates: selected })
      }
      const ports: readonly NetworkPolicyPort[] = rule.ports ?? []
      for (const m of matches) {
        if (m.addr.kind === 'ips' && m.addr.ips.length === 0) continue
        if (ports.length === 0) {
          out.push(`${addrExpr(m.addr, remote)} ${verdict}`.trim())
          continue
        }
        for (const p of ports) {
          const proto = (p.protocol ?? 'TCP').toLowerCase()
          if (proto === 'udp' && bug.has('drop-udp-rules')) continue
          if (p.port === undefined) out.push(`${addrExpr(m.addr, remote)} meta l4proto ${proto} ${verdict}`.trim())
          else if (typeof p.port === 'number')
            out.push(
              `${addrExpr(m.addr, remote)} meta l4proto ${proto} th dport ${p.endPort && !bug.has('ignore-end-port') ? `${p.port}-${p.endPort}` : p.port} ${verdict}`.trim(),
            )
          else {
            // Named port: resolved on the destination pod. Ingress: this pod. Egress: each selected pod.
            const name = p.port
            const resolve = (target: PodInfo) =>
              target.ports.find((cp) => cp.name === name && (bug.has('named-port-any-protocol') || cp.protocol.toLowerCase() === proto))
                ?.port
            if (dir === 'to') {
              const n = resolve(pod)
              if (n !== undefined) out.push(`${addrExpr(m.addr, remote)} meta l4proto ${proto} th dport ${n} ${verdict}`.trim())
            } else {
              const byPort = new Map<number, string[]>()
              for (const c of m.candidates) {
                const n = resolve(c)
                if (n !== undefined) byPort.set(n, [...(byPort.get(n) ?? []), c.ip])
              }
              for (const [n, ips] of byPort)
                out.push(`${addrExpr({ kind: 'ips', ips }, remote)} meta l4proto ${proto} th dport ${n} ${verdict}`)
            }
          }
        }
      }
    }
  }
  return out
}

function family(ipOrCidr: string): 'ip' | 'ip6' {
  return ipOrCidr.includes(':') ? 'ip6' : 'ip'
}

function addrExpr(m: AddrMatch, field: 'saddr' | 'daddr'): string {
  if (m.kind === 'any') return ''
  if (m.kind === 'ips') return `ip ${field} { ${m.ips.join(', ')} }`
  const f = family(m.cidr)
  const except = m.except.filter((e) => family(e) === f)
  return `${f} ${field} ${m.cidr}${except.length ? ` ${f} ${field} != { ${except.join(', ')} }` : ''}`
}

/** Does this policy isolate for ingress / egress? (The API server's defaulting of policyTypes.) */
function isolates(policy: NetworkPolicy, bug: ReadonlySet<FaultMode>): { ingress: boolean; egress: boolean } {
  const types = policy.spec.policyTypes
  const egressOk = !bug.has('forget-egress-isolation')
  if (types && types.length) return { ingress: types.includes('Ingress'), egress: egressOk && types.includes('Egress') }
  return { ingress: true, egress: egressOk && !bug.has('policy-types-ingress-only') && (policy.spec.egress?.length ?? 0) > 0 }
}

/** One atomic nft script per node namespace (replaces the node's whole table). */
export function compileRulesets(state: ClusterState, plan: TopologyPlan, faults: Faults = {}): Map<string, string> {
  const skip = new Set(faults.skipPolicies ?? [])
  const bug = new Set(faults.modes ?? [])
  const nsLabels = new Map(state.namespaces.map((n) => [n.name, n.labels]))
  const pods: PodInfo[] = state.pods.map((p) => {
    const pl = plan.pods.find((x) => x.id === podId(p))!
    return { id: pl.id, namespace: p.namespace, labels: p.labels, ip: p.ip, ports: p.ports, node: pl.node!.ns, hostIf: pl.hostIf! }
  })
  const policies = state.policies.filter((p) => !skip.has(policyId(p)))
  const out = new Map<string, string>()
  for (const node of plan.nodes) {
    const jumpsFrom: string[] = []
    const jumpsTo: string[] = []
    const chains: string[] = []
    for (const pod of pods.filter((p) => p.node === node.ns)) {
      const selecting = policies.filter(
        (pol) =>
          (pol.metadata.namespace === pod.namespace || bug.has('wrong-namespace')) && selectorPredicate(pol.spec.podSelector)(pod.labels),
      )
      const ingress = selecting.filter((pol) => isolates(pol, bug).ingress)
      const egress = selecting.filter((pol) => isolates(pol, bug).egress)
      if (egress.length) {
        jumpsFrom.push(`    iifname "${pod.hostIf}" jump from-${pod.hostIf}`)
        chains.push(
          `  chain from-${pod.hostIf} {\n${[...chainRules(pod, 'from', egress, pods, nsLabels, bug), 'drop'].map((r) => `    ${r}`).join('\n')}\n  }`,
        )
      }
      if (ingress.length) {
        jumpsTo.push(`    oifname "${pod.hostIf}" jump to-${pod.hostIf}`)
        chains.push(
          `  chain to-${pod.hostIf} {\n${[...chainRules(pod, 'to', ingress, pods, nsLabels, bug), 'drop'].map((r) => `    ${r}`).join('\n')}\n  }`,
        )
      }
    }
    const forward = [
      '  chain forward {',
      '    type filter hook forward priority 0; policy accept;',
      '    ct state established,related accept',
      ...jumpsFrom,
      ...jumpsTo,
      '  }',
    ]
    out.set(
      node.ns,
      [`table inet ${TABLE}`, `delete table inet ${TABLE}`, `table inet ${TABLE} {`, ...forward, ...chains, '}', ''].join('\n'),
    )
  }
  return out
}

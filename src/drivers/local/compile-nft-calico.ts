// Why: the local CNI's Calico chains: per pod and direction, a chain per tier (in tier order) holding the tier's
// policies' rules in order (Allow: accept/return, Deny: drop, Pass: goto the next tier's chain, Log: no-op), the
// Kubernetes NetworkPolicies at their place in the default tier, the tier's default action at its end, and a final
// "profile" chain that allows. Like compile-nft.ts it never asks the evaluator: it reads the model and selectors itself.
import ipaddr from 'ipaddr.js'
import type { ContainerPort, Labels } from '../../model/cluster.js'
import {
  type CalicoEntity,
  type CalicoNetworkSet,
  type CalicoPolicy,
  type CalicoPort,
  type CalicoRule,
  type CalicoTier,
  isStaged,
  orderedTiers,
  workloadLabels,
} from '../../model/calico.js'
import { type CalicoSelector, calicoSelects } from '../../model/calico-selector.js'
import type { ClusterState } from '../../model/state.js'

/** What the Calico chains read of a pod (compile-nft.ts's `PodInfo`). */
export interface CalicoPod {
  readonly id: string
  readonly namespace: string
  readonly labels: Labels
  readonly ips: readonly string[]
  readonly ports: readonly ContainerPort[]
  readonly serviceAccount: string
}

/** One item of a tier for one pod: rules already rendered, or where the NetworkPolicy / cluster-policy rules go. */
type Item = { readonly kind: 'calico'; readonly policy: CalicoPolicy } | { readonly kind: 'k8s' } | { readonly kind: 'admin' | 'baseline' }

type Fam = 'ip' | 'ip6'
const FAMS: readonly Fam[] = ['ip', 'ip6']
const famOf = (a: string): Fam => (a.includes(':') ? 'ip6' : 'ip')

/** The Calico part of a compilation: which pods Calico policies select, and their chains. */
export class CalicoCompiler {
  private readonly policies: readonly CalicoPolicy[]
  private readonly sets: readonly CalicoNetworkSet[]
  private readonly tiers: readonly { tier: CalicoTier; items: Item[] }[]
  private readonly workload = new Map<string, Labels>()
  private readonly nsLabels: ReadonlyMap<string, Labels>

  constructor(
    state: ClusterState,
    private readonly pods: readonly CalicoPod[],
    tierOrderIgnored: boolean,
  ) {
    const objects = state.calico ?? []
    this.policies = objects.filter((o): o is CalicoPolicy => 'selector' in o && !isStaged(o))
    this.sets = objects.filter((o): o is CalicoNetworkSet => o.kind === 'NetworkSet' || o.kind === 'GlobalNetworkSet')
    this.nsLabels = new Map(state.namespaces.map((n) => [n.name, n.labels]))
    this.tiers = orderedTiers<Item>(
      objects,
      this.policies.map((p) => ({ policy: p, item: { kind: 'calico', policy: p } })),
      { k8s: { kind: 'k8s' }, admin: { kind: 'admin' }, baseline: { kind: 'baseline' } },
      // The fault: tiers by name, not by order.
      tierOrderIgnored,
    )
    for (const p of pods) this.workload.set(p.id, workloadLabels(p, this.nsLabels.get(p.namespace) ?? {}, p.serviceAccount))
  }

  /** True when the state has an enforced Calico policy at all. */
  get any(): boolean {
    return this.policies.length > 0
  }

  private selects(policy: CalicoPolicy, pod: CalicoPod): boolean {
    if (policy.namespace !== undefined && policy.namespace !== pod.namespace) return false
    if (!calicoSelects(policy.selector, { labels: this.workload.get(pod.id)!, namespaced: true })) return false
    if (policy.namespaceSelector && !nsSelects(policy.namespaceSelector, this.nsOf(pod.namespace), true)) return false
    if (
      policy.serviceAccountSelector &&
      !calicoSelects(policy.serviceAccountSelector, { labels: { 'projectcalico.org/name': pod.serviceAccount } })
    )
      return false
    return true
  }

  private nsOf(ns: string): Labels {
    return { ...(this.nsLabels.get(ns) ?? {}), 'projectcalico.org/name': ns }
  }

  /** True when a Calico policy selects `pod` with this direction in its types. */
  applies(pod: CalicoPod, dir: 'ingress' | 'egress'): boolean {
    const type = dir === 'ingress' ? 'Ingress' : 'Egress'
    return this.policies.some((p) => p.types.includes(type) && this.selects(p, pod))
  }

  /** The addresses (and CIDRs) an entity's selector part picks, or undefined when it has no selector part (anything). */
  private selected(e: CalicoEntity, policyNs: string | undefined): string[] | undefined {
    const ns = e.namespaceSelector
    const nsPart =
      ns !== undefined
        ? (o: { namespace?: string }) => (o.namespace ? nsSelects(ns, this.nsOf(o.namespace), true) : nsSelects(ns, {}, false))
        : policyNs !== undefined
          ? (o: { namespace?: string }) => o.namespace === policyNs
          : undefined
    const sa = e.serviceAccounts
    const hasSel = e.selector !== undefined || sa !== undefined
    const scoped = nsPart !== undefined && (hasSel || e.notSelector !== undefined || ns !== undefined)
    if (!hasSel && !scoped) return undefined
    const pick = (o: { namespace?: string; labels: Labels }, account?: string) =>
      (!scoped || nsPart!(o)) &&
      (!e.selector || calicoSelects(e.selector, { labels: o.labels })) &&
      (!sa ||
        (account !== undefined &&
          (!sa.names || sa.names.includes(account)) &&
          (!sa.selector || calicoSelects(sa.selector, { labels: { 'projectcalico.org/name': account } }))))
    return this.matching(pick)
  }

  private matching(pick: (o: { namespace?: string; labels: Labels }, account?: string) => boolean): string[] {
    const out: string[] = []
    for (const p of this.pods) if (pick({ namespace: p.namespace, labels: this.workload.get(p.id)! }, p.serviceAccount)) out.push(...p.ips)
    for (const s of this.sets) {
      const labels = s.namespace ? { ...s.labels, 'projectcalico.org/namespace': s.namespace } : s.labels
      if (pick({ ...(s.namespace ? { namespace: s.namespace } : {}), labels })) out.push(...s.nets.map(norm))
    }
    return out
  }

  /** The nft address matches of an entity on `field`, for family `f`; null: it can match nothing of that family. */
  private entityMatch(e: CalicoEntity, policyNs: string | undefined, field: 'saddr' | 'daddr', f: Fam): string[] | null {
    const out: string[] = []
    const sel = this.selected(e, policyNs)
    const of = (list: readonly string[]) => list.filter((a) => famOf(a) === f)
    if (sel) {
      const mine = of(sel)
      if (mine.length === 0) return null
      out.push(`${f} ${field} { ${[...new Set(mine)].join(', ')} }`)
    }
    if (e.notSelector) {
      const not = of(this.matching((o) => calicoSelects(e.notSelector!, { labels: o.labels })))
      if (not.length) out.push(`${f} ${field} != { ${[...new Set(not)].join(', ')} }`)
    }
    if (e.nets) {
      const mine = of(e.nets.map(norm))
      if (mine.length === 0) return null
      out.push(`${f} ${field} { ${mine.join(', ')} }`)
    }
    if (e.notNets) {
      const mine = of(e.notNets.map(norm))
      if (mine.length) out.push(`${f} ${field} != { ${mine.join(', ')} }`)
    }
    return out
  }

  /** The nft rules of one Calico rule for `pod` in `dir`, ending in `verdict`. */
  private ruleLines(rule: CalicoRule, policy: CalicoPolicy, pod: CalicoPod, dir: 'ingress' | 'egress', verdict: string): string[] {
    const out: string[] = []
    const proto = rule.protocol !== undefined ? nftProto(rule.protocol) : undefined
    for (const f of FAMS) {
      if (rule.ipVersion !== undefined && (rule.ipVersion === 4) !== (f === 'ip')) continue
      if (!pod.ips.some((a) => famOf(a) === f)) continue
      const src = this.entityMatch(rule.source, policy.namespace, 'saddr', f)
      const dst = this.entityMatch(rule.destination, policy.namespace, 'daddr', f)
      if (src === null || dst === null) continue
      const head = [`meta nfproto ${f === 'ip' ? 'ipv4' : 'ipv6'}`, ...src, ...dst]
      if (proto) head.push(`meta l4proto ${proto}`)
      if (rule.notProtocol !== undefined) head.push(`meta l4proto != ${nftProto(rule.notProtocol)}`)
      // ICMP: protocol 1 is IPv4's, 58 IPv6's; a rule naming one never matches the other family's packets (as the
      // evaluator), so it has no rule there. `icmp` matches type (and code); `notICMP` anything but that type and
      // code: two rules, another type, or that type with another code.
      const icmpProto =
        rule.protocol === 'ICMP' || rule.protocol === 1 ? 'ip' : rule.protocol === 'ICMPv6' || rule.protocol === 58 ? 'ip6' : undefined
      if (icmpProto && icmpProto !== f) continue
      const icmpKw = f === 'ip' ? 'icmp' : 'icmpv6'
      if (rule.icmp?.type !== undefined) head.push(`${icmpKw} type ${rule.icmp.type}`)
      if (rule.icmp?.code !== undefined) head.push(`${icmpKw} code ${rule.icmp.code}`)
      const d = rule.destination
      if (rule.notICMP?.type !== undefined) {
        const base = head.join(' ')
        out.push(`${base} ${icmpKw} type != ${rule.notICMP.type} ${verdict}`)
        if (rule.notICMP.code !== undefined)
          out.push(`${base} ${icmpKw} type ${rule.notICMP.type} ${icmpKw} code != ${rule.notICMP.code} ${verdict}`)
        continue
      }
      if (!d.ports && !d.notPorts) {
        out.push(`${head.join(' ')} ${verdict}`)
        continue
      }
      // Named ports resolve on the destination: this pod (ingress), or each destination pod (egress).
      const variants: { extra: string[]; ports?: string[] }[] = []
      const numeric = (list: readonly CalicoPort[]) =>
        list.flatMap((p) => ('name' in p ? [] : [p.start === p.end ? `${p.start}` : `${p.start}-${p.end}`]))
      const named = (d.ports ?? []).filter((p): p is { name: string } => 'name' in p)
      const resolve = (target: CalicoPod, name: string) =>
        target.ports.filter((cp) => cp.name === name && cp.protocol === rule.protocol).map((cp) => `${cp.port}`)
      const notList = [
        ...numeric(d.notPorts ?? []),
        ...(d.notPorts ?? []).flatMap((p) => ('name' in p && dir === 'ingress' ? resolve(pod, p.name) : [])),
      ]
      const not = notList.length ? [`th dport != { ${notList.join(', ')} }`] : []
      // Egress: a named notPort excludes each destination pod's own number, as address . port pairs.
      if (dir === 'egress') {
        const pairs = (d.notPorts ?? []).flatMap((p) =>
          'name' in p
            ? this.pods.flatMap((t) => resolve(t, p.name).flatMap((n) => t.ips.filter((a) => famOf(a) === f).map((a) => `${a} . ${n}`)))
            : [],
        )
        if (pairs.length) not.push(`${f} daddr . th dport != { ${[...new Set(pairs)].join(', ')} }`)
      }
      if (!d.ports) variants.push({ extra: not })
      else {
        const nums = numeric(d.ports)
        if (dir === 'ingress') nums.push(...named.flatMap((p) => resolve(pod, p.name)))
        if (nums.length) variants.push({ extra: [`th dport { ${nums.join(', ')} }`, ...not] })
        if (dir === 'egress')
          for (const p of named) {
            const byNum = new Map<string, string[]>()
            for (const t of this.pods)
              for (const n of resolve(t, p.name)) byNum.set(n, [...(byNum.get(n) ?? []), ...t.ips.filter((a) => famOf(a) === f)])
            for (const [n, ips] of byNum)
              if (ips.length) variants.push({ extra: [`${f} daddr { ${ips.join(', ')} }`, `th dport ${n}`, ...not] })
          }
      }
      for (const v of variants) out.push(`${[...head, ...v.extra].join(' ')} ${verdict}`)
    }
    return out
  }

  /**
   * The chain a pod's direction jumps to: its tiers' chains, each going to the next on Pass or at a Pass default,
   * ending in the profile (`allow`). `np`: the pod's NetworkPolicy rules (null: none selects it); `cluster`: the
   * network-policy-api tiers' rules with the verdicts given (undefined: none selects it).
   */
  chainFor(
    pod: CalicoPod,
    dir: 'ingress' | 'egress',
    allow: string,
    chain: (body: readonly string[]) => string,
    np: string[] | null,
    cluster: (side: 'admin' | 'baseline', passTo: string) => string[] | undefined,
  ): string {
    const type = dir === 'ingress' ? 'Ingress' : 'Egress'
    let next = chain([allow])
    for (let i = this.tiers.length - 1; i >= 0; i--) {
      const t = this.tiers[i]
      const body: string[] = []
      let applied = false
      const passTo = `goto ${next}`
      for (const item of t.items) {
        if (item.kind === 'k8s') {
          if (np === null) continue
          applied = true
          body.push(...np)
          continue
        }
        if (item.kind !== 'calico') {
          const lines = cluster(item.kind, passTo)
          if (lines === undefined) continue
          applied = true
          body.push(...lines)
          continue
        }
        const p = item.policy
        if (!p.types.includes(type) || !this.selects(p, pod)) continue
        applied = true
        for (const r of dir === 'ingress' ? p.ingress : p.egress) {
          if (r.action === 'Log') continue
          const v = r.action === 'Allow' ? allow : r.action === 'Deny' ? 'drop' : passTo
          body.push(...this.ruleLines(r, p, pod, dir, v))
        }
      }
      if (!applied) continue
      body.push(t.tier.defaultAction === 'Pass' ? passTo : 'drop')
      next = chain(body)
    }
    return next
  }
}

function norm(c: string): string {
  const [addr, len] = ipaddr.parseCIDR(c.includes('/') ? c : `${c}/${c.includes(':') ? 128 : 32}`)
  const bytes = addr.toByteArray()
  const masked = bytes.map((b, i) => b & (0xff << (8 - Math.max(0, Math.min(8, len - i * 8)))) & 0xff)
  return `${ipaddr.fromByteArray(masked).toString()}/${len}`
}

function nftProto(p: string | number): string {
  if (typeof p === 'number') return `${p}`
  return { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp', ICMP: 'icmp', ICMPv6: 'ipv6-icmp', UDPLite: 'udplite' }[p] ?? p.toLowerCase()
}

/** A namespaceSelector (rules.go: `all()` selects namespaced objects, `global()` the others). */
function nsSelects(sel: CalicoSelector, labels: Labels, namespaced: boolean): boolean {
  const rw = (s: CalicoSelector): CalicoSelector => {
    if (s.op === 'all') return namespaced ? s : { op: '!', of: { op: 'all' } }
    if (s.op === 'global') return namespaced ? { op: '!', of: { op: 'all' } } : { op: 'all' }
    if (s.op === '!') return { op: '!', of: rw(s.of) }
    if (s.op === '&&' || s.op === '||') return { op: s.op, of: s.of.map(rw) }
    return namespaced ? s : { op: '!', of: { op: 'all' } }
  }
  return calicoSelects(rw(sel), { labels, namespaced })
}

// Why: the evaluator explains itself: which policies isolate each end, and which rule (if any) allowed it.
import type { ServiceHop, Target } from '../model/cluster.js'
import type { NetworkPolicyPeer } from '../model/policy.js'
import { type CompiledRule, type Endpoint, type Model, peerSelects } from './compile.js'
import { portMatches } from './ports.js'
import type { PredictOptions, Verdict } from './predict.js'
import { backendTarget, dnsCheck, dnsResolver, dnsTarget, ingressFromAddress, serviceHop } from './services.js'
import { type CalicoDecision, calicoTrace } from './calico.js'
import { type TierDecision, type TierHit, firstTierHit, portSetFor } from './tiers.js'

/** Which side of a connection a policy governs. */
export type Direction = 'ingress' | 'egress'

/** Points at one rule, peer and port of one policy (indices are 0-based, as in the YAML). */
export interface RuleRef {
  readonly kind: 'NetworkPolicy'
  readonly policy: string
  readonly direction: Direction
  readonly rule: number
  /** null: the rule has no peers (all match). */
  readonly peer: number | null
  /** null: the rule has no ports (all match). */
  readonly port: number | null
}

/** How one rule of an isolating policy fared against the connection. */
export interface RuleCheck {
  readonly ref: RuleRef
  readonly peerMatched: boolean
  readonly portMatched: boolean
}

/** The decision of one direction (egress of the source, ingress of the destination). */
export interface DirectionDecision {
  readonly direction: Direction
  readonly endpoint: string
  /** false when the endpoint is an external host: no policy applies to it. */
  readonly applicable: boolean
  /** Policies selecting the endpoint with this direction in their types (empty: not isolated). */
  readonly isolatedBy: readonly string[]
  readonly allowed: boolean
  readonly allowedBy?: RuleRef
  readonly checks: readonly RuleCheck[]
  /** Set when a cluster policy selects the endpoint in this direction: which tier decided, through which rules. */
  readonly tiers?: TierDecision
  /** Set when a Calico policy selects the endpoint in this direction: every tier's matching rules, Pass chains, end-of-tier denies. */
  readonly calico?: CalicoDecision
}

/** Why one cell is allowed or denied: the isolating policies of each end and the deciding rule. */
export interface Explanation {
  readonly from: string
  readonly to: string
  readonly target: Target
  readonly verdict: Verdict
  readonly reason: 'self' | 'policies' | 'hairpin'
  readonly egress: DirectionDecision
  readonly ingress: DirectionDecision
  /** A `via` cell: the Service, the DNAT to the backend's port and the SNAT if any (policies are judged after them). */
  readonly service?: ServiceHop
}

function decide(model: Model, direction: Direction, self: Endpoint, peer: Endpoint, target: Target, dest: Endpoint): DirectionDecision {
  if (self.kind !== 'pod') return { direction, endpoint: self.id, applicable: false, isolatedBy: [], allowed: true, checks: [] }
  const indices = direction === 'ingress' ? model.ingressPolicies[self.index] : model.egressPolicies[self.index]
  const checks: RuleCheck[] = []
  let allowedBy: RuleRef | undefined
  for (const pi of indices) {
    const policy = model.policies[pi]
    const rules: readonly CompiledRule[] = direction === 'ingress' ? policy.ingress : policy.egress
    for (const rule of rules) {
      const peerIndex = rule.peers === null ? null : rule.peers.findIndex((p) => peerSelects(p, peer.index, target.family))
      const portIndex =
        rule.ports === null ? null : rule.ports.findIndex((p) => portMatches(p, target, dest.kind === 'pod' ? dest.ports : undefined))
      const peerMatched = peerIndex === null || peerIndex >= 0
      const portMatched = portIndex === null || portIndex >= 0
      const ref: RuleRef = {
        kind: 'NetworkPolicy',
        policy: policy.id,
        direction,
        rule: rule.index,
        peer: peerIndex === null || peerIndex < 0 ? null : peerIndex,
        port: portIndex === null || portIndex < 0 ? null : portIndex,
      }
      checks.push({ ref, peerMatched, portMatched })
      if (peerMatched && portMatched && !allowedBy) allowedBy = ref
    }
  }
  const isolatedBy = indices.map((i) => model.policies[i].id)
  const npAllowed = isolatedBy.length === 0 || allowedBy !== undefined
  const base = { direction, endpoint: self.id, applicable: true, isolatedBy, allowedBy, checks }
  if (model.calico?.applies[direction][self.index]) {
    const cx = {
      endpoints: model.endpoints,
      all: model.all,
      np: () => null,
      clusterTiers: model.tiers,
      clusterPortSet: portSetFor(model.endpoints, model.all, direction, self, target, new Map()),
      npIds: isolatedBy,
      npAllows: allowedBy !== undefined,
    }
    const calico = calicoTrace(model.calico, cx, direction, self, peer, target, dest)
    return { ...base, allowed: calico.allowed, calico }
  }
  const tiers = model.tiers
  const admin = tiers?.perPod[direction].admin[self.index] ?? []
  const baseline = tiers?.perPod[direction].baseline[self.index] ?? []
  if (!tiers || (admin.length === 0 && baseline.length === 0)) return { ...base, allowed: npAllowed }
  // Admin (Accept/Deny final, Pass on), NetworkPolicy if it isolates, Baseline (Pass: on to the default), allowed.
  const hits: TierHit[] = []
  const first = firstTierHit(tiers.admin, admin, direction, peer, target, dest)
  if (first) hits.push(first)
  if (first && first.action !== 'Pass') return { ...base, allowed: first.action === 'Accept', tiers: { decidedIn: 'Admin', hits } }
  if (isolatedBy.length > 0) return { ...base, allowed: npAllowed, tiers: { decidedIn: 'NetworkPolicy', hits } }
  const last = firstTierHit(tiers.baseline, baseline, direction, peer, target, dest)
  if (!last) return { ...base, allowed: true, tiers: { decidedIn: 'default', hits } }
  hits.push(last)
  return { ...base, allowed: last.action !== 'Deny', tiers: { decidedIn: 'Baseline', hits } }
}

/** The ingress decision for a source that is no endpoint: the node's address after SNAT. */
function decideFromAddress(model: Model, dest: Endpoint, ip: string, target: Target): DirectionDecision {
  const r = ingressFromAddress(model, dest, ip, target)
  const checks: RuleCheck[] = r.checks.map((c) => ({
    ref: { kind: 'NetworkPolicy', policy: c.policy, direction: 'ingress', rule: c.rule, peer: c.peer, port: c.port },
    peerMatched: c.peerMatched,
    portMatched: c.portMatched,
  }))
  const allowedBy = checks.find((c) => c.peerMatched && c.portMatched)?.ref
  return { direction: 'ingress', endpoint: dest.id, applicable: true, isolatedBy: r.isolatedBy, allowed: r.allowed, allowedBy, checks }
}

/**
 * Explains one cell. Throws if an id is unknown (callers validate ids first), or for a `via` cell that does not
 * exist. A `via` cell is judged on the backend's port, from the source the backend sees (`service`).
 */
export function explainCell(model: Model, from: string, to: string, target: Target, opts: PredictOptions = {}): Explanation {
  const src = model.byId.get(from)
  const dst = model.byId.get(to)
  if (!src || !dst) throw new Error(`unknown endpoint ${src ? to : from}`)
  if (target.via) {
    const found = serviceHop(model, src, dst, target)
    if (!found)
      throw new Error(`${from} -> ${to} has no cell on ${target.port}/${target.protocol} via ${target.via} (see docs/services.md)`)
    // A name is resolved first (predict.ts): the lookup is a service-ip cell to each resolver backend on UDP 53.
    const resolver = target.via === 'service-name' ? dnsResolver(model) : undefined
    const dns =
      resolver &&
      dnsCheck(model, resolver, src.index, (_, d) => {
        const b = model.endpoints[d]
        const dt = dnsTarget(target)
        return serviceHop(model, src, b, dt) ? explainCell(model, from, b.id, dt, opts).verdict : undefined
      })
    const hop = dns ? { ...found, dns } : found
    const bt = backendTarget(target, hop)
    const egress = decide(model, 'egress', src, dst, bt, dst)
    const ingress = hop.snatTo ? decideFromAddress(model, dst, hop.snatTo, bt) : decide(model, 'ingress', dst, src, bt, dst)
    if (dns && !dns.allowed) return { from, to, target, verdict: 'deny', reason: 'policies', egress, ingress, service: hop }
    if (hop.hairpin)
      return { from, to, target, verdict: opts.hairpin === 'dropped' ? 'deny' : 'allow', reason: 'hairpin', egress, ingress, service: hop }
    const verdict = egress.allowed && ingress.allowed ? 'allow' : 'deny'
    return { from, to, target, verdict, reason: 'policies', egress, ingress, service: hop }
  }
  const egress = decide(model, 'egress', src, dst, target, dst)
  const ingress = decide(model, 'ingress', dst, src, target, dst)
  if (src.index === dst.index) return { from, to, target, verdict: 'allow', reason: 'self', egress, ingress }
  return { from, to, target, verdict: egress.allowed && ingress.allowed ? 'allow' : 'deny', reason: 'policies', egress, ingress }
}

/** A short human description of a peer, for explanations. */
export function describePeer(peer: NetworkPolicyPeer): string {
  const parts: string[] = []
  if (peer.namespaceSelector) parts.push(`namespaceSelector ${describeSelector(peer.namespaceSelector)}`)
  if (peer.podSelector) parts.push(`podSelector ${describeSelector(peer.podSelector)}`)
  if (peer.ipBlock)
    parts.push(`ipBlock ${peer.ipBlock.cidr}${peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(',')}` : ''}`)
  return parts.join(' AND ')
}

/** `{app=web, tier in (a,b)}`; `{}` selects everything. */
export function describeSelector(sel: NonNullable<NetworkPolicyPeer['podSelector']>): string {
  const terms = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`)
  for (const e of sel.matchExpressions ?? []) {
    terms.push(
      e.operator === 'Exists'
        ? e.key
        : e.operator === 'DoesNotExist'
          ? `!${e.key}`
          : `${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`,
    )
  }
  return `{${terms.join(', ')}}`
}

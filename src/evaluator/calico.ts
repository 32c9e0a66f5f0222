// Why: Calico's policy model as Felix evaluates it (felix/calc/policy_sorter.go, felix/rules/endpoints.go,
// libcalico-go updateprocessors/rules.go; docs/calico-policy.md): per endpoint and direction, the tiers that have a
// policy selecting it, in order; in each, rules in policy order: Allow/Deny final, Log goes on, Pass leaves the
// tier; no match: the tier's default action (Deny, or Pass). Every tier passed: allowed (the profile). Kubernetes
// NetworkPolicies are the `default` tier's policies at order 1000; the network-policy-api tiers are `kube-admin` and
// `kube-baseline`. Compiled to bitsets like the rest, and a pod no Calico policy selects costs nothing more.
import { type IPFamily, type Labels, type Target, isIcmp } from '../model/cluster.js'
import {
  type CalicoEntity,
  type CalicoNetworkSet,
  type CalicoPolicy,
  type CalicoPort,
  type CalicoRule,
  type CalicoTier,
  K8S_NP_ORDER,
  calicoId,
  isStaged,
  orderedTiers,
  workloadLabels,
} from '../model/calico.js'
import { type CalicoSelector, calicoSelects } from '../model/calico-selector.js'
import type { ClusterState } from '../model/state.js'
import { Bitset } from './bitset.js'
import { compileIPBlock, matchIPBlock } from './ip.js'
import { type AddressOf, type CompiledTierPolicy, type Endpoint, type TierHit, type TierModel, firstTierHit } from './tiers.js'

/** One item of a tier in evaluation order: a Calico policy, the Kubernetes NetworkPolicies (all Allow), or a network-policy-api policy. */
type TierItem =
  | { readonly kind: 'calico'; readonly policy: CompiledCalicoPolicy }
  | { readonly kind: 'k8s' }
  | { readonly kind: 'cluster'; readonly side: 'admin' | 'baseline'; readonly index: number }

/** A tier with its items in order. */
interface CompiledTier {
  readonly tier: CalicoTier
  readonly items: readonly TierItem[]
}

/** A Calico rule with its entities compiled (lazily per family when nets are involved). */
interface CompiledCalicoRule {
  readonly index: number
  readonly rule: CalicoRule
  readonly source: (family: IPFamily | undefined) => Bitset
  readonly destination: (family: IPFamily | undefined) => Bitset
}

/** A Calico policy with the pods it selects and its compiled rules. */
export interface CompiledCalicoPolicy {
  readonly policy: CalicoPolicy
  readonly id: string
  readonly selects: Bitset
  readonly ingress: readonly CompiledCalicoRule[]
  readonly egress: readonly CompiledCalicoRule[]
}

/** The Calico model of one cluster state. */
export interface CalicoModel {
  readonly tiers: readonly CompiledTier[]
  /** Per direction and pod: true when a Calico policy (of any tier) selects it in that direction. */
  readonly applies: { readonly ingress: readonly boolean[]; readonly egress: readonly boolean[] }
  /** The staged objects (they change no cell). */
  readonly staged: readonly CalicoPolicy[]
}

/** Compiles the Calico objects of `state`; undefined when it has no enforced Calico policy. */
export function compileCalico(
  state: ClusterState,
  endpoints: readonly Endpoint[],
  podCount: number,
  addressOf: AddressOf | undefined,
  faults: { readonly tierOrderIgnored?: boolean } = {},
): CalicoModel | undefined {
  const objects = state.calico ?? []
  const policies = objects.filter((o): o is CalicoPolicy => 'selector' in o && !isStaged(o))
  const staged = objects.filter((o): o is CalicoPolicy => 'selector' in o && isStaged(o))
  if (policies.length === 0) return undefined
  const size = endpoints.length
  const pods = endpoints.slice(0, podCount)
  const nsLabels = new Map(state.namespaces.map((n) => [n.name, n.labels]))
  const sa = state.pods.map((p) => p.serviceAccount ?? 'default')
  const labelsOf = pods.map((p, i) => workloadLabels(p, nsLabels.get(p.namespace!) ?? {}, sa[i]))
  const sets = objects.filter((o): o is CalicoNetworkSet => o.kind === 'NetworkSet' || o.kind === 'GlobalNetworkSet')
  const setLabels = sets.map((s) => (s.namespace ? { ...s.labels, 'projectcalico.org/namespace': s.namespace } : s.labels))
  const setBlocks = sets.map((s) => s.nets.map((c) => ({ cidr: c, block: compileIPBlock({ cidr: c }) })))
  const nsOf = (ns: string) => ({ ...(nsLabels.get(ns) ?? {}), 'projectcalico.org/name': ns })

  /** A selectable object: a pod or a network set. */
  type Sel = { readonly namespace?: string; readonly labels: Labels }
  /** The namespace part of an entity (getEndpointSelector): a namespaceSelector (all(): namespaced; global(): not), or the policy's own namespace. */
  const nsPart = (e: CalicoEntity, policyNs: string | undefined): ((o: Sel) => boolean) | undefined => {
    const ns = e.namespaceSelector
    if (ns) return (o) => (o.namespace ? evalNs(ns, nsOf(o.namespace), true) : evalNs(ns, {}, false))
    if (policyNs !== undefined) return (o) => o.namespace === policyNs
    return undefined
  }
  const saPart = (e: CalicoEntity): ((o: Sel, sa?: string) => boolean) | undefined => {
    const s = e.serviceAccounts
    if (!s) return undefined
    return (_o, name) =>
      name !== undefined && (!s.names || s.names.includes(name)) && (!s.selector || calicoSelects(s.selector, { labels: saLabels(name) }))
  }
  const addrIn = (
    ep: Endpoint,
    family: IPFamily | undefined,
    blocks: readonly { cidr: string; block: ReturnType<typeof compileIPBlock> }[],
  ) => {
    const a = family && addressOf ? addressOf(ep, family) : ep.address
    return a !== undefined && blocks.some((b) => a.kind() === b.block.cidr[0].kind() && matchIPBlock(b.block, a) === 'inside')
  }
  /** Endpoints a selector predicate picks: pods by labels, and every endpoint inside a picked network set's nets. */
  const bySelector = (pick: (o: Sel, sa?: string) => boolean, family: IPFamily | undefined): Bitset => {
    const b = new Bitset(size)
    pods.forEach((p, i) => {
      if (pick({ namespace: p.namespace, labels: labelsOf[i] }, sa[i])) b.add(p.index)
    })
    const blocks = sets.flatMap((s, i) =>
      pick({ ...(s.namespace ? { namespace: s.namespace } : {}), labels: setLabels[i] }) ? setBlocks[i] : [],
    )
    if (blocks.length) for (const ep of endpoints) if (addrIn(ep, family, blocks)) b.add(ep.index)
    return b
  }
  const entity = (e: CalicoEntity, policyNs: string | undefined): ((family: IPFamily | undefined) => Bitset) => {
    const cache = new Map<string, Bitset>()
    return (family) => {
      const key = family ?? ''
      const hit = cache.get(key)
      if (hit) return hit
      const ns = nsPart(e, policyNs)
      const saSel = saPart(e)
      const sel = e.selector
      const hasSel = sel !== undefined || saSel !== undefined
      const scoped = ns !== undefined && (hasSel || e.notSelector !== undefined || e.namespaceSelector !== undefined)
      let b: Bitset
      if (hasSel || scoped)
        b = bySelector(
          (o, s) => (!scoped || ns!(o)) && (!sel || calicoSelects(sel, { labels: o.labels })) && (!saSel || saSel(o, s)),
          family,
        )
      else b = Bitset.full(size)
      if (e.notSelector) b.andNotWith(bySelector((o) => calicoSelects(e.notSelector!, { labels: o.labels }), family))
      if (e.nets) {
        const blocks = e.nets.map((c) => ({ cidr: c, block: compileIPBlock({ cidr: c }) }))
        const inNets = new Bitset(size)
        for (const ep of endpoints) if (addrIn(ep, family, blocks)) inNets.add(ep.index)
        b = b.and(inNets)
      }
      if (e.notNets) {
        const blocks = e.notNets.map((c) => ({ cidr: c, block: compileIPBlock({ cidr: c }) }))
        for (const ep of endpoints) if (addrIn(ep, family, blocks)) b = withOut(b, ep.index)
      }
      cache.set(key, b)
      return b
    }
  }
  const compileRule = (rule: CalicoRule, index: number, ns: string | undefined): CompiledCalicoRule => ({
    index,
    rule,
    source: entity(rule.source, ns),
    destination: entity(rule.destination, ns),
  })
  const compilePolicy = (policy: CalicoPolicy): CompiledCalicoPolicy => {
    const selects = new Bitset(size)
    pods.forEach((p, i) => {
      const labels = labelsOf[i]
      if (policy.namespace !== undefined && p.namespace !== policy.namespace) return
      if (!calicoSelects(policy.selector, { labels, namespaced: true })) return
      if (policy.namespaceSelector && !evalNs(policy.namespaceSelector, nsOf(p.namespace!), true)) return
      if (policy.serviceAccountSelector && !calicoSelects(policy.serviceAccountSelector, { labels: saLabels(sa[i]) })) return
      selects.add(p.index)
    })
    return {
      policy,
      id: calicoId(policy),
      selects,
      ingress: policy.types.includes('Ingress') ? policy.ingress.map((r, i) => compileRule(r, i, policy.namespace)) : [],
      egress: policy.types.includes('Egress') ? policy.egress.map((r, i) => compileRule(r, i, policy.namespace)) : [],
    }
  }
  const compiled = policies.map(compilePolicy)
  // Tiers: every tier a policy names (an unknown tier: Calico refuses the policy; validate says so), plus the built-in ones.
  const tiers: CompiledTier[] = orderedTiers<TierItem>(
    objects,
    compiled.map((c) => ({ policy: c.policy, item: { kind: 'calico', policy: c } })),
    {
      k8s: { kind: 'k8s' },
      admin: { kind: 'cluster', side: 'admin', index: -1 },
      baseline: { kind: 'cluster', side: 'baseline', index: -1 },
    },
    !!faults.tierOrderIgnored,
  )
  const applies = (dir: 'ingress' | 'egress') => {
    const out = pods.map(() => false)
    const type = dir === 'ingress' ? 'Ingress' : 'Egress'
    for (const c of compiled) if (c.policy.types.includes(type)) for (const p of pods) if (c.selects.has(p.index)) out[p.index] = true
    return out
  }
  return { tiers, applies: { ingress: applies('ingress'), egress: applies('egress') }, staged }
}

function withOut(b: Bitset, i: number): Bitset {
  if (!b.has(i)) return b
  const one = new Bitset(b.size)
  one.add(i)
  const c = b.clone()
  c.andNotWith(one)
  return c
}

/** A namespaceSelector over a namespace's labels (`all()`: any namespaced object; `global()`: only non-namespaced ones). */
function evalNs(sel: CalicoSelector, labels: Labels, namespaced: boolean): boolean {
  return calicoSelects(nsRewrite(sel, namespaced), { labels, namespaced })
}

function nsRewrite(sel: CalicoSelector, namespaced: boolean): CalicoSelector {
  // updateprocessors/rules.go: all() -> has(projectcalico.org/namespace), global() -> !has(projectcalico.org/namespace).
  if (sel.op === 'all') return namespaced ? { op: 'all' } : { op: '!', of: { op: 'all' } }
  if (sel.op === 'global') return namespaced ? { op: '!', of: { op: 'all' } } : { op: 'all' }
  if (sel.op === '!') return { op: '!', of: nsRewrite(sel.of, namespaced) }
  if (sel.op === '&&' || sel.op === '||') return { op: sel.op, of: sel.of.map((s) => nsRewrite(s, namespaced)) }
  return namespaced ? sel : { op: '!', of: { op: 'all' } }
}

/** A service account's labels as Calico sees them (profile labels `pcsa.*`; ours carry only the name). */
function saLabels(name: string): Labels {
  return { 'projectcalico.org/name': name }
}

const PROTO_NUMBERS: Readonly<Record<string, number>> = { TCP: 6, UDP: 17, SCTP: 132, ICMP: 1, ICMPv6: 58, UDPLite: 136 }
const protoNumber = (p: string | number) => (typeof p === 'number' ? p : PROTO_NUMBERS[p])

/**
 * An ICMP echo cell as a packet: protocol 1 with type 8 (echo request, RFC 792) over IPv4, protocol 58 with type 128
 * (RFC 4443) over IPv6, code 0 both. Calico's `icmp`/`notICMP` take that type and code (projectcalico docs
 * reference/resources/networkpolicy "ICMP": type 0-254, code 0-255 only with a type).
 */
function icmpEcho(family: IPFamily): { readonly proto: number; readonly type: number; readonly code: number } {
  return family === 'IPv6' ? { proto: 58, type: 128, code: 0 } : { proto: 1, type: 8, code: 0 }
}

/** An `icmp`/`notICMP` match against a packet's type and code (a match without a code takes every code of the type). */
function icmpMatches(m: { readonly type?: number; readonly code?: number }, p: { readonly type: number; readonly code: number }): boolean {
  return m.type === p.type && (m.code === undefined || m.code === p.code)
}

/**
 * The rule's protocol, ipVersion and ICMP fields against a target of family `family` (true: they do not rule it out).
 * An ICMP echo cell is protocol 1 (IPv4) or 58 (IPv6): `protocol: ICMP` never matches an IPv6 cell, nor `ICMPv6` an
 * IPv4 one; `icmp` must match its type and code, `notICMP` must not (validation ties both to an ICMP protocol, so
 * they never match a TCP/UDP/SCTP cell: the protocol does not).
 */
function calicoRuleProtocolMatches(rule: CalicoRule, target: Target, family: IPFamily): boolean {
  const echo = isIcmp(target) ? icmpEcho(family) : undefined
  const proto = echo ? echo.proto : protoNumber(target.protocol)
  if (rule.protocol !== undefined && protoNumber(rule.protocol) !== proto) return false
  if (rule.notProtocol !== undefined && protoNumber(rule.notProtocol) === proto) return false
  if (rule.ipVersion !== undefined && (rule.ipVersion === 4) !== (family === 'IPv4')) return false
  // Felix matches a type only when one is given (rules.go: ICMPType nil: any ICMP); a code only with its type.
  if (rule.icmp?.type !== undefined && !(echo && icmpMatches(rule.icmp, echo))) return false
  if (rule.notICMP?.type !== undefined && echo && icmpMatches(rule.notICMP, echo)) return false
  return true
}

/** True when a destination port list (ports / notPorts) admits `target` on `dest` (a name resolves on the destination pod). */
function calicoPortListMatches(ports: readonly CalicoPort[], target: Target, dest: Endpoint, protocol: string): boolean {
  return ports.some((p) =>
    'name' in p
      ? dest.kind === 'pod' && dest.ports.some((cp) => cp.name === p.name && cp.protocol === protocol && cp.port === target.port)
      : target.port >= p.start && target.port <= p.end,
  )
}

function destPortsOk(rule: CalicoRule, target: Target, dest: Endpoint): boolean {
  const d = rule.destination
  if (d.ports && !calicoPortListMatches(d.ports, target, dest, target.protocol)) return false
  if (d.notPorts && calicoPortListMatches(d.notPorts, target, dest, target.protocol)) return false
  return true
}

/** The family of a cell: the target's, or the address family of the endpoint (single-family scenarios). */
function familyOf(target: Target, self: Endpoint): IPFamily {
  return target.family ?? (self.address?.kind() === 'ipv6' ? 'IPv6' : 'IPv4')
}

/** The other ends one rule matches for pod `self` in `dir` on `target`. */
function ruleOthers(
  r: CompiledCalicoRule,
  dir: 'ingress' | 'egress',
  self: Endpoint,
  target: Target,
  endpoints: readonly Endpoint[],
  empty: Bitset,
): Bitset {
  const family = familyOf(target, self)
  if (!calicoRuleProtocolMatches(r.rule, target, family)) return empty
  if (dir === 'ingress') {
    if (!r.destination(target.family).has(self.index) || !destPortsOk(r.rule, target, self)) return empty
    return r.source(target.family)
  }
  if (!r.source(target.family).has(self.index)) return empty
  const dests = r.destination(target.family)
  const d = r.rule.destination
  if (!d.ports && !d.notPorts) return dests
  const out = new Bitset(dests.size)
  for (const ep of endpoints) if (dests.has(ep.index) && destPortsOk(r.rule, target, ep)) out.add(ep.index)
  return out
}

/** The cluster-policy and Kubernetes parts a Calico walk needs from the rest of the evaluator. */
export interface CalicoContext {
  readonly endpoints: readonly Endpoint[]
  readonly all: Bitset
  /** The Kubernetes NetworkPolicy answer for this pod and direction (null: no NetworkPolicy selects it). */
  readonly np: () => Bitset | null
  readonly clusterTiers?: TierModel
  /** The network-policy-api rules' port sets (tiers.ts `portSetFor`). */
  readonly clusterPortSet: (rule: CompiledTierPolicy['ingress'][number]['rule']) => Bitset
}

/** The other ends pod `podIndex` allows in `dir` on `target`, through every tier (the model applies to it: `applies`). */
export function calicoAllowed(model: CalicoModel, cx: CalicoContext, dir: 'ingress' | 'egress', podIndex: number, target: Target): Bitset {
  const self = cx.endpoints[podIndex]
  const empty = new Bitset(cx.all.size)
  const allowed = new Bitset(cx.all.size)
  let undecided = cx.all.clone()
  let npCache: Bitset | null | undefined
  const np = () => (npCache === undefined ? (npCache = cx.np()) : npCache)
  for (const t of model.tiers) {
    let applied = false
    const passed = new Bitset(cx.all.size)
    for (const item of t.items) {
      if (item.kind === 'k8s') {
        const a = np()
        if (a === null) continue
        applied = true
        const m = a.and(undecided)
        allowed.orWith(m)
        undecided.andNotWith(m)
        continue
      }
      if (item.kind === 'cluster') {
        const ct = cx.clusterTiers
        if (!ct) continue
        const order = ct.perPod[dir][item.side][podIndex]
        if (order.length === 0) continue
        applied = true
        const list = item.side === 'admin' ? ct.admin : ct.baseline
        for (const pi of order)
          for (const r of list[pi][dir]) {
            const fm = target.family && r.byFamily ? r.byFamily[target.family].members : r.members
            const m = fm.and(cx.clusterPortSet(r.rule)).and(undecided)
            if (m.isEmpty()) continue
            if (r.rule.action === 'Accept') allowed.orWith(m)
            else if (r.rule.action === 'Pass') passed.orWith(m)
            undecided.andNotWith(m)
          }
        continue
      }
      const pol = item.policy
      if (!pol.selects.has(podIndex) || !pol.policy.types.includes(dir === 'ingress' ? 'Ingress' : 'Egress')) continue
      applied = true
      for (const r of pol[dir]) {
        if (r.rule.action === 'Log') continue
        const m = ruleOthers(r, dir, self, target, cx.endpoints, empty).and(undecided)
        if (m.isEmpty()) continue
        if (r.rule.action === 'Allow') allowed.orWith(m)
        else if (r.rule.action === 'Pass') passed.orWith(m)
        undecided.andNotWith(m)
      }
    }
    if (!applied) continue
    // End of tier: its default action for what no rule matched (Deny: dropped), what passed goes on.
    if (t.tier.defaultAction === 'Pass') undecided.orWith(passed)
    else undecided = passed
  }
  // Every tier passed (or none applied): the profile allows.
  allowed.orWith(undecided)
  return allowed
}

/** One rule that matched on the way through the tiers, for explain. */
export interface CalicoHit {
  readonly tier: string
  /** `calico-np/ns/name`, `gnp/name`, `knp.default.<ns>/<name>` style ids, or a network-policy-api id. */
  readonly policy: string
  readonly order?: number
  /** 0-based; absent for the Kubernetes NetworkPolicies, which are judged together. */
  readonly rule?: number
  readonly action: 'Allow' | 'Deny' | 'Pass' | 'Log'
}

/** How one direction went through Calico's tiers: every rule that matched in order, and where it ended. */
export interface CalicoDecision {
  readonly hits: readonly CalicoHit[]
  /** Where the decision fell: a rule (`rule`), the end of a tier with its default action, or the profile (every tier passed). */
  readonly decidedBy:
    | { readonly kind: 'rule' }
    | { readonly kind: 'end-of-tier'; readonly tier: string; readonly action: 'Deny' | 'Pass' }
    | { readonly kind: 'profile' }
  /** The tiers that applied to the endpoint, in order. */
  readonly tiers: readonly string[]
  readonly allowed: boolean
}

/** The walk of one cell for explain: the same order as `calicoAllowed`, one peer. */
export function calicoTrace(
  model: CalicoModel,
  cx: CalicoContext & { readonly npIds: readonly string[]; readonly npAllows: boolean },
  dir: 'ingress' | 'egress',
  self: Endpoint,
  peer: Endpoint,
  target: Target,
  dest: Endpoint,
): CalicoDecision {
  const hits: CalicoHit[] = []
  const tiers: string[] = []
  const empty = new Bitset(cx.all.size)
  for (const t of model.tiers) {
    let applied = false
    let passed = false
    let decided: boolean | undefined
    for (const item of t.items) {
      if (item.kind === 'k8s') {
        if (cx.npIds.length === 0) continue
        applied = true
        if (cx.npAllows) {
          hits.push({ tier: t.tier.name, policy: cx.npIds.join(', '), order: K8S_NP_ORDER, action: 'Allow' })
          decided = true
          break
        }
        continue
      }
      if (item.kind === 'cluster') {
        const ct = cx.clusterTiers
        const order = ct?.perPod[dir][item.side][self.index] ?? []
        if (!ct || order.length === 0) continue
        applied = true
        const h: TierHit | undefined = firstTierHit(item.side === 'admin' ? ct.admin : ct.baseline, order, dir, peer, target, dest)
        if (!h) continue
        const action = h.action === 'Accept' ? 'Allow' : h.action
        hits.push({ tier: t.tier.name, policy: h.policy, ...(h.priority !== undefined ? { order: h.priority } : {}), rule: h.rule, action })
        if (action === 'Pass') passed = true
        else decided = action === 'Allow'
        break
      }
      const pol = item.policy
      if (!pol.selects.has(self.index) || !pol.policy.types.includes(dir === 'ingress' ? 'Ingress' : 'Egress')) continue
      applied = true
      for (const r of pol[dir]) {
        if (!ruleOthers(r, dir, self, target, cx.endpoints, empty).has(peer.index)) continue
        hits.push({
          tier: t.tier.name,
          policy: pol.id,
          ...(pol.policy.order !== undefined ? { order: pol.policy.order } : {}),
          rule: r.index,
          action: r.rule.action,
        })
        if (r.rule.action === 'Log') continue
        if (r.rule.action === 'Pass') passed = true
        else decided = r.rule.action === 'Allow'
        break
      }
      if (passed || decided !== undefined) break
    }
    if (!applied) continue
    tiers.push(t.tier.name)
    if (decided !== undefined) return { hits, decidedBy: { kind: 'rule' }, tiers, allowed: decided }
    if (passed) continue
    if (t.tier.defaultAction === 'Deny')
      return { hits, decidedBy: { kind: 'end-of-tier', tier: t.tier.name, action: 'Deny' }, tiers, allowed: false }
  }
  return { hits, decidedBy: { kind: 'profile' }, tiers, allowed: true }
}

/**
 * The state as it would be with its staged policies enforced (resources/staged*networkpolicy.mdx): `Set` puts the
 * policy in place of the enforced one of the same name (or adds it), `Delete` removes that one; the staged objects
 * themselves are gone. Undefined when the state has no staged policy.
 */
export function withStagedEnforced(state: ClusterState): ClusterState | undefined {
  const all = state.calico ?? []
  const staged = all.filter((o): o is CalicoPolicy => 'selector' in o && isStaged(o))
  if (staged.length === 0) return undefined
  let calico = all.filter((o) => !('selector' in o && isStaged(o)))
  let policies = [...state.policies]
  for (const p of staged) {
    if (p.kind === 'StagedKubernetesNetworkPolicy') {
      policies = policies.filter((k) => !(k.metadata.namespace === p.namespace && k.metadata.name === p.name))
      if (p.stagedAction !== 'Delete' && p.k8sSpec)
        policies.push({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: p.name, namespace: p.namespace! },
          spec: p.k8sSpec,
        })
      continue
    }
    const kind = p.kind === 'StagedNetworkPolicy' ? 'NetworkPolicy' : 'GlobalNetworkPolicy'
    calico = calico.filter((o) => !(o.kind === kind && o.name === p.name && ('namespace' in o ? o.namespace : undefined) === p.namespace))
    if (p.stagedAction !== 'Delete') calico.push({ ...p, kind })
  }
  return { ...state, calico, policies }
}

// Why: the predicted connectivity matrix for every source x destination x target, from the compiled model.
import type { Target } from '../model/cluster.js'
import type { ClusterState } from '../model/state.js'
import { TruthTable } from '../model/truth-table.js'
import { Bitset } from './bitset.js'
import { type Model, compile, destinationsForPort, ruleMembers } from './compile.js'
import { portMatches } from './ports.js'
import { type HairpinMode, backendTarget, dnsCheck, dnsResolver, dnsTarget, ingressFromAddress, serviceHop } from './services.js'
import { calicoAllowed } from './calico.js'
import { portSetFor, tieredAllowed } from './tiers.js'

/**
 * One pod's direction through every tier: Calico's when a Calico policy selects it (docs/calico-policy.md), else the
 * network-policy-api tiers around the NetworkPolicy tier, else the NetworkPolicy tier alone (`np`).
 */
function throughTiers(
  model: Model,
  dir: 'ingress' | 'egress',
  p: number,
  target: Target,
  np: () => Bitset | null,
  tierNamed: Map<string, Bitset>,
): Bitset | null {
  const calico = model.calico
  const ports = () => portSetFor(model.endpoints, model.all, dir, model.endpoints[p], target, tierNamed)
  if (calico && calico.applies[dir][p])
    return calicoAllowed(
      calico,
      { endpoints: model.endpoints, all: model.all, np, clusterTiers: model.tiers, clusterPortSet: ports() },
      dir,
      p,
      target,
    )
  if (model.tiers) return tieredAllowed(model.tiers, dir, p, model.all, ports(), np, target.family)
  return np()
}

/** What policy says of one connection. */
export type Verdict = 'allow' | 'deny'

/** Sources allowed into pod `podIndex` on `target`; null means the pod is not isolated for ingress. */
function ingressAllowed(model: Model, podIndex: number, target: Target): Bitset | null {
  const policies = model.ingressPolicies[podIndex]
  if (policies.length === 0) return null
  const dest = model.endpoints[podIndex]
  const allowed = new Bitset(model.endpoints.length)
  for (const pi of policies) {
    for (const rule of model.policies[pi].ingress) {
      if (rule.ports && !rule.ports.some((p) => portMatches(p, target, dest.ports))) continue
      const members = ruleMembers(rule, target.family)
      if (!members) return model.all
      allowed.orWith(members)
    }
  }
  return allowed
}

/** Destinations pod `podIndex` may reach on `target`; null means the pod is not isolated for egress. */
function egressAllowed(model: Model, podIndex: number, target: Target, namedCache: Map<string, Bitset>): Bitset | null {
  const policies = model.egressPolicies[podIndex]
  if (policies.length === 0) return null
  const allowed = new Bitset(model.endpoints.length)
  for (const pi of policies) {
    for (const rule of model.policies[pi].egress) {
      const peers = ruleMembers(rule, target.family) ?? model.all
      if (!rule.ports) {
        allowed.orWith(peers)
        continue
      }
      for (const port of rule.ports) {
        const dests = destinationsForPort(model, port, target, namedCache)
        allowed.orWith(dests === model.all ? peers : peers.and(dests))
      }
    }
  }
  return allowed
}

/** How the target dataplane behaves where Kubernetes leaves it open (docs/services.md). */
export interface PredictOptions {
  /** A pod reaching itself through its own Service (default `allowed`). */
  readonly hairpin?: HairpinMode
}

/**
 * The cells of a `via` target (docs/services.md): one per backend, judged after DNAT on the backend's port, with the
 * source the backend sees (the node after SNAT for a NodePort with `Cluster` traffic policy); no cell where `serviceHop` says so.
 */
function predictVia(model: Model, table: TruthTable<Verdict>, target: Target, ti: number, opts: PredictOptions): void {
  const n = model.endpoints.length
  // Per backend port: each pod's ingress set and egress set, computed when first needed.
  const byPort = new Map<
    number,
    { target: Target; ingress: Map<number, Bitset | null>; egress: Map<number, Bitset | null>; named: Map<string, Bitset> }
  >()
  const at = (port: number, t: Target) => {
    let hit = byPort.get(port)
    if (!hit) byPort.set(port, (hit = { target: t, ingress: new Map(), egress: new Map(), named: new Map() }))
    return hit
  }
  // With cluster or Calico policies, each direction goes through the tiers as for a pod-ip target (on the backend port).
  // portSetFor caches named ports by name only, so one cache per backend port.
  const tierCaches = new Map<number, Map<string, Bitset>>()
  const tierNamedFor = (port: number) => {
    let m = tierCaches.get(port)
    if (!m) tierCaches.set(port, (m = new Map()))
    return m
  }
  const ingressOf = (d: number, bt: Target): Bitset | null =>
    throughTiers(model, 'ingress', d, bt, () => ingressAllowed(model, d, bt), tierNamedFor(bt.port))
  const egressOf = (s: number, bt: Target, named: Map<string, Bitset>): Bitset | null =>
    throughTiers(model, 'egress', s, bt, () => egressAllowed(model, s, bt, named), tierNamedFor(bt.port))
  // A name is resolved first: with a resolver in the scenario, a client whose lookup cannot reach it gets no answer.
  const resolver = target.via === 'service-name' ? dnsResolver(model) : undefined
  let dnsOk: ((s: number) => boolean) | undefined
  if (resolver) {
    const dt = dnsTarget(target)
    const lookups = new TruthTable<Verdict>(table.sources, table.destinations, [dt])
    predictVia(model, lookups, dt, 0, opts)
    const memo = new Map<number, boolean>()
    dnsOk = (s) => {
      let ok = memo.get(s)
      if (ok === undefined) memo.set(s, (ok = dnsCheck(model, resolver, s, (a, b) => lookups.getAt(a, b, 0)).allowed))
      return ok
    }
  }
  for (let d = 0; d < model.podCount; d++) {
    const dest = model.endpoints[d]
    if (target.family && !dest.families.has(target.family)) continue
    for (let s = 0; s < n; s++) {
      const src = model.endpoints[s]
      if (target.family && !src.families.has(target.family)) continue
      const hop = serviceHop(model, src, dest, target)
      if (!hop) continue
      if (dnsOk && !dnsOk(s)) {
        table.setAt(s, d, ti, 'deny')
        continue
      }
      if (hop.hairpin) {
        table.setAt(s, d, ti, opts.hairpin === 'dropped' ? 'deny' : 'allow')
        continue
      }
      const bt = backendTarget(target, hop)
      const c = at(hop.backendPort, bt)
      if (hop.snatTo) {
        table.setAt(s, d, ti, ingressFromAddress(model, dest, hop.snatTo, bt).allowed ? 'allow' : 'deny')
        continue
      }
      if (!c.ingress.has(d)) c.ingress.set(d, ingressOf(d, bt))
      if (s < model.podCount && !c.egress.has(s)) c.egress.set(s, egressOf(s, bt, c.named))
      const inSet = c.ingress.get(d)
      const egress = s < model.podCount ? c.egress.get(s) : null
      table.setAt(s, d, ti, (egress == null || egress.has(d)) && (inSet == null || inSet.has(s)) ? 'allow' : 'deny')
    }
  }
}

/** Predicts every cell; external-to-external cells and cells of a family one end has no address of do not exist (undefined). */
export function predictModel(model: Model, targets: readonly Target[], opts: PredictOptions = {}): TruthTable<Verdict> {
  const ids = model.endpoints.map((e) => e.id)
  const table = new TruthTable<Verdict>(ids, ids, targets)
  const n = model.endpoints.length
  const pods = model.podCount
  targets.forEach((target, ti) => {
    if (target.via) return predictVia(model, table, target, ti, opts)
    const namedCache = new Map<string, Bitset>()
    const tierNamed = new Map<string, Bitset>()
    const ingress: (Bitset | null)[] = []
    const family = target.family
    for (let d = 0; d < pods; d++)
      ingress.push(throughTiers(model, 'ingress', d, target, () => ingressAllowed(model, d, target), tierNamed))
    for (let s = 0; s < n; s++) {
      if (family && !model.endpoints[s].families.has(family)) continue
      const egress =
        s >= pods ? null : throughTiers(model, 'egress', s, target, () => egressAllowed(model, s, target, namedCache), tierNamed)
      for (let d = 0; d < n; d++) {
        if (s >= pods && d >= pods) continue
        if (family && !model.endpoints[d].families.has(family)) continue
        if (s === d) {
          table.setAt(s, d, ti, 'allow')
          continue
        }
        const inSet = d < pods ? ingress[d] : null
        const ok = (egress === null || egress.has(d)) && (inSet === null || inSet.has(s))
        table.setAt(s, d, ti, ok ? 'allow' : 'deny')
      }
    }
  })
  return table
}

/** Compiles the state and predicts the matrix for `targets`. */
export function predict(state: ClusterState, targets: readonly Target[], opts: PredictOptions = {}): TruthTable<Verdict> {
  return predictModel(compile(state), targets, opts)
}

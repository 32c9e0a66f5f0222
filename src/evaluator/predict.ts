// Why: the predicted connectivity matrix for every source x destination x target, from the compiled model.
import type { Target } from '../model/cluster.js'
import type { ClusterState } from '../model/state.js'
import { TruthTable } from '../model/truth-table.js'
import { Bitset } from './bitset.js'
import { type Model, compile, destinationsForPort, ruleMembers } from './compile.js'
import { portMatches } from './ports.js'
import { portSetFor, tieredAllowed } from './tiers.js'

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

/** Predicts every cell; external-to-external cells and cells of a family one end has no address of do not exist (undefined). */
export function predictModel(model: Model, targets: readonly Target[]): TruthTable<Verdict> {
  const ids = model.endpoints.map((e) => e.id)
  const table = new TruthTable<Verdict>(ids, ids, targets)
  const n = model.endpoints.length
  const pods = model.podCount
  targets.forEach((target, ti) => {
    const namedCache = new Map<string, Bitset>()
    const tierNamed = new Map<string, Bitset>()
    const tiers = model.tiers
    const ingress: (Bitset | null)[] = []
    const family = target.family
    for (let d = 0; d < pods; d++) {
      const np = () => ingressAllowed(model, d, target)
      ingress.push(
        tiers
          ? tieredAllowed(
              tiers,
              'ingress',
              d,
              model.all,
              portSetFor(model.endpoints, model.all, 'ingress', model.endpoints[d], target, tierNamed),
              np,
              family,
            )
          : np(),
      )
    }
    for (let s = 0; s < n; s++) {
      if (family && !model.endpoints[s].families.has(family)) continue
      const np = () => egressAllowed(model, s, target, namedCache)
      const egress =
        s >= pods
          ? null
          : tiers
            ? tieredAllowed(
                tiers,
                'egress',
                s,
                model.all,
                portSetFor(model.endpoints, model.all, 'egress', model.endpoints[s], target, tierNamed),
                np,
                family,
              )
            : np()
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
export function predict(state: ClusterState, targets: readonly Target[]): TruthTable<Verdict> {
  return predictModel(compile(state), targets)
}

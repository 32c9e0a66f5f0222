// Why: `explain`: a readable account of why one connection is allowed or denied at one step.
import { compile, describePeer, describeSelector, explainCell, serviceHop, type DirectionDecision, type Model } from '../evaluator/index.js'
import type { Target } from '../model/cluster.js'
import { addressFor, targetId } from '../model/cluster.js'
import type { Scenario } from '../model/scenario.js'
import { UsageError } from '../errors.js'
import { stepStates } from '../scenario/apply-actions.js'
import { stepIndex } from '../scenario/select.js'
import { intendedVerdict } from '../compare/intent.js'
import { calicoHitText, calicoText, tierHitText } from '../report/explain-text.js'

function describeRulePort(model: Model, policy: string, dir: 'ingress' | 'egress', rule: number, port: number): string {
  const p = model.policies.find((x) => x.id === policy)!
  const r = (dir === 'ingress' ? p.ingress : p.egress)[rule]
  const rp = r.ports![port]
  return `${rp.protocol ?? 'TCP'} ${rp.port ?? 'any'}${rp.endPort ? `-${rp.endPort}` : ''}`
}

/** The cluster-policy tiers of a direction: each matched rule, and where the decision fell (undefined: no cluster policy selects it). */
function describeTiers(d: DirectionDecision, what: string): string[] | undefined {
  const t = d.tiers
  if (!t) return undefined
  const lines = [`${what}: cluster policies select it (Admin tier, then NetworkPolicy, then Baseline)`]
  for (const h of t.hits) lines.push(`  ${tierHitText(h, d.direction)}${h.action === 'Pass' ? ' -> skips the rest of the Admin tier' : ''}`)
  const verdict = d.allowed ? 'allowed' : 'denied'
  if (t.decidedIn === 'Admin' || t.decidedIn === 'Baseline') lines.push(`  => decided in the ${t.decidedIn} tier: ${verdict}`)
  else if (t.decidedIn === 'default') lines.push('  => no Admin rule decides, no NetworkPolicy isolates, no Baseline rule decides: allowed')
  else lines.push('  => no Admin rule decides: the NetworkPolicy tier decides')
  return lines
}

function describeDirection(model: Model, d: DirectionDecision, peer: string): string[] {
  const what = d.direction === 'egress' ? `egress of ${d.endpoint}` : `ingress of ${d.endpoint}`
  if (!d.applicable) return [`${what}: external host, no policy applies: allowed`]
  if (d.calico) {
    const c = d.calico
    const lines = [`${what}: Calico tiers apply, in order: ${c.tiers.join(', ')}`]
    for (const h of c.hits)
      lines.push(
        `  ${calicoHitText(h)}${h.action === 'Pass' ? ' -> on to the next tier' : h.action === 'Log' ? ' -> logged, goes on' : ''}`,
      )
    lines.push(
      `  => ${c.decidedBy.kind === 'rule' ? `decided by that rule: ${d.allowed ? 'allowed' : 'denied'}` : calicoText({ ...c, hits: [] }, d.allowed)}`,
    )
    return lines
  }
  const tiers = describeTiers(d, what)
  if (tiers && d.tiers!.decidedIn !== 'NetworkPolicy') return tiers
  if (tiers) return [...tiers, ...describeNetworkPolicies(model, d, peer, what)]
  return describeNetworkPolicies(model, d, peer, what)
}

function describeNetworkPolicies(model: Model, d: DirectionDecision, peer: string, what: string): string[] {
  if (d.isolatedBy.length === 0)
    return [`${what}: not isolated (no policy selects it for ${d.direction === 'egress' ? 'Egress' : 'Ingress'}): allowed`]
  const lines = [`${what}: isolated by ${d.isolatedBy.join(', ')}`]
  for (const id of d.isolatedBy) {
    const checks = d.checks.filter((c) => c.ref.policy === id)
    if (checks.length === 0) lines.push(`  ${id}: has no ${d.direction} rules, so it allows nothing`)
    const policy = model.policies.find((x) => x.id === id)!
    for (const c of checks) {
      const rule = (d.direction === 'ingress' ? policy.ingress : policy.egress)[c.ref.rule]
      const peers =
        rule.peers === null
          ? `any ${d.direction === 'ingress' ? 'source' : 'destination'}`
          : c.peerMatched
            ? `peer ${c.ref.peer} (${describePeer(rule.peers[c.ref.peer!].peer)}) selects ${peer}`
            : `no peer selects ${peer} (${rule.peers.map((p) => describePeer(p.peer)).join('; ')})`
      const ports =
        rule.ports === null
          ? 'any port'
          : c.portMatched
            ? `port ${c.ref.port} (${describeRulePort(model, id, d.direction, c.ref.rule, c.ref.port!)}) matches`
            : `no port matches (${rule.ports.map((p) => `${p.protocol ?? 'TCP'} ${p.port ?? 'any'}${p.endPort ? `-${p.endPort}` : ''}`).join(', ')})`
      lines.push(`  ${id} ${d.direction} rule ${c.ref.rule}: ${peers}; ${ports}${c.peerMatched && c.portMatched ? ' -> allows' : ''}`)
    }
  }
  lines.push(
    d.allowedBy ? `  => allowed by ${d.allowedBy.policy} ${d.direction} rule ${d.allowedBy.rule}` : '  => no rule allows it: denied',
  )
  return lines
}

/** The target as the scenario's cells carry it: a dual-stack scenario's family (its primary by default), else none. */
function cellTarget(s: Scenario, target: Target): Target {
  const families = s.ipFamilies ?? []
  if (families.length > 1) return { ...target, family: target.family ?? families[0] }
  const only = families[0] ?? (s.podCIDR?.includes(':') ? 'IPv6' : 'IPv4')
  if (target.family && target.family !== only)
    throw new UsageError(`scenario ${s.name} is ${only} only; there are no ${target.family} cells`)
  return { port: target.port, protocol: target.protocol, ...(target.via ? { via: target.via } : {}) }
}

/** The explanation as text. Throws UsageError for unknown endpoints. */
export function renderExplain(s: Scenario, stepArg: string, from: string, to: string, asked: Target): string {
  const target = cellTarget(s, asked)
  const si = stepIndex(s, stepArg)
  const state = stepStates(s)[si]
  const model = compile(state)
  for (const id of [from, to]) {
    if (!model.byId.has(id)) throw new UsageError(`unknown endpoint "${id}"; known: ${model.endpoints.map((e) => e.id).join(', ')}`)
  }
  if (model.byId.get(from)!.kind === 'external' && model.byId.get(to)!.kind === 'external')
    throw new UsageError('both ends are external hosts; NetworkPolicy says nothing about that traffic')
  const family = target.family
  for (const id of [from, to])
    if (family && !model.byId.get(id)!.families.has(family)) throw new UsageError(`${id} has no ${family} address; there is no such cell`)
  if (target.via && !serviceHop(model, model.byId.get(from)!, model.byId.get(to)!, target))
    throw new UsageError(
      `${to} backs no Service on ${target.port}/${target.protocol} reachable from ${from} via ${target.via}; there is no such cell (docs/services.md)`,
    )
  const x = explainCell(model, from, to, target)
  const step = s.steps[si]
  const lines = [`${from} -> ${to} on ${targetId(target)} at step ${si + 1} "${step.name}" of ${s.name}: ${x.verdict.toUpperCase()}`, '']
  if (x.reason === 'self') lines.push('a pod can always reach itself; policies do not apply', '')
  if (x.service?.dns) {
    const d = x.service.dns
    lines.push(
      `name lookup: ${from} asks ${d.resolver} (UDP 53, after DNAT to its pods): ${d.allowed ? 'allowed' : `DENIED${d.deniedBackends.length ? ` to ${d.deniedBackends.join(', ')}` : ' (it has no backend)'}: the name does not resolve, nothing is sent to ${to}`}`,
      '',
    )
  }
  if (x.service) {
    const h = x.service
    const entry = h.via === 'node-port' ? `node port ${h.port}${h.node ? ` of ${h.node}` : ''}` : `port ${h.port}`
    lines.push(
      `through Service ${h.service} (${h.via}): ${entry} -> DNAT to ${to} port ${h.backendPort}${h.snatTo ? `, SNAT: ${to} sees the source ${h.snatTo} (a node, not ${from})` : ''}`,
      'policies are judged after this hop, on the backend port' + (h.snatTo ? ' and from the node address' : ''),
      '',
    )
  }
  if (x.reason === 'hairpin')
    lines.push('hairpin: a pod reaching itself through its own Service; allowed by default (docs/services.md)', '')
  lines.push(...describeDirection(model, x.egress, to), '', ...describeDirection(model, x.ingress, x.service?.snatTo ?? from))
  if (family) {
    // The addresses an ipBlock was matched against: each end's address of the cell's family.
    const all = [...state.pods.map((p) => ({ id: `${p.namespace}/${p.name}`, e: p })), ...state.externals.map((e) => ({ id: e.name, e }))]
    const addr = (id: string) => addressFor(all.find((x) => x.id === id)!.e, family)
    lines.push('', `${family} addresses: ${from} ${addr(from)}, ${to} ${addr(to)}`)
  }
  const pods = [model.byId.get(from)!, model.byId.get(to)!].filter((e) => e.kind === 'pod')
  if (pods.length) {
    lines.push('', 'labels:')
    for (const p of pods)
      lines.push(
        `  ${p.id} ${describeSelector({ matchLabels: p.labels })} in namespace ${describeSelector({ matchLabels: state.namespaces.find((n) => n.name === p.namespace)?.labels ?? {} })}`,
      )
  }
  const intended = intendedVerdict(step.expect, from, to, target)
  if (intended)
    lines.push(
      '',
      `intent (expect): ${intended}${intended === x.verdict ? ' (agrees)' : ' (CONTRADICTS the prediction: the policy does not do what its author meant)'}`,
    )
  return lines.join('\n') + '\n'
}

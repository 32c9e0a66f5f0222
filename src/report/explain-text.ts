// Why: a cell's explanation as one line of prose, for every renderer (JUnit failures, Markdown, the run page).
import { assertNever } from '../util/assert-never.js'
import type { CalicoExplanation, CalicoRuleHit, CellExplanation, DirectionExplanation, ServiceHopReport, TierRuleHit } from './model.js'

/** `Admin cnp/x (priority 10) ingress rule 0 "name": Pass`. */
export function tierHitText(h: TierRuleHit, direction: string): string {
  const priority = h.priority !== undefined ? ` (priority ${h.priority})` : ''
  return `${h.tier} ${h.policy}${priority} ${direction} rule ${h.rule}${h.ruleName ? ` "${h.ruleName}"` : ''}: ${h.action}`
}

/** The tiers' part of a direction: the matched cluster-policy rules, and where the decision fell. */
function tiersText(d: DirectionExplanation): string | undefined {
  const t = d.tiers
  if (!t) return undefined
  const hits = t.hits.map((h) => tierHitText(h, d.direction))
  const verdict = d.allowed ? 'allowed' : 'denied'
  switch (t.decidedIn) {
    case 'Admin':
    case 'Baseline':
      return `${hits.join(', then ')}: ${verdict}`
    case 'default':
      return `${hits.length ? `${hits.join(', ')}, ` : ''}no cluster policy rule decides and no NetworkPolicy isolates: allowed`
    case 'NetworkPolicy':
      return undefined
    default:
      return assertNever(t.decidedIn, 'tier')
  }
}

/** `tier security: gnp/guard (order 10) rule 0 Pass`. */
export function calicoHitText(h: CalicoRuleHit): string {
  const order = h.order !== undefined ? ` (order ${h.order})` : ''
  return `tier ${h.tier}: ${h.policy}${order}${h.rule !== undefined ? ` rule ${h.rule}` : ''} ${h.action}`
}

/** Calico's part of a direction: the matching rules through the tiers, and what decided. */
export function calicoText(c: CalicoExplanation, allowed: boolean): string {
  const hits = c.hits.map(calicoHitText)
  const end =
    c.decidedBy.kind === 'rule'
      ? allowed
        ? 'allowed'
        : 'denied'
      : c.decidedBy.kind === 'end-of-tier'
        ? `no rule of tier ${c.decidedBy.tier} decides: end-of-tier ${c.decidedBy.action}`
        : 'every applying tier passed: allowed by the profile'
  return `${hits.length ? `${hits.join(', then ')}; ` : ''}${end}`
}

function direction(d: DirectionExplanation): string {
  const what = `${d.direction} of ${d.endpoint}`
  if (!d.applicable) return `${what}: external, no policy applies`
  if (d.calico) return `${what}: ${calicoText(d.calico, d.allowed)}`
  const tiers = tiersText(d)
  if (tiers) return `${what}: ${tiers}`
  const passed = d.tiers?.hits.length ? `${d.tiers.hits.map((h) => tierHitText(h, d.direction)).join(', ')} to NetworkPolicy; ` : ''
  if (passed) return `${what}: ${passed}${npText(d)}`
  return `${what}: ${npText(d)}`
}

function npText(d: DirectionExplanation): string {
  if (d.isolatedBy.length === 0) return 'not isolated'
  const by = `isolated by ${d.isolatedBy.join(', ')}`
  return d.allowedBy ? `${by}; allowed by ${d.allowedBy.policy} ${d.direction} rule ${d.allowedBy.rule}` : `${by}; no rule allows it`
}

/** `via service-ip web/api port 80 -> DNAT to backend port 8080, SNAT to 172.18.0.2`. */
function hopText(h: ServiceHopReport): string {
  const entry = h.via === 'node-port' ? `node port ${h.port}${h.node ? ` of ${h.node}` : ''}` : `port ${h.port}`
  const dns = h.dns
    ? `name resolved through ${h.dns.resolver}: ${h.dns.allowed ? 'allowed' : `denied${h.dns.deniedBackends.length ? ` to ${h.dns.deniedBackends.join(', ')}` : ' (no backend)'} on UDP 53, so the name does not resolve`}; `
    : ''
  return `${dns}via ${h.via} ${h.service} ${entry} -> DNAT to backend port ${h.backendPort}${h.snatTo ? `, SNAT to ${h.snatTo}` : ''}`
}

/** `egress of x/b: not isolated; ingress of x/a: isolated by x/deny; no rule allows it`. */
export function explanationText(x: CellExplanation): string {
  switch (x.kind) {
    case 'self':
      return 'a pod always reaches itself'
    case 'hairpin':
      return `hairpin (a pod to itself through its Service, ${hopText(x.service)}): as the driver's hairpin mode says`
    case 'policies':
      return `${x.service ? `${hopText(x.service)}; ` : ''}${direction(x.egress)}; ${direction(x.ingress)}`
    case 'text':
      return x.text
    default:
      return assertNever(x, 'explanation')
  }
}

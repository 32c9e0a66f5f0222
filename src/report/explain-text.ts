// Why: a cell's explanation as one line of prose, for every renderer (JUnit failures, Markdown, the run page).
import { assertNever } from '../util/assert-never.js'
import type { CellExplanation, DirectionExplanation, ServiceHopReport } from './model.js'

function direction(d: DirectionExplanation): string {
  const what = `${d.direction} of ${d.endpoint}`
  if (!d.applicable) return `${what}: external, no policy applies`
  if (d.isolatedBy.length === 0) return `${what}: not isolated`
  const by = `isolated by ${d.isolatedBy.join(', ')}`
  return d.allowedBy
    ? `${what}: ${by}; allowed by ${d.allowedBy.policy} ${d.direction} rule ${d.allowedBy.rule}`
    : `${what}: ${by}; no rule allows it`
}

/** `via service-ip web/api port 80 -> DNAT to backend port 8080, SNAT to 172.18.0.2`. */
function hopText(h: ServiceHopReport): string {
  const entry = h.via === 'node-port' ? `node port ${h.port}${h.node ? ` of ${h.node}` : ''}` : `port ${h.port}`
  return `via ${h.via} ${h.service} ${entry} -> DNAT to backend port ${h.backendPort}${h.snatTo ? `, SNAT to ${h.snatTo}` : ''}`
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

// Why: one line of the evaluator's explanation, for reports (JUnit failures, Markdown, JSON).
import type { DirectionDecision, Explanation } from '../evaluator/explain.js'

function direction(d: DirectionDecision): string {
  const what = `${d.direction} of ${d.endpoint}`
  if (!d.applicable) return `${what}: external, no policy applies`
  if (d.isolatedBy.length === 0) return `${what}: not isolated`
  const by = `isolated by ${d.isolatedBy.join(', ')}`
  return d.allowedBy ? `${what}: ${by}; allowed by ${d.allowedBy.policy} ${d.direction} rule ${d.allowedBy.rule}` : `${what}: ${by}; no rule allows it`
}

export function explanationText(x: Explanation): string {
  if (x.reason === 'self') return 'a pod always reaches itself'
  return `${direction(x.egress)}; ${direction(x.ingress)}`
}

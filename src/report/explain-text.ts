// Why: a cell's explanation as one line of prose, for every renderer (JUnit failures, Markdown, the run page).
import { assertNever } from '../util/assert-never.js'
import type { CellExplanation, DirectionExplanation } from './model.js'

function direction(d: DirectionExplanation): string {
  const what = `${d.direction} of ${d.endpoint}`
  if (!d.applicable) return `${what}: external, no policy applies`
  if (d.isolatedBy.length === 0) return `${what}: not isolated`
  const by = `isolated by ${d.isolatedBy.join(', ')}`
  return d.allowedBy
    ? `${what}: ${by}; allowed by ${d.allowedBy.policy} ${d.direction} rule ${d.allowedBy.rule}`
    : `${what}: ${by}; no rule allows it`
}

/** `egress of x/b: not isolated; ingress of x/a: isolated by x/deny; no rule allows it`. */
export function explanationText(x: CellExplanation): string {
  switch (x.kind) {
    case 'self':
      return 'a pod always reaches itself'
    case 'policies':
      return `${direction(x.egress)}; ${direction(x.ingress)}`
    case 'text':
      return x.text
    default:
      return assertNever(x, 'explanation')
  }
}

// Why: label selector semantics (matchLabels AND matchExpressions; NotIn/DoesNotExist match a missing key).
import type { Labels } from '../model/cluster.js'
import type { LabelSelector } from '../model/policy.js'
import { assertNever } from '../util/assert-never.js'

/** True when `labels` satisfy every term of `selector`; an empty selector matches everything. */
export function matchesSelector(selector: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, req.key)
    const values = req.values ?? []
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(labels[req.key])) return false
        break
      case 'NotIn':
        if (has && values.includes(labels[req.key])) return false
        break
      case 'Exists':
        if (!has) return false
        break
      case 'DoesNotExist':
        if (has) return false
        break
      default:
        assertNever(req.operator, 'selector operator')
    }
  }
  return true
}

// Label selector semantics, one row per rule of the API reference (LabelSelector, LabelSelectorRequirement).
import t from 'tap'
import { matchesSelector } from '../../src/evaluator/selectors.js'
import type { LabelSelector } from '../../src/model/policy.js'

const labels = { app: 'web', tier: 'front' }
const rows: [string, LabelSelector, boolean][] = [
  ['an empty selector matches everything', {}, true],
  ['matchLabels: every pair must match', { matchLabels: { app: 'web', tier: 'front' } }, true],
  ['matchLabels: one wrong value fails', { matchLabels: { app: 'web', tier: 'back' } }, false],
  ['matchLabels: a missing key fails', { matchLabels: { env: 'prod' } }, false],
  ['In: the value is listed', { matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'web'] }] }, true],
  ['In: a missing key fails', { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }, false],
  ['NotIn: a listed value fails', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, false],
  ['NotIn: a missing key matches', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, true],
  ['Exists', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
  ['Exists: missing key', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }, false],
  ['DoesNotExist: missing key matches', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, true],
  ['DoesNotExist: present key fails', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
  [
    'matchLabels AND matchExpressions',
    { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] },
    false,
  ],
]
for (const [name, selector, want] of rows) t.equal(matchesSelector(selector, labels), want, name)

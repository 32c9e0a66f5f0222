// What the author meant for a cell: rules in order, later wins, then the default; a pod to itself is never asserted.
import t from 'tap'
import { intendedVerdict } from '../../src/compare/intent.js'
import type { Expect } from '../../src/model/scenario.js'

const tcp80 = { port: 80, protocol: 'TCP' as const }
const expect: Expect = {
  default: 'deny',
  rules: [
    { from: 'prod/*', to: 'prod/db', verdict: 'allow' },
    { from: 'prod/web', to: 'prod/db', port: 80, protocol: 'TCP', verdict: 'deny' },
    { from: '*', to: 'orders-db', port: 443, verdict: 'allow' },
  ],
}
const rows: [string, Expect | undefined, string, string, { port: number; protocol: 'TCP' | 'UDP' }, string | undefined][] = [
  ['no expect: nothing asserted', undefined, 'prod/a', 'prod/b', tcp80, undefined],
  ['a pod to itself is never asserted', expect, 'prod/db', 'prod/db', tcp80, undefined],
  ['no rule matches: the default', expect, 'qa/a', 'prod/web', tcp80, 'deny'],
  ['a wildcard rule', expect, 'prod/api', 'prod/db', tcp80, 'allow'],
  ['a later rule wins', expect, 'prod/web', 'prod/db', tcp80, 'deny'],
  ['the later rule is for TCP 80 only', expect, 'prod/web', 'prod/db', { port: 80, protocol: 'UDP' }, 'allow'],
  ['an external by name, port without protocol', expect, 'qa/a', 'orders-db', { port: 443, protocol: 'TCP' }, 'allow'],
  ['no default and no rule: nothing asserted', { rules: [] }, 'qa/a', 'qa/b', tcp80, undefined],
]
for (const [name, e, from, to, target, want] of rows) t.equal(intendedVerdict(e, from, to, target), want, name)

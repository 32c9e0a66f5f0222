// A cell's explanation as one line of prose, for every renderer; prose from version 1 reports as it was.
import t from 'tap'
import { explanationText } from '../../src/report/explain-text.js'
import type { CellExplanation, DirectionExplanation } from '../../src/report/model.js'

const open = (direction: 'ingress' | 'egress', endpoint: string): DirectionExplanation => ({
  direction,
  endpoint,
  applicable: true,
  isolatedBy: [],
  allowed: true,
  checks: [],
})
const ref = { kind: 'NetworkPolicy' as const, policy: 'x/web', direction: 'ingress' as const, rule: 2, peer: 0, port: null }

t.test('every kind of explanation', async (t) => {
  const table: [CellExplanation, string][] = [
    [{ kind: 'self' }, 'a pod always reaches itself'],
    [
      { kind: 'policies', egress: open('egress', 'x/a'), ingress: open('ingress', 'x/b') },
      'egress of x/a: not isolated; ingress of x/b: not isolated',
    ],
    [
      {
        kind: 'policies',
        egress: { ...open('egress', 'ext'), applicable: false },
        ingress: { ...open('ingress', 'x/b'), isolatedBy: ['x/web', 'x/deny'], allowedBy: ref },
      },
      'egress of ext: external, no policy applies; ingress of x/b: isolated by x/web, x/deny; allowed by x/web ingress rule 2',
    ],
    [
      { kind: 'policies', egress: { ...open('egress', 'x/a'), isolatedBy: ['x/out'], allowed: false }, ingress: open('ingress', 'x/b') },
      'egress of x/a: isolated by x/out; no rule allows it; ingress of x/b: not isolated',
    ],
    [
      { kind: 'text', text: 'egress of x/a: not isolated; ingress of x/b: isolated by x/d; no rule allows it' },
      'egress of x/a: not isolated; ingress of x/b: isolated by x/d; no rule allows it',
    ],
  ]
  for (const [x, want] of table) t.equal(explanationText(x), want, x.kind)
})

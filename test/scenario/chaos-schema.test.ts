// The chaos schemas: durations in milliseconds with their defaults, limits that may be zero, unknown actions named.
import t from 'tap'
import { z } from 'zod'
import { applyEntrySchema } from '../../src/scenario/apply-entry.js'
import { DEFAULT_DURING, chaosActionSchema, duringSchema, invariantsSchema } from '../../src/scenario/chaos-schema.js'

const action = chaosActionSchema(applyEntrySchema('s.yaml', () => undefined))

t.test('defaults, in milliseconds', async (t) => {
  t.same(DEFAULT_DURING, { intervalMs: 200, timeoutMs: 500, settleMs: 30000, cells: [] })
  t.same(duringSchema.parse({ settle: '1m' }), { intervalMs: 200, timeoutMs: 500, settleMs: 60000, cells: [] })
  t.same(action.parse({ action: 'restart-agent' }), { action: 'restart-agent', node: 'all', downFor: 2000 })
  t.same(action.parse({ action: 'packet-loss', percent: 5 }), { action: 'packet-loss', node: 'all', percent: 5, for: 5000 })
  t.match(
    action.parse({
      action: 'policy-churn',
      apply: [
        { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'x' }, spec: { podSelector: {} } },
      ],
    }),
    { times: 10, interval: 100, apply: [[{ policy: { metadata: { name: 'p' } } }]] },
  )
})

t.test('invariants: zero allowed, absent limits stay absent', async (t) => {
  t.same(invariantsSchema.parse({ maxFailOpen: 0, maxRecovery: '1.5s' }), { maxFailOpenMs: 0, maxRecoveryMs: 1500 })
  t.same(invariantsSchema.parse({ maxFailClosed: '00ms' }), { maxFailClosedMs: 0 })
  t.same(invariantsSchema.parse({}), {})
})

t.test('mistakes', async (t) => {
  const issues = (v: unknown) => {
    const r = z.array(action).safeParse([v])
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
  }
  t.same(issues({ action: 'reboot' }), [
    '0.action: unknown chaos action "reboot" (known: restart-agent, flush-dataplane, recreate-pod, relabel, restart-node, policy-churn, packet-loss)',
  ])
  t.same(issues({ action: 'recreate-pod', pod: 'a' }), ['0.pod: pod must be namespace/name'])
  t.same(issues({ action: 'policy-churn', apply: [] }), ['0.apply: policy-churn needs policies under apply'])
  t.same(issues({ action: 'restart-agent', downFor: 0 }), ['0.downFor: invalid duration 0 (use e.g. 500ms, 1s, 2m)'])
})

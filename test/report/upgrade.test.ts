// Reports of every readable version load as the current model; a version 1 run (real, written by the previous
// release: test/fixtures/reports/v1) keeps its prose explanations.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { SCHEMA_VERSION } from '../../src/report/model.js'
import { upgradeReport } from '../../src/report/upgrade.js'
import { sampleReport } from '../helpers/report.js'
import { reportSchemaErrors } from '../helpers/schema.js'

const V1 = JSON.parse(readFileSync('test/fixtures/reports/v1/20261202-150557-1264/report.json', 'utf8'))

t.test('the current version passes through', async (t) => {
  const r = sampleReport()
  t.equal(upgradeReport(r), r)
})

t.test('version 1: prose explanations become text explanations, nothing else changes', async (t) => {
  t.equal(V1.schemaVersion, 1)
  const r = upgradeReport(V1)!
  t.equal(r.schemaVersion, SCHEMA_VERSION)
  const before = V1.scenarios[0].steps[1].cells as { explanation?: string }[]
  const after = r.scenarios[0].steps[1].cells
  t.equal(after.length, before.length)
  const prose = before.map((c) => c.explanation).filter((x) => x !== undefined)
  t.equal(prose.length, 2, 'the fixture has two explained cells')
  t.same(
    after.flatMap((c) => (c.explanation ? [c.explanation] : [])),
    prose.map((text) => ({ kind: 'text', text })),
  )
  const { explanation: _a, ...restBefore } = V1.scenarios[0].steps[1].cells.find((c: { explanation?: string }) => c.explanation)
  const { explanation: _b, ...restAfter } = after.find((c) => c.explanation)!
  t.same(restAfter, restBefore, 'the rest of the cell as it was')
  t.same(r.summary, V1.summary)
  t.same(reportSchemaErrors(r), [], 'the upgraded report follows the current schema')
})

t.test('anything else is not a run report', async (t) => {
  const table: [unknown, string][] = [
    [null, 'null'],
    ['text', 'a string'],
    [{ schemaVersion: 3, scenarios: [] }, 'a future version'],
    [{ schemaVersion: 2 }, 'no scenarios'],
    [{ runs: [] }, 'a history file'],
  ]
  for (const [json, what] of table) t.equal(upgradeReport(json), undefined, what)
})

t.test('a staged change of an ICMP echo cell (port 0) follows the schema, as every other ICMP cell does', async (t) => {
  const base = sampleReport()
  const staged = [
    {
      from: 'x/a',
      to: 'x/b',
      port: 0,
      protocol: 'ICMP' as const,
      now: 'allow' as const,
      wouldBe: 'deny' as const,
      policies: ['gnp/deny-icmp'],
    },
  ]
  const r = { ...base, scenarios: base.scenarios.map((s) => ({ ...s, steps: s.steps.map((st) => ({ ...st, staged })) })) }
  t.same(reportSchemaErrors(r), [])
  const bad = {
    ...r,
    scenarios: r.scenarios.map((s) => ({ ...s, steps: s.steps.map((st) => ({ ...st, staged: [{ ...staged[0], port: -1 }] })) })),
  }
  t.not(reportSchemaErrors(bad).length, 0, 'a negative port is still refused')
})

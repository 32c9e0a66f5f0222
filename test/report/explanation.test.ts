// The evaluator's account as report.json records it: both directions copied into the versioned shape.
import t from 'tap'
import { compile, explainCell } from '../../src/evaluator/index.js'
import { cellExplanation } from '../../src/report/explanation.js'
import { explanationText } from '../../src/report/explain-text.js'
import { reportSchemaErrors } from '../helpers/schema.js'
import { sampleReport } from '../helpers/report.js'
import { explainedState } from '../helpers/state.js'

const state = explainedState()
const model = compile(state)
const tcp81 = { port: 81, protocol: 'TCP' as const }

t.test('allowed by a rule: every check and the deciding rule, nothing of the cell repeated', async (t) => {
  const x = cellExplanation(explainCell(model, 'z/a', 'x/a', tcp81))
  t.same(x, {
    kind: 'policies',
    egress: { direction: 'egress', endpoint: 'z/a', applicable: true, isolatedBy: [], allowed: true, checks: [] },
    ingress: {
      direction: 'ingress',
      endpoint: 'x/a',
      applicable: true,
      isolatedBy: ['x/deny', 'x/allow'],
      allowed: true,
      allowedBy: { kind: 'NetworkPolicy', policy: 'x/allow', direction: 'ingress', rule: 0, peer: 1, port: 1 },
      checks: [
        {
          ref: { kind: 'NetworkPolicy', policy: 'x/allow', direction: 'ingress', rule: 0, peer: 1, port: 1 },
          peerMatched: true,
          portMatched: true,
        },
      ],
    },
  })
  t.equal(explanationText(x), 'egress of z/a: not isolated; ingress of x/a: isolated by x/deny, x/allow; allowed by x/allow ingress rule 0')
})

t.test('denied, external, self', async (t) => {
  const denied = cellExplanation(explainCell(model, 'ext', 'x/b', tcp81))
  t.equal(explanationText(denied), 'egress of ext: external, no policy applies; ingress of x/b: isolated by x/deny; no rule allows it')
  t.notOk(denied.kind === 'policies' && 'allowedBy' in denied.ingress, 'no allowedBy key when nothing allows it')
  t.same(cellExplanation(explainCell(model, 'x/b', 'x/b', tcp81)), { kind: 'self' })
})

t.test('what report.json gets follows the schema', async (t) => {
  const r = sampleReport()
  const cell = r.scenarios[0].steps[0].cells[0]
  const withWhy = (explanation: typeof cell.explanation) => ({
    ...r,
    scenarios: [{ ...r.scenarios[0], steps: [{ ...r.scenarios[0].steps[0], cells: [{ ...cell, explanation }] }] }],
  })
  for (const [from, to] of [
    ['z/a', 'x/a'],
    ['ext', 'x/b'],
    ['x/b', 'x/b'],
  ])
    t.same(
      reportSchemaErrors(JSON.parse(JSON.stringify(withWhy(cellExplanation(explainCell(model, from, to, tcp81)))))),
      [],
      `${from} -> ${to}`,
    )
  const prose = JSON.parse(JSON.stringify(withWhy({ kind: 'self' })))
  prose.scenarios[0].steps[0].cells[0].explanation = 'egress of x/a: not isolated'
  t.ok(reportSchemaErrors(prose).length > 0, 'prose is no longer an explanation in version 2')
})

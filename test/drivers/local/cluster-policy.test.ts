// Cluster policies enforced for real by the local nftables dataplane: the conformance library agrees with the
// evaluator cell by cell, and a dataplane whose Pass accepts (pass-as-allow) is caught as fail-open with the tiers
// named in the explanation.
import t from 'tap'
import { cannotRunLocal } from '../../helpers/can-run.js'
import { runAgreeing, runLocal } from '../../helpers/local-run.js'
import { reportSchemaErrors } from '../../helpers/schema.js'

const skip = await cannotRunLocal()

t.test('scenarios/cluster-policy: every cell observed agrees with the prediction', { skip }, async (t) => {
  // What is checked is agreement, not speed: a loaded CI machine can take longer than the 5 s time-to-enforce limit.
  const report = await runAgreeing(t, ['scenarios/cluster-policy', '--enforce-within', '10m'])
  t.equal(report.scenarios.length, 9)
  t.ok(report.summary.counts.match > 1500, `${report.summary.counts.match} cells matched`)
})

t.test('pass-as-allow is caught as fail-open, and the explanation walks the tiers', { skip }, async (t) => {
  const { code, report } = await runLocal(t, ['scenarios/cluster-policy/integration.yaml', '--fault', 'pass-as-allow', '--settle', '2s'])
  t.equal(code, 1)
  t.same(reportSchemaErrors(report), [], 'report.json (with tiers) follows docs/report.schema.json')
  const step = report.scenarios[0].steps[2]
  const cell = step.cells.find((x) => x.from === 'slytherin/draco' && x.to === 'gryffindor/harry' && x.port === 80)!
  t.equal(cell.classification, 'fail-open')
  const x = cell.explanation
  t.ok(x && x.kind === 'policies')
  if (x?.kind !== 'policies') return
  t.equal(x.ingress.tiers?.decidedIn, 'Baseline')
  t.same(
    x.ingress.tiers?.hits.map((h) => [h.tier, h.policy, h.action]),
    [
      ['Admin', 'cnp/pass-example', 'Pass'],
      ['Baseline', 'cnp/default', 'Deny'],
    ],
  )
})

// Calico policies enforced for real by the local nftables dataplane: scenarios/calico agrees with the evaluator
// cell by cell (nft-enforced vs predicted), and a dataplane that orders tiers by name (tier-order-ignored) is caught
// as fail-open with the Calico tiers named in the explanation.
import t from 'tap'
import { cannotRunLocal } from '../../helpers/can-run.js'
import { namespacesLeft, runLocal } from '../../helpers/local-run.js'
import { reportSchemaErrors } from '../../helpers/schema.js'

const skip = await cannotRunLocal()

t.test('scenarios/calico: every cell observed agrees with the prediction', { skip }, async (t) => {
  const { code, err, report } = await runLocal(t, ['scenarios/calico', '--enforce-within', '10m'])
  t.equal(code, 0, err)
  const c = report.summary.counts
  t.equal(c['fail-open'] + c['fail-closed'] + c['intent-violation'] + c.flaky + c['probe-error'], 0, JSON.stringify(c))
  t.ok(report.scenarios.length >= 10, `${report.scenarios.length} scenarios`)
  t.ok(c.match > 200, `${c.match} cells matched`)
  t.same(await namespacesLeft(err), [], 'nothing left behind')
})

t.test('tier-order-ignored is caught as fail-open, and the explanation walks the Calico tiers', { skip }, async (t) => {
  const { code, report } = await runLocal(t, ['scenarios/calico/tier-order.yaml', '--fault', 'tier-order-ignored', '--settle', '2s'])
  t.equal(code, 1)
  t.same(reportSchemaErrors(report), [], 'report.json (with calico) follows docs/report.schema.json')
  const cell = report.scenarios[0].steps[0].cells.find((x) => x.from === 'edge/probe' && x.to === 'edge/web')!
  t.equal(cell.classification, 'fail-open')
  const x = cell.explanation
  t.ok(x && x.kind === 'policies')
  if (x?.kind !== 'policies') return
  t.same(x.ingress.calico?.tiers, ['zeta'])
  t.same(
    x.ingress.calico?.hits.map((h) => [h.tier, h.policy, h.action]),
    [['zeta', 'gnp/zeta.block-probe', 'Deny']],
  )
})

// Calico policies enforced for real by the local nftables dataplane: scenarios/calico agrees with the evaluator
// cell by cell (nft-enforced vs predicted), and a dataplane that orders tiers by name (tier-order-ignored) is caught
// as fail-open with the Calico tiers named in the explanation.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cannotRunLocal } from '../../helpers/can-run.js'
import { namespacesLeft, runAgreeing, runFolder, runLocal } from '../../helpers/local-run.js'
import { reportSchemaErrors } from '../../helpers/schema.js'

const skip = await cannotRunLocal()

t.test('scenarios/calico: every cell observed agrees with the prediction', { skip }, async (t) => {
  const report = await runAgreeing(t, ['scenarios/calico', '--enforce-within', '10m'])
  t.ok(report.scenarios.length >= 10, `${report.scenarios.length} scenarios`)
  t.ok(report.summary.counts.match > 200, `${report.summary.counts.match} cells matched`)
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

t.test('staged policies: probed unchanged on the local dataplane, what they would change in every report', { skip }, async (t) => {
  const { code, err, dir, report } = await runLocal(t, ['scenarios/calico/staged-preview.yaml'])
  t.equal(code, 0, err)
  const file = (name: string) => readFileSync(join(runFolder(dir), name), 'utf8')
  t.same(reportSchemaErrors(report), [], 'report.json (with staged) follows docs/report.schema.json')
  const [step1, step2] = report.scenarios[0].steps
  t.ok(
    step1.cells.every((c) => c.prediction === 'allow' && c.observation.result === 'allowed'),
    'every cell allowed, as probed: the staged deny-all changed nothing',
  )
  t.same(
    step1.staged?.map((c) => [c.from, c.to, c.now, c.wouldBe, c.policies]),
    [
      ['team/a', 'team/b', 'allow', 'deny', ['staged-gnp/deny-all', 'staged-np/team/deny-b']],
      ['team/b', 'team/a', 'allow', 'deny', ['staged-gnp/deny-all', 'staged-knp/team/isolate-a']],
    ],
  )
  t.same(
    step2.staged?.map((c) => `${c.from} -> ${c.to}`),
    ['team/b -> team/a'],
  )
  const line = 'team/a -> team/b 80/TCP: allow, would be deny (staged-gnp/deny-all, staged-np/team/deny-b)'
  t.match(
    file('report.md'),
    `- staged policies (not enforced) would change 2 cells; probed against the prediction without them:\n  - ${line}\n`,
  )
  t.match(file('junit.xml'), `<system-out>staged policies (not enforced) would change 2 cells`)
  t.notMatch(file('junit.xml'), /<failure/, 'information, not a failure')
  t.match(file('report.html'), `<li>${line.replace('->', '-&gt;')}</li>`)
  t.match(err, /^PASS: 8 cells: .*; staged policies would change 3 cells \(not enforced\);/m, 'the summary line')
  t.same(await namespacesLeft(err), [], 'nothing left behind')
})

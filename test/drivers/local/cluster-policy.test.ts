// Cluster policies enforced for real by the local nftables dataplane: the conformance library agrees with the
// evaluator cell by cell, and a dataplane whose Pass accepts (pass-as-allow) is caught as fail-open with the tiers
// named in the explanation.
import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { main } from '../../../src/cli/main.js'
import type { RunReport } from '../../../src/report/model.js'
import { cannotRunLocal, netnsNames } from '../../helpers/can-run.js'
import { reportSchemaErrors } from '../../helpers/schema.js'

const skip = await cannotRunLocal()

async function run(args: string[]): Promise<{ code: number; err: string; report: RunReport }> {
  const dir = t.testdir()
  let err = ''
  const code = await main(['run', ...args, '--driver', 'local', '--report-dir', dir], { out: () => {}, err: (s) => void (err += s) })
  const [id] = readdirSync(dir).filter((n) => /^\d{8}-/.test(n))
  return { code, err, report: JSON.parse(readFileSync(join(dir, id, 'report.json'), 'utf8')) }
}

t.test('scenarios/cluster-policy: every cell observed agrees with the prediction', { skip }, async (t) => {
  const { code, err, report } = await run(['scenarios/cluster-policy'])
  t.equal(code, 0, err)
  const c = report.summary.counts
  t.equal(c['fail-open'] + c['fail-closed'] + c['intent-violation'] + c.flaky + c['probe-error'], 0, JSON.stringify(c))
  t.equal(report.scenarios.length, 9)
  t.ok(c.match > 1500, `${c.match} cells matched`)
  for (const sid of err.matchAll(/namespaces nph-([0-9a-f]{6})-/g)) t.same(await netnsNames(`nph-${sid[1]}-`), [], 'nothing left behind')
})

t.test('pass-as-allow is caught as fail-open, and the explanation walks the tiers', { skip }, async (t) => {
  const { code, report } = await run(['scenarios/cluster-policy/integration.yaml', '--fault', 'pass-as-allow', '--settle', '2s'])
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

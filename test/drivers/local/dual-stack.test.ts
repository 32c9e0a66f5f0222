// The local driver on both families for real: IPv6 addresses in the namespaces, nftables rules per family, the
// agent serving and probing over IPv6; an IPv6 cell denied by an IPv4-only ipBlock times out, an allowed one is
// answered by the right pod; rules compiled for IPv4 only (fault ipv4-only) are caught; nothing is left behind.
import t from 'tap'
import { cannotRunLocal } from '../../helpers/can-run.js'
import { namespacesLeft, runLocal } from '../../helpers/local-run.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CellReport } from '../../../src/report/model.js'
import { reportSchemaErrors } from '../../helpers/schema.js'

const SCENARIO = 'scenarios/dual-stack/ipblock-one-family.yaml'
const skip = await cannotRunLocal()

const cell = (cells: readonly CellReport[], from: string, to: string, family: string) =>
  cells.find((c) => c.from === from && c.to === to && c.family === family)!

t.test('every cell probed on IPv4 and IPv6: an IPv4 ipBlock leaves the IPv6 cell denied, for real', { skip }, async (t) => {
  const { dir, report, ...r } = await runLocal(t, [SCENARIO, '--settle', '10s'])
  t.equal(r.code, 0, r.err)
  t.same(reportSchemaErrors(report), [], 'report.json follows docs/report.schema.json (family, ipFamilies)')
  const s = report.scenarios[0]
  t.same(s.ipFamilies, ['IPv4', 'IPv6'])
  t.same(
    s.steps[0].targets,
    [
      { port: 80, protocol: 'TCP', family: 'IPv4' },
      { port: 80, protocol: 'TCP', family: 'IPv6' },
    ],
    'every target on each family',
  )
  t.ok(
    s.steps.every((st) => st.cells.every((c) => c.family === 'IPv4' || c.family === 'IPv6')),
    'every cell carries its family',
  )
  const step2 = s.steps[1].cells
  const v4 = cell(step2, 'x/a', 'x/b', 'IPv4')
  t.equal(v4.prediction, 'allow')
  t.equal(v4.observation.result, 'allowed', 'IPv4: the ipBlock lets x/a in')
  t.equal(v4.observation.answeredBy, 'x/b')
  const v6 = cell(step2, 'x/a', 'x/b', 'IPv6')
  t.equal(v6.prediction, 'deny')
  t.equal(v6.observation.result, 'blocked', 'IPv6: the same pair is denied (an IPv4 ipBlock never matches IPv6)')
  const step3 = s.steps[2].cells
  const open6 = cell(step3, 'x/a', 'x/c', 'IPv6')
  t.equal(open6.observation.result, 'allowed', 'IPv6 ipBlock: answered over IPv6')
  t.equal(open6.observation.answeredBy, 'x/c')
  t.equal(cell(step3, 'x/a', 'x/c', 'IPv4').observation.result, 'blocked')
  t.equal(s.steps[0].rounds, 1, 'the first round is not lost to duplicate address detection')
  const md = readFileSync(join(dir, report.runId, 'report.md'), 'utf8')
  t.match(md, /80\/TCP\/IPv4/)
  t.match(md, /80\/TCP\/IPv6/)
  t.match(md, /\(address families: IPv4, IPv6\)/, 'the scenario names its families')
  t.match(readFileSync(join(dir, report.runId, 'junit.xml'), 'utf8'), /<testsuite name="dual-stack-ipblock-one-family"/)
  t.same(await namespacesLeft(r.err), [], 'nothing left behind')
})

t.test('rules compiled for IPv4 only: the IPv6 cells fail open and the run fails', { skip }, async (t) => {
  const r = await runLocal(t, [SCENARIO, '--settle', '2s', '--reprobes', '1', '--fault', 'ipv4-only'])
  t.equal(r.code, 1, r.err)
  const cells = r.report.scenarios[0].steps.flatMap((st) => st.cells)
  const open = cells.filter((c) => c.classification === 'fail-open')
  t.ok(open.length > 0, `${open.length} cells fail open`)
  t.ok(
    open.every((c) => c.family === 'IPv6'),
    'only IPv6 cells',
  )
  t.ok(
    cells.filter((c) => c.family === 'IPv4').every((c) => c.classification === 'match'),
    'IPv4 is enforced',
  )
  t.same(await namespacesLeft(r.err), [], 'nothing left behind')
})

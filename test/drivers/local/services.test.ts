// Services on the local driver for real: a ClusterIP probe pinned to each backend is answered by that backend, a
// backend the policy denies times out while its sibling answers, the named targetPort is reached through DNAT;
// the fault policy-before-dnat (policy judged on the ClusterIP) is caught as fail-open; nothing is left behind.
import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { cannotRunLocal, netnsNames } from '../../helpers/can-run.js'
import { main } from '../../../src/cli/main.js'
import type { CellReport, RunReport } from '../../../src/report/model.js'
import { reportSchemaErrors } from '../../helpers/schema.js'

const SPLIT = 'scenarios/services/split-backends.yaml'
const NAMED = 'scenarios/services/clusterip-named-target-port.yaml'
const skip = await cannotRunLocal()

async function run(files: string[], args: string[]) {
  let err = ''
  const code = await main(['run', ...files, '--driver', 'local', ...args], { out: () => {}, err: (s) => void (err += s) })
  return { code, err }
}

function readReport(dir: string): RunReport {
  const [id] = readdirSync(dir).filter((n) => /^\d{8}-/.test(n))
  return JSON.parse(readFileSync(join(dir, id, 'report.json'), 'utf8'))
}

const cell = (cells: readonly CellReport[], from: string, to: string, via?: string) =>
  cells.find((c) => c.from === from && c.to === to && c.via === via)!

t.test('through a ClusterIP, per backend, judged after DNAT', { skip }, async (t) => {
  const dir = t.testdir()
  const r = await run([SPLIT, NAMED], ['--report-dir', dir, '--settle', '10s'])
  t.equal(r.code, 0, r.err)
  const report = readReport(dir)
  t.same(reportSchemaErrors(report), [], 'report.json follows docs/report.schema.json (via)')
  const split = report.scenarios[0].steps[1].cells
  t.same(report.scenarios[0].steps[1].targets, [{ port: 80, protocol: 'TCP', via: 'service-ip' }])
  t.match(cell(split, 'clients/c', 'web/stable', 'service-ip'), { observation: { result: 'allowed', answeredBy: 'web/stable' } })
  t.match(cell(split, 'clients/c', 'web/canary', 'service-ip'), { prediction: 'deny', observation: { result: 'blocked' } })
  t.match(cell(report.scenarios[0].steps[0].cells, 'clients/c', 'web/canary', 'service-ip'), {
    observation: { result: 'allowed', answeredBy: 'web/canary' },
  })
  const named = report.scenarios[1].steps[1].cells
  t.match(cell(named, 'clients/allowed', 'shop/api', 'service-ip'), { observation: { result: 'allowed', answeredBy: 'shop/api' } })
  t.match(cell(named, 'clients/allowed', 'shop/api'), { observation: { result: 'blocked' } }, 'the pod address on 80 is not http')
  t.match(readFileSync(join(dir, report.runId, 'report.md'), 'utf8'), /80\/TCP\/service-ip/)
  for (const sid of r.err.matchAll(/namespaces nph-([0-9a-f]{6})-/g)) t.same(await netnsNames(`nph-${sid[1]}-`), [], 'nothing left behind')
})

t.test('policy judged before DNAT (fault policy-before-dnat): the denied backend answers, the run fails', { skip }, async (t) => {
  const dir = t.testdir()
  const r = await run([SPLIT], ['--report-dir', dir, '--settle', '2s', '--reprobes', '1', '--fault', 'policy-before-dnat'])
  t.equal(r.code, 1, r.err)
  const cells = readReport(dir).scenarios[0].steps.flatMap((st) => st.cells)
  t.same(
    cells.filter((c) => c.classification === 'fail-open').map((c) => `${c.from} -> ${c.to} ${c.via}`),
    ['clients/c -> web/canary service-ip'],
  )
  const sid = /namespaces nph-([0-9a-f]{6})-/.exec(r.err)?.[1]
  t.same(await netnsNames(`nph-${sid}-`), [], 'nothing left behind')
})

// Services on the local driver for real: a ClusterIP probe pinned to each backend is answered by that backend, a
// backend the policy denies times out while its sibling answers, the named targetPort is reached through DNAT;
// the fault policy-before-dnat (policy judged on the ClusterIP) is caught as fail-open; NodePorts on the nodes'
// addresses with SNAT (Cluster) or the client kept (Local), and the fault nodeport-no-snat caught; nothing is left behind.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cannotRunLocal } from '../../helpers/can-run.js'
import { namespacesLeft, runLocal } from '../../helpers/local-run.js'
import type { CellReport } from '../../../src/report/model.js'
import { reportSchemaErrors } from '../../helpers/schema.js'

const SPLIT = 'scenarios/services/split-backends.yaml'
const NAMED = 'scenarios/services/clusterip-named-target-port.yaml'
const NP_CLUSTER = 'scenarios/services/nodeport-cluster.yaml'
const NP_LOCAL = 'scenarios/services/nodeport-local.yaml'
const HAIRPIN = 'scenarios/services/hairpin.yaml'
const DNS = 'scenarios/services/dns-by-name.yaml'
const DUAL = 'scenarios/services/dual-stack-clusterip.yaml'
const skip = await cannotRunLocal()

const cell = (cells: readonly CellReport[], from: string, to: string, via?: string) =>
  cells.find((c) => c.from === from && c.to === to && c.via === via)!

t.test('through a ClusterIP, per backend, judged after DNAT', { skip }, async (t) => {
  const r = await runLocal(t, [SPLIT, NAMED, '--settle', '10s'])
  t.equal(r.code, 0, r.err)
  const report = r.report
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
  t.match(readFileSync(join(r.dir, report.runId, 'report.md'), 'utf8'), /80\/TCP\/service-ip/)
  t.same(await namespacesLeft(r.err), [], 'nothing left behind')
})

t.test('policy judged before DNAT (fault policy-before-dnat): the denied backend answers, the run fails', { skip }, async (t) => {
  const r = await runLocal(t, [SPLIT, '--settle', '2s', '--reprobes', '1', '--fault', 'policy-before-dnat'])
  t.equal(r.code, 1, r.err)
  const cells = r.report.scenarios[0].steps.flatMap((st) => st.cells)
  t.same(
    cells.filter((c) => c.classification === 'fail-open').map((c) => `${c.from} -> ${c.to} ${c.via}`),
    ['clients/c -> web/canary service-ip'],
  )
  t.same(await namespacesLeft(r.err), [], 'nothing left behind')
})

t.test('NodePort from an external: Cluster SNATs to the entry node, Local keeps the client; each backend answers', { skip }, async (t) => {
  const r = await runLocal(t, [NP_CLUSTER, NP_LOCAL, '--settle', '10s'])
  t.equal(r.code, 0, r.err)
  const report = r.report
  t.same(reportSchemaErrors(report), [], 'report.json follows docs/report.schema.json')
  const [open, clientRange, nodeRange, node2] = report.scenarios[0].steps.map((st) => st.cells)
  for (const to of ['web/a', 'web/b'])
    t.match(cell(open, 'partner', to, 'node-port'), { observation: { result: 'allowed', answeredBy: to } }, `${to} pinned by DSCP`)
  t.match(cell(clientRange, 'partner', 'web/a', 'node-port'), { prediction: 'deny', observation: { result: 'blocked' } }, 'a sees node-2')
  t.match(cell(clientRange, 'partner', 'web/a'), { observation: { result: 'allowed' } }, 'on the pod address a sees the client')
  t.match(cell(nodeRange, 'partner', 'web/b', 'node-port'), { observation: { result: 'allowed', answeredBy: 'web/b' } }, 'b sees node-1')
  t.match(cell(node2, 'partner', 'web/a', 'node-port'), { observation: { result: 'allowed', answeredBy: 'web/a' } }, 'a entered via node-2')
  t.match(cell(node2, 'partner', 'web/b', 'node-port'), { prediction: 'deny', observation: { result: 'blocked' } }, 'b entered via node-1')
  const local = report.scenarios[1].steps[1].cells
  t.match(cell(local, 'stranger', 'web/a', 'node-port'), { observation: { result: 'blocked' } }, 'Local: the stranger is seen as itself')
  t.match(cell(local, 'partner', 'web/a', 'node-port'), { observation: { result: 'allowed', answeredBy: 'web/a' } })
  t.same(await namespacesLeft(r.err), [], 'nothing left behind')
})

t.test('NodePort without SNAT (fault nodeport-no-snat): the remote backend answers past the node, the run fails', { skip }, async (t) => {
  const r = await runLocal(t, [NP_CLUSTER, '--settle', '2s', '--reprobes', '1', '--fault', 'nodeport-no-snat'])
  t.equal(r.code, 1, r.err)
  const cells = r.report.scenarios[0].steps.flatMap((st) => st.cells)
  t.ok(
    cells.filter((c) => c.classification === 'fail-closed').every((c) => c.via === 'node-port'),
    'only NodePort cells break',
  )
  t.equal(
    cells.filter((c) => c.classification === 'fail-closed').length,
    5,
    "every allowed NodePort cell (steps open, node range and node-2's address)",
  )
  t.same(await namespacesLeft(r.err), [], 'nothing left behind')
})

t.test(
  '--hairpin dropped: the local dataplane drops a pod reaching itself through its Service, and the run predicts it',
  { skip },
  async (t) => {
    const r = await runLocal(t, [HAIRPIN, '--settle', '10s', '--hairpin', 'dropped'])
    t.equal(r.code, 0, r.err)
    const report = r.report
    t.equal(report.options.hairpin, 'dropped', 'recorded in the report options')
    const cells = report.scenarios[0].steps[0].cells
    t.match(cell(cells, 'web/a', 'web/a', 'service-ip'), { prediction: 'deny', observation: { result: 'blocked' } })
    t.match(cell(cells, 'web/a', 'web/b', 'service-ip'), { prediction: 'deny', observation: { result: 'blocked' } })
    const again = await runLocal(t, [HAIRPIN, '--settle', '10s'])
    t.equal(again.code, 0)
    const allowed = again.report
    t.equal(allowed.options.hairpin, 'allowed')
    t.match(cell(allowed.scenarios[0].steps[0].cells, 'web/a', 'web/a', 'service-ip'), {
      prediction: 'allow',
      observation: { result: 'allowed', answeredBy: 'web/a' },
    })
    t.same(await namespacesLeft(r.err), [], 'nothing left behind')
  },
)

t.test('service-name with real DNS: the lookup goes to the kube-dns pod, and denying it makes the name fail', { skip }, async (t) => {
  const r = await runLocal(t, [DNS, '--settle', '10s'])
  t.equal(r.code, 0, r.err)
  const [open, forgotten, allowed] = r.report.scenarios[0].steps.map((st) => st.cells)
  t.match(cell(open, 'app/web', 'app/api', 'service-name'), { observation: { result: 'allowed', answeredBy: 'app/api' } })
  t.match(cell(forgotten, 'app/web', 'app/api'), { observation: { result: 'allowed' } }, 'the pod address still answers')
  t.match(
    cell(forgotten, 'app/web', 'app/api', 'service-name'),
    { prediction: 'deny', observation: { result: 'blocked' } },
    'no DNS answer: the name does not resolve',
  )
  t.match(cell(allowed, 'app/web', 'app/api', 'service-name'), { observation: { result: 'allowed', answeredBy: 'app/api' } })
  t.same(await namespacesLeft(r.err), [], 'nothing left behind')
})

t.test('IPv6 ClusterIPs: an IPv4-only ipBlock admits the client through the IPv4 ClusterIP only', { skip }, async (t) => {
  const r = await runLocal(t, [DUAL, '--settle', '10s'])
  t.equal(r.code, 0, r.err)
  const cells = r.report.scenarios[0].steps[1].cells
  const of = (family: string) => cells.find((c) => c.from === 'clients/c' && c.to === 'web/a' && c.family === family)
  t.match(of('IPv4'), { via: 'service-ip', observation: { result: 'allowed', answeredBy: 'web/a' } })
  t.match(of('IPv6'), { via: 'service-ip', prediction: 'deny', observation: { result: 'blocked' } })
  t.same(await namespacesLeft(r.err), [], 'nothing left behind')
})

t.test('IPv6 names: kube-dns answers AAAA with the IPv6 ClusterIP, and the IPv6 name cell connects over IPv6', { skip }, async (t) => {
  const r = await runLocal(t, ['scenarios/services/dual-stack-by-name.yaml', '--settle', '10s'])
  t.equal(r.code, 0, r.err)
  const [open, v4only] = r.report.scenarios[0].steps.map((st) => st.cells)
  const of = (cells: readonly CellReport[], family: string) =>
    cells.find((c) => c.from === 'clients/c' && c.to === 'web/a' && c.family === family)
  t.match(
    of(open, 'IPv6'),
    { via: 'service-name', observation: { result: 'allowed', answeredBy: 'web/a' } },
    'resolved (AAAA) and answered',
  )
  t.match(of(v4only, 'IPv4'), { via: 'service-name', observation: { result: 'allowed', answeredBy: 'web/a' } })
  // Had the IPv6 cell resolved to the IPv4 ClusterIP (an A record), the IPv4-only ipBlock would have admitted it.
  t.match(of(v4only, 'IPv6'), { via: 'service-name', prediction: 'deny', observation: { result: 'blocked' } }, 'connected over IPv6')
  t.same(await namespacesLeft(r.err), [], 'nothing left behind')
})

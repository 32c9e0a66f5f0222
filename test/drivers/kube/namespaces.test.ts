// Namespaces on a shared cluster: ours created with the run and its owner, someone else's used as they are (or the
// scenario stopped when their labels differ), another run's removed only once that run is provably gone.
import t from 'tap'
import { RUN_LABEL } from '../../../src/drivers/kube/manifests.js'
import { RunNamespaces } from '../../../src/drivers/kube/namespaces.js'
import { HOST_LABEL, PID_LABEL, hostLabel } from '../../../src/drivers/kube/owner.js'
import { InfraError } from '../../../src/errors.js'
import type { NetworkPolicy } from '../../../src/model/policy.js'
import { loadScenarios } from '../../../src/scenario/load.js'
import { FakeKube } from '../../helpers/fake-kube.js'

const [scenario] = loadScenarios(['scenarios/upstream/allow-from-namespace-selector.yaml'])
const signal = new AbortController().signal
const namespaces = (api: FakeKube, alive?: (pid: number) => boolean) => new RunNamespaces({ api, runId: 'r1', ...(alive ? { alive } : {}) })
const policy = (namespace: string, name: string) =>
  ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { namespace, name },
    spec: { podSelector: {} },
  }) as unknown as NetworkPolicy

t.test('ours: created with the scenario labels, the run id and who we are', async (t) => {
  const api = new FakeKube()
  const ns = namespaces(api)
  await ns.up(scenario, signal)
  t.same([...api.namespaces.keys()], ['x', 'y', 'z'])
  t.same([...ns.created], ['x', 'y', 'z'])
  t.match(
    api.namespaces.get('x'),
    { [RUN_LABEL]: 'r1', [HOST_LABEL]: hostLabel(), [PID_LABEL]: String(process.pid) },
    'our namespaces say who we are',
  )
  t.notOk(ns.isForeign('x'))
})

t.test("a namespace someone else owns, with labels other than the scenario's, stops the scenario and is never deleted", async (t) => {
  const api = new FakeKube()
  api.namespaces.set('y', { team: 'theirs' })
  await t.rejects(namespaces(api).up(scenario, signal), InfraError)
  t.notOk(
    api.calls.some((c) => c.op === 'deleteNamespace'),
    'never deletes what is not ours',
  )
})

// Issue 12, defect 9: runs sharing a cluster must not delete each other's namespaces. The API server stamps
// metadata.creationTimestamp on create; the owner labels say which host and process a run is.
t.test("another run's namespace: kept while that run may live, removed once it is gone", async (t) => {
  const other = { [RUN_LABEL]: 'other-run', [HOST_LABEL]: hostLabel(), [PID_LABEL]: '4242' }
  const live = new FakeKube()
  live.namespaces.set('y', other)
  live.created.set('y', Date.now() - 60_000)
  await t.rejects(
    namespaces(live, () => true).up(scenario, signal),
    /namespace y .* belongs to netpol-harness run other-run \(host .*, pid 4242\), which may still be running/,
  )
  t.notOk(
    live.calls.some((c) => c.op === 'deleteNamespace'),
    "a live run's namespace is left alone",
  )
  const dead = new FakeKube()
  dead.namespaces.set('y', other)
  dead.created.set('y', Date.now() - 60_000)
  await namespaces(dead, (pid: number) => pid !== 4242).up(scenario, signal)
  t.ok(
    dead.calls.some((c) => c.op === 'deleteNamespace' && c.args[0] === 'y'),
    'a crashed run on this host is cleaned up at once',
  )
  t.equal(dead.namespaces.get('y')![RUN_LABEL], 'r1', 'and created again as ours')
  const remote = new FakeKube()
  remote.namespaces.set('y', { ...other, [HOST_LABEL]: 'another-host' })
  remote.created.set('y', Date.now() - 3 * 3600_000)
  await namespaces(remote, () => true).up(scenario, signal)
  t.ok(
    remote.calls.some((c) => c.op === 'deleteNamespace' && c.args[0] === 'y'),
    "another host's namespace older than any scenario is a leftover",
  )
})

t.test("a foreign namespace whose labels include the scenario's is used; down removes only what this run put there", async (t) => {
  const api = new FakeKube()
  api.namespaces.set('y', { 'kubernetes.io/metadata.name': 'y', ns: 'y', team: 'theirs' })
  const ns = namespaces(api)
  await ns.up(scenario, signal)
  t.ok(ns.isForeign('y'))
  t.same(ns.foreignLabels('y'), { 'kubernetes.io/metadata.name': 'y', ns: 'y', team: 'theirs' }, 'predictions use its real labels')
  t.equal(ns.foreignLabels('x'), undefined)
  t.notOk(
    api.calls.some((c) => c.op === 'createNamespace' && c.args[0] === 'y'),
    'not created',
  )
  await api.createPod('y', { metadata: { name: 'ours', labels: { [RUN_LABEL]: 'r1' } }, spec: { containers: [] } })
  await api.createPod('y', { metadata: { name: 'theirs', labels: {} }, spec: { containers: [] } })
  ns.policyApplied(policy('y', 'p'))
  ns.policyApplied(policy('y', 'p'))
  ns.policyApplied(policy('x', 'q'))
  await ns.down()
  t.same(
    api.calls.filter((c) => c.op === 'deletePolicy').map((c) => c.args),
    [['y', 'p']],
    'the policy applied in the foreign namespace, once; ours go with our namespaces',
  )
  t.same([...api.pods.keys()], ['y/theirs'], 'only our pod in it is deleted')
  t.same(api.active(), ['y'], 'our namespaces deleted, the foreign one kept')
  t.same([...ns.created], [])
})

// On a real API server a deleted namespace stays, Terminating, until the namespace controller has emptied it
// (pkg/registry/core/namespace/storage/storage.go Delete; FakeKube keeps it for two more lists), and creating it
// again meanwhile is 409 AlreadyExists. Every upstream scenario uses x, y and z: the next scenario of a run must wait.
t.test('the next scenario of the run waits for the namespaces the last one left terminating', async (t) => {
  const api = new FakeKube()
  const lines: string[] = []
  const first = new RunNamespaces({ api, runId: 'r1', log: (l) => lines.push(l) })
  await first.up(scenario, signal)
  await first.down()
  t.same([...api.terminating.keys()].sort(), ['x', 'y', 'z'], 'deleted, still terminating')
  const second = new RunNamespaces({ api, runId: 'r1', log: (l) => lines.push(l) })
  await second.up(scenario, signal)
  t.same([...second.created].sort(), ['x', 'y', 'z'], 'created again once gone, not refused as "may still be running"')
  t.match(lines.join('\n'), /waiting for namespace x of an earlier scenario of this run to finish terminating/)
  await second.down()
})

t.test('scenarios of one run at once: the same names take turns; down deletes only its own', async (t) => {
  const api = new FakeKube()
  api.terminatingLists = 0
  const [other] = loadScenarios(['scenarios/upstream/allow-all.yaml'])
  const a = new RunNamespaces({ api, runId: 'r1' })
  await a.up(scenario, signal)
  const b = new RunNamespaces({ api, runId: 'r1' })
  let bUp = false
  const waiting = b.up(other, signal).then(() => void (bUp = true))
  await new Promise((r) => setTimeout(r, 500))
  t.notOk(bUp, 'the second waits while the first holds x, y and z')
  await a.down()
  await waiting
  t.ok(bUp, 'and goes on once they are free')
  t.same([...b.created].sort(), ['x', 'y', 'z'])

  const lone = new FakeKube()
  lone.terminatingLists = 0
  const c = new RunNamespaces({ api: lone, runId: 'r1' })
  await c.up(scenario, signal)
  lone.namespaces.set('w', { [RUN_LABEL]: 'r1' }) // another scenario of the run, beside it, under another name
  await c.down()
  t.ok(lone.namespaces.has('w'), "down leaves the run's other namespaces to their own scenario")
  await b.down()
})

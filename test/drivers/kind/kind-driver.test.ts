// The kind driver end to end with fakes: one cluster for the run (created, then deleted unless --keep), the
// kube driver on its context, external hosts as containers at their addresses, node faults through Docker,
// and Ctrl-C removing what was created.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { defaultExec } from '../../../src/drivers/exec.js'
import { KindCluster, KindDriver, type KindDriverOptions } from '../../../src/drivers/kind/index.js'
import { runScenarios } from '../../../src/runner/run.js'
import { DEFAULT_RUN_OPTIONS } from '../../../src/runner/run-step.js'
import { loadScenarios } from '../../../src/scenario/load.js'
import type { Scenario } from '../../../src/model/scenario.js'
import { CALICO_MINI, fakeKind, kindOptions, sha } from '../../helpers/fake-kind.js'
import { FakeKube } from '../../helpers/fake-kube.js'

process.env.PATH = `${resolve('test/fixtures/fake-bin')}:${process.env.PATH}`

function setup(t: { testdir: () => string }, keep = false) {
  const { dir, calls } = fakeKind(t, { FAKE_NAME: 'nph' })
  const apis: FakeKube[] = []
  const o: KindDriverOptions = {
    ...kindOptions(dir),
    exec: defaultExec,
    api: (ctx) => {
      const api = new FakeKube()
      api.context = ctx
      apis.push(api)
      return api
    },
    runId: 'r9',
    keep,
  }
  // The manifest comes from the fixture (a real run vendors calico.yaml).
  writeFileSync(join(dir, 'manifests/calico/v3.30.7/calico.yaml'), CALICO_MINI)
  return { o, apis, calls, dir }
}

/** Run options for the fakes: a short settle, no re-probes, rounds 10 ms apart. */
const QUICK = { ...DEFAULT_RUN_OPTIONS, settleMs: 200, reprobes: 0, roundIntervalMs: 10 }

/** Runs the scenarios on one kind cluster made with `o`, as `run` does, and closes the cluster after. */
async function runOnKind(o: KindDriverOptions, scenarios: Scenario[]) {
  const kind = new KindCluster(o)
  const report = await runScenarios(scenarios, () => new KindDriver(o, kind), 'run', QUICK, new AbortController().signal)
  await kind.close()
  return report
}

t.test('a run: cluster once, scenarios on its context, externals at their addresses, cluster deleted at the end', async (t) => {
  const { o, apis, calls } = setup(t)
  const scenarios = loadScenarios(['scenarios/basics', 'scenarios/egress/egress-to-database-subnet.yaml'])
  const report = await runOnKind(o, scenarios)
  const c = calls()
  t.equal(c.filter((x) => x.startsWith('kind create cluster')).length, 1, 'one cluster for both scenarios')
  t.equal(apis[0].context, 'kind-nph')
  t.equal(report.driver.name, 'kind')
  t.equal(report.driver.versions.calico, 'v3.30.7')
  // Issue 12, defects 6 and 7: the report says which manifest was installed (source and sha256) and the Felix settings set.
  t.equal(report.driver.versions.calicoManifest, `vendored manifests/calico/v3.30.7/calico.yaml sha256:${sha(CALICO_MINI)}`)
  t.equal(report.driver.versions.felix, 'XDPENABLED=false NFTABLESMODE=Disabled IPTABLESREFRESHINTERVAL=2 NFTABLESREFRESHINTERVAL=2')
  t.ok(report.driver.timings && 'installCalico' in report.driver.timings, 'install timings in the report')
  t.ok(
    c.some((x) => x === 'docker network create --subnet 172.16.32.0/24 --label netpol-harness.io/run=r9 nph-r9-x0'),
    'a network for the external subnet',
  )
  // agnhost 2.56 porter reads only SERVE_PORT_/SERVE_TLS_PORT_/SERVE_SCTP_PORT_ (kubernetes test/images/agnhost/porter/porter.go
  // before kubernetes#135911, which added SERVE_TCP_PORT_/SERVE_UDP_PORT_ in 2.60): the external runs serve-hostname per port.
  t.ok(
    c.some((x) =>
      x.startsWith(
        'docker run -d --name nph-r9-orders-db --label netpol-harness.io/run=r9 --network nph-r9-x0 --ip 172.16.32.10 --cap-add NET_ADMIN --entrypoint /bin/sh registry.k8s.io/e2e-test-images/agnhost:2.56 -c /agnhost serve-hostname --tcp --http=false --port 3306 &',
      ),
    ),
    'the external at its declared address, serving its port',
  )
  t.notOk(
    c.some((x) => /SERVE_(TCP|UDP)_PORT_/.test(x)),
    'no env var the pinned agnhost does not read',
  )
  t.ok(
    c.includes('docker exec nph-r9-orders-db /agnhost connect 127.0.0.1:3306 --protocol=tcp --timeout=1s'),
    'the server is seen listening before any probe',
  )
  t.ok(
    c.some((x) => x.startsWith('docker exec nph-r9-orders-db ip route add 10.244.0.0/16 via')),
    'routed to the pod CIDR through a node',
  )
  t.ok(
    c.some((x) => x.startsWith('docker ps -aq --filter label=netpol-harness.io/run=r9')),
    'externals removed by label',
  )
  t.equal(c[c.length - 1], 'kind delete cluster --name nph', 'the cluster is deleted at the end')
  t.ok(
    apis.every((a) => a.active().length === 0),
    'every namespace removed',
  )
})

t.test('--keep keeps the cluster; node faults go through Docker', async (t) => {
  const { o, calls } = setup(t, true)
  const kind = new KindCluster({ ...o, keep: true })
  const d = new KindDriver(o, kind)
  const [s] = loadScenarios(['scenarios/chaos/restart-node.yaml'])
  const signal = new AbortController().signal
  await d.up(s, signal)
  await d.chaos({ action: 'flush-dataplane', node: 'node-2' }, signal)
  await d.chaos({ action: 'restart-node', node: 'node-1', downForMs: 2000 }, signal)
  await d.chaos({ action: 'packet-loss', node: 'all', percent: 10, forMs: 10 }, signal)
  await d.down()
  await kind.close()
  const c = calls()
  t.ok(
    c.some((x) => x.startsWith('docker exec nph-worker2 sh -c for t in filter raw mangle nat; do iptables-save')),
    'flush of Calico chains on worker2',
  )
  // docker restart --time is a grace period, not downtime: the node is stopped, kept down, started, then must heartbeat.
  const stop = c.indexOf('docker stop --time 0 nph-worker')
  const start = c.indexOf('docker start nph-worker')
  t.ok(stop >= 0 && start > stop, 'node-1 (the first worker) stopped, then started')
  t.ok(
    c.slice(start).some((x) => x.startsWith('kubectl --context kind-nph get node nph-worker -o jsonpath=')),
    'then its Ready heartbeat is read',
  )
  t.notOk(
    c.some((x) => x.startsWith('docker restart')),
    'no docker restart',
  )
  t.ok(
    c.includes('docker exec nph-worker tc qdisc replace dev eth0 root netem loss 10%') &&
      c.includes('docker exec nph-worker2 tc qdisc del dev eth0 root'),
    'netem on every worker, then removed',
  )
  t.notOk(c.includes('kind delete cluster --name nph'), '--keep')
})

t.test('Ctrl-C mid-run: namespaces and cluster removed', async (t) => {
  const { o, apis, calls } = setup(t)
  const kind = new KindCluster(o)
  const ac = new AbortController()
  const [s] = loadScenarios(['scenarios/upstream/default-deny-all.yaml'])
  const slow = new KindDriver(o, kind)
  const probe = slow.probe.bind(slow)
  slow.probe = async (c, ms) => {
    ac.abort()
    return probe(c, ms)
  }
  const report = await runScenarios([s], () => slow, 'run', QUICK, ac.signal)
  await kind.close()
  t.equal(report.summary.exitCode, 130)
  t.equal(report.scenarios[0].error, 'interrupted')
  t.same(apis[0].active(), [], 'namespaces of the run deleted')
  t.equal(calls().at(-1), 'kind delete cluster --name nph')
})

// Issue 12, defect 5: docs/kind.md promises that a run deletes the cluster it created; a bring-up that failed after
// `kind create cluster` (Calico never rolled out: kubectl rollout status exits 1 on its timeout) left it behind.
t.test('a cluster this run created is deleted when Calico never gets ready; a reused one is kept', async (t) => {
  const { o, calls } = setup(t)
  process.env.FAKE_CALICO = 'never'
  t.teardown(() => void delete process.env.FAKE_CALICO)
  const kind = new KindCluster(o)
  await t.rejects(kind.ensure(), /Calico did not become ready/)
  await kind.close()
  t.ok(
    calls().includes(
      'kind create cluster --name nph --config ' +
        calls()
          .find((c) => c.startsWith('kind create cluster'))!
          .split('--config ')[1],
    ),
  )
  t.equal(calls().at(-1), 'kind delete cluster --name nph', 'the half-made cluster is deleted')
  const reused = setup(t)
  process.env.FAKE_CLUSTERS = 'nph'
  process.env.FAKE_HEALTHY = 'yes'
  t.teardown(() => void (delete process.env.FAKE_CLUSTERS, delete process.env.FAKE_HEALTHY))
  const k2 = new KindCluster(reused.o)
  await k2.ensure()
  await k2.close()
  t.notOk(
    reused.calls().some((c) => c.startsWith('kind delete')),
    'a reused cluster stays',
  )
})

// A cluster that cannot come up means no scenario can run: the run stops after the first and lists the rest.
t.test('Calico never ready: the run stops, every scenario is listed, the cluster is deleted', async (t) => {
  const { o, calls } = setup(t)
  process.env.FAKE_CALICO = 'never'
  t.teardown(() => void delete process.env.FAKE_CALICO)
  const scenarios = loadScenarios(['scenarios/basics', 'scenarios/upstream/allow-all.yaml'])
  const report = await runOnKind(o, scenarios)
  t.same(
    report.scenarios.map((s) => s.name),
    scenarios.map((s) => s.name),
  )
  t.match(report.scenarios[0].error, /Calico did not become ready/)
  t.match(report.scenarios[1].error, /^not run: Calico did not become ready/)
  t.equal(calls().filter((c) => c.startsWith('kind create cluster')).length, 1, 'created once')
  t.equal(report.summary.exitCode, 3)
  t.equal(calls().at(-1), 'kind delete cluster --name nph')
})

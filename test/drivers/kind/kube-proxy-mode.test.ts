// kube-proxy's mode on kind (issue 18): chosen with --kube-proxy-mode (kind config networking.kubeProxyMode), the
// dataplane's by default, refused with Calico's nftables dataplane unless nftables, shown by the dry run, recorded
// from the kube-system/kube-proxy ConfigMap, and a reused cluster of another mode refused before anything is created.
import t from 'tap'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'
import { main } from '../../../src/cli/main.js'
import { defaultExec } from '../../../src/drivers/exec.js'
import { kindConfig } from '../../../src/drivers/kind/config.js'
import { KindCluster, KindDriver, type KindDriverOptions } from '../../../src/drivers/kind/index.js'
import { EnvironmentError } from '../../../src/errors.js'
import { loadScenarios } from '../../../src/scenario/load.js'
import { CALICO_MINI, fakeKind } from '../../helpers/fake-kind.js'
import { FakeKube } from '../../helpers/fake-kube.js'

process.env.PATH = `${resolve('test/fixtures/fake-bin')}:${process.env.PATH}`

t.test('the kind config carries the mode asked for, else the dataplane’s', async (t) => {
  const mode = (o: Parameters<typeof kindConfig>[0]) =>
    (parse(kindConfig(o)) as { networking: { kubeProxyMode: string } }).networking.kubeProxyMode
  t.equal(mode({ workers: 1, dataplane: 'iptables' }), 'iptables')
  t.equal(mode({ workers: 1, dataplane: 'nftables' }), 'nftables')
  t.equal(mode({ workers: 1, dataplane: 'iptables', kubeProxyMode: 'ipvs' }), 'ipvs')
  t.equal(mode({ workers: 1, dataplane: 'iptables', kubeProxyMode: 'nftables' }), 'nftables')
})

t.test('cluster up --dry-run shows it; nftables dataplane with another mode is a usage error', async (t) => {
  let out = ''
  const io = { out: (s: string) => void (out += s), err: () => {} }
  t.equal(await main(['cluster', 'up', '--dry-run', '--kube-proxy-mode', 'ipvs'], io), 0)
  t.match(out, /kubeProxyMode: ipvs/)
  t.match(out, /kube-proxy ipvs mode/)
  let err = ''
  const code = await main(['cluster', 'up', '--dry-run', '--dataplane', 'nftables', '--kube-proxy-mode', 'iptables'], {
    out: () => {},
    err: (s) => void (err += s),
  })
  t.equal(code, 2)
  t.match(err, /--dataplane nftables needs kube-proxy in nftables mode/)
  t.not(
    await main(['cluster', 'up', '--dry-run', '--kube-proxy-mode', 'userspace'], { out: () => {}, err: () => {} }),
    0,
    'only the three modes',
  )
})

t.test('a reused cluster running kube-proxy in another mode is refused before the scenario is created', async (t) => {
  const { dir } = fakeKind(t, { FAKE_NAME: 'nph', FAKE_CLUSTERS: 'nph', FAKE_HEALTHY: 'yes' })
  t.teardown(() => void (delete process.env.FAKE_CLUSTERS, delete process.env.FAKE_HEALTHY))
  mkdirSync(join(dir, 'manifests/calico/v3.30.7'), { recursive: true })
  writeFileSync(join(dir, 'manifests/calico/v3.30.7/calico.yaml'), CALICO_MINI)
  const apis: FakeKube[] = []
  const o = (kubeProxyMode?: 'ipvs'): KindDriverOptions => ({
    name: 'nph',
    workers: 2,
    calicoVersion: 'v3.30.7',
    dataplane: 'iptables',
    ...(kubeProxyMode ? { kubeProxyMode } : {}),
    waitSeconds: 5,
    root: dir,
    exec: defaultExec,
    api: () => {
      const api = new FakeKube()
      api.proxyConfig = 'kind: KubeProxyConfiguration\nmode: iptables\n'
      apis.push(api)
      return api
    },
    runId: 'r9',
    keep: true,
  })
  const [s] = loadScenarios(['scenarios/services/split-backends.yaml'])
  const signal = new AbortController().signal
  const asked = o('ipvs')
  const refused = new KindDriver(asked, new KindCluster(asked))
  await t.rejects(refused.up(s, signal), EnvironmentError)
  await t.rejects(new KindDriver(asked, new KindCluster(asked)).up(s, signal), /runs kube-proxy in iptables mode; this run asks for ipvs/)
  t.same(
    apis.flatMap((a) => a.calls.map((c) => c.op)),
    [],
    'nothing of the scenario was created',
  )
  const same = o()
  const d = new KindDriver(same, new KindCluster(same))
  await d.up(s, signal)
  t.equal(d.info.versions.kubeProxyMode, 'iptables', 'the mode found is in the versions')
  // kind probes every way through Services (it has the node access node-port needs), as the kube driver does.
  for (const via of ['service-ip', 'service-name', 'node-port'] as const)
    t.equal(d.unsupported({ port: 80, protocol: 'TCP', via }), undefined, `${via} is probed on kind`)
  const api = apis.at(-1)!
  t.ok(
    [...api.services.keys()].some((k) => k.startsWith('web/web-')),
    'per-backend Services created through the kind context',
  )
  await d.down()
})

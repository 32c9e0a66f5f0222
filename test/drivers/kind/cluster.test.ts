// The kind + Calico cluster with fake `kind`, `kubectl` and `docker` executables on PATH (they log every
// call): create, reuse, recreate, a Calico that never gets ready, kindnet, the manifest, the dry-run plan.
import t from 'tap'
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { defaultExec } from '../../../src/drivers/exec.js'
import { calicoManifest, up, type KindOptions } from '../../../src/drivers/kind/cluster.js'
import { patchCalicoManifest, calicoRelease } from '../../../src/drivers/kind/calico.js'
import { kindConfig } from '../../../src/drivers/kind/config.js'
import { InfraError } from '../../../src/errors.js'
import { main } from '../../../src/cli/main.js'

const MINI = readFileSync('test/fixtures/calico-mini.yaml', 'utf8')
process.env.PATH = `${resolve('test/fixtures/fake-bin')}:${process.env.PATH}`

function fake(t: { testdir: () => string }, env: Record<string, string> = {}) {
  const dir = t.testdir()
  for (const k of Object.keys(process.env)) if (k.startsWith('FAKE_')) delete process.env[k]
  Object.assign(process.env, { FAKE_DIR: dir, ...env })
  const calls = () => (existsSync(join(dir, 'calls.log')) ? readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n') : [])
  const stdins = () => readdirSync(dir).filter((f) => f.startsWith('stdin-')).map((f) => readFileSync(join(dir, f), 'utf8'))
  return { dir, calls, stdins }
}

const opts = (root: string): KindOptions => ({ name: 'nph', workers: 2, calicoVersion: 'v3.30.7', dataplane: 'iptables', waitSeconds: 5, root })
const manifest = async () => patchCalicoManifest(MINI, calicoRelease('v3.30.7')!, { dataplane: 'iptables' })

t.test('create: kind without --wait, images preloaded when present, Calico created and waited for', async (t) => {
  const f = fake(t, { FAKE_IMAGES: 'docker.io/calico/node:v3.30.7' })
  const logs: string[] = []
  const r = await up(defaultExec, opts(f.dir), (l) => logs.push(l), manifest)
  t.equal(r.reused, false)
  t.same(Object.keys(r.timings), ['createCluster', 'loadImages', 'installCalico', 'calicoReady'])
  const calls = f.calls()
  const create = calls.find((c) => c.startsWith('kind create cluster'))!
  t.match(create, /^kind create cluster --name nph --config \S+kind-config\.yaml$/)
  t.notMatch(create, /--wait/, 'never kind --wait')
  t.same(calls.filter((c) => c.startsWith('kind load')), ['kind load docker-image docker.io/calico/node:v3.30.7 --name nph'], 'only images present locally are loaded')
  const order = ['kind create cluster', 'kubectl --context kind-nph create -f -', 'rollout status daemonset/calico-node', 'rollout status deployment/calico-kube-controllers', 'wait --for=condition=Ready nodes --all', 'get daemonset kindnet']
  const idx = order.map((o) => calls.findIndex((c) => c.includes(o)))
  t.ok(idx.every((i, k) => i >= 0 && (k === 0 || i > idx[k - 1])), `in order: ${idx}`)
  const [installed] = f.stdins()
  t.match(installed, /name: FELIX_XDPENABLED\s+value: "false"/, 'XDP off')
  t.match(installed, /name: FELIX_NFTABLESMODE\s+value: Disabled/)
  t.match(logs.join('\n'), /kind cluster nph up with Calico v3\.30\.7/)
})

t.test('reuse a healthy cluster; recreate an unhealthy one', async (t) => {
  const healthy = fake(t, { FAKE_CLUSTERS: 'other nph', FAKE_HEALTHY: 'yes' })
  t.equal((await up(defaultExec, opts(healthy.dir), () => {}, manifest)).reused, true)
  t.notOk(healthy.calls().some((c) => c.startsWith('kind create')), 'nothing created')
  const sick = fake(t, { FAKE_CLUSTERS: 'nph', FAKE_HEALTHY: 'no' })
  t.equal((await up(defaultExec, opts(sick.dir), () => {}, manifest)).reused, false)
  const calls = sick.calls()
  t.ok(calls.indexOf('kind delete cluster --name nph') < calls.findIndex((c) => c.startsWith('kind create')), 'deleted, then created')
})

t.test('a Calico that never gets ready: an infrastructure error with diagnostics', async (t) => {
  const f = fake(t, { FAKE_CALICO: 'never' })
  const e = await up(defaultExec, opts(f.dir), () => {}, manifest).catch((x) => x)
  t.ok(e instanceof InfraError)
  t.match(e.message, /Calico did not become ready within 5 s/)
  t.match(e.message, /--- calico-node logs ---\ncalico-node-x felix: bird: unable to connect to BIRD \(fake\)/)
  t.ok(f.calls().some((c) => c.includes('get felixconfigurations')), 'Felix configuration collected')
})

t.test('a running kindnet is refused', async (t) => {
  const f = fake(t, { FAKE_KINDNET: 'yes' })
  await t.rejects(up(defaultExec, opts(f.dir), () => {}, manifest), /a kindnet DaemonSet is running/)
})

t.test('the manifest: vendored on first use with its sha256, verified after, patched, pins checked', async (t) => {
  const root = t.testdir()
  let fetched = 0
  const fetchText = async (url: string) => {
    fetched++
    t.equal(url, 'https://raw.githubusercontent.com/projectcalico/calico/v3.30.7/manifests/calico.yaml')
    return MINI
  }
  const first = await calicoManifest(opts(root), fetchText)
  t.match(first, /value: "false"/)
  t.ok(existsSync(join(root, 'manifests/calico/v3.30.7/calico.yaml.sha256')))
  await calicoManifest(opts(root), fetchText)
  t.equal(fetched, 1, 'fetched once, then read from the vendored file')
  writeFileSync(join(root, 'manifests/calico/v3.30.7/calico.yaml'), MINI + '# changed\n')
  await t.rejects(calicoManifest(opts(root), fetchText), /does not match its recorded sha256/)
  t.throws(() => patchCalicoManifest(MINI.replace('node:v3.30.7', 'node:v3.29.0'), calicoRelease('v3.30.7')!, { dataplane: 'iptables' }), /images not pinned to v3\.30\.7: docker\.io\/calico\/node:v3\.29\.0/)
  const root2 = t.testdir()
  await t.rejects(calicoManifest(opts(root2), async () => Promise.reject(new Error('offline'))), /not vendored and could not be fetched: offline/)
  mkdirSync(join(root2, 'x'))
})

t.test('kind config: no default CNI, Calico pod subnet, workers, kube-proxy matching the dataplane', async (t) => {
  const text = kindConfig({ workers: 3, dataplane: 'nftables' })
  t.match(text, /disableDefaultCNI: true/)
  t.match(text, /podSubnet: 10\.244\.0\.0\/16/)
  t.equal((text.match(/role: worker/g) ?? []).length, 3)
  t.match(text, /kubeProxyMode: nftables/)
})

t.test('cluster up --dry-run prints the plan and touches nothing', async (t) => {
  const f = fake(t)
  let out = ''
  const code = await main(['cluster', 'up', '--dry-run', '--calico-version', 'v3.31.7', '--dataplane', 'nftables', '--workers', '3'], { out: (s) => void (out += s), err: () => {} })
  t.equal(code, 0)
  t.match(out, /kubeProxyMode: nftables/)
  t.match(out, /quay\.io\/calico\/node:v3\.31\.7/)
  t.match(out, /FELIX_NFTABLESMODE=Enabled/)
  t.match(out, /kubectl --context kind-netpol-harness -n kube-system rollout status daemonset\/calico-node --timeout=300s/)
  t.same(f.calls(), [], 'no command was run')
  t.equal(await main(['cluster', 'sideways'], { out: () => {}, err: () => {} }), 2)
})

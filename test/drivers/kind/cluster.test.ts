// The kind + Calico cluster with fake `kind`, `kubectl` and `docker` executables on PATH (they log every
// call): create, reuse (only of a matching Calico), recreate, a Calico that never gets ready, kindnet, a failing
// kind load, the manifest (vendored, fetched, --calico-manifest, --calico-sha256), the dry-run plan.
import t from 'tap'
import { existsSync, writeFileSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { defaultExec } from '../../../src/drivers/exec.js'
import { calicoManifest, up } from '../../../src/drivers/kind/cluster.js'
import { patchCalicoManifest, calicoRelease } from '../../../src/drivers/kind/calico.js'
import { kindConfig } from '../../../src/drivers/kind/config.js'
import { InfraError, UsageError } from '../../../src/errors.js'
import { CALICO_MINI, fakeKind, kindOptions, miniManifest, sha } from '../../helpers/fake-kind.js'
import { main } from '../../../src/cli/main.js'

process.env.PATH = `${resolve('test/fixtures/fake-bin')}:${process.env.PATH}`

t.test('create: kind without --wait, images preloaded when present, Calico created and waited for', async (t) => {
  const f = fakeKind(t, { FAKE_IMAGES: 'docker.io/calico/node:v3.30.7' })
  const logs: string[] = []
  const r = await up(defaultExec, kindOptions(f.dir), (l) => logs.push(l), miniManifest)
  t.equal(r.reused, false)
  t.same(Object.keys(r.timings), ['createCluster', 'loadImages', 'installCalico', 'calicoReady', 'calicoApiserver'])
  const calls = f.calls()
  const create = calls.find((c) => c.startsWith('kind create cluster'))!
  t.match(create, /^kind create cluster --name nph --config \S+kind-config\.yaml$/)
  t.notMatch(create, /--wait/, 'never kind --wait')
  t.same(
    calls.filter((c) => c.startsWith('kind load')),
    ['kind load docker-image docker.io/calico/node:v3.30.7 --name nph'],
    'only images present locally are loaded',
  )
  const order = [
    'kind create cluster',
    'kubectl --context kind-nph create -f -',
    'rollout status daemonset/calico-node',
    'rollout status deployment/calico-kube-controllers',
    'wait --for=condition=Ready nodes --all',
    'get daemonset kindnet',
  ]
  const idx = order.map((o) => calls.findIndex((c) => c.includes(o)))
  t.ok(
    idx.every((i, k) => i >= 0 && (k === 0 || i > idx[k - 1])),
    `in order: ${idx}`,
  )
  const [installed] = f.stdins()
  t.match(installed, /name: FELIX_XDPENABLED\s+value: "false"/, 'XDP off')
  t.match(installed, /name: FELIX_NFTABLESMODE\s+value: Disabled/)
  // Felix re-checks its tables every IptablesRefreshInterval / NftablesRefreshInterval, `seconds;180` by default
  // (projectcalico/calico felix/config/config_params.go); flush-dataplane scenarios need a repair within seconds.
  t.match(installed, /name: FELIX_IPTABLESREFRESHINTERVAL\s+value: "2"/)
  t.match(installed, /name: FELIX_NFTABLESREFRESHINTERVAL\s+value: "2"/)
  t.match(logs.join('\n'), /kind cluster nph up with Calico v3\.30\.7/)
  t.match(r.calico, { version: 'v3.30.7', manifest: 'test sha256:x', felix: /IPTABLESREFRESHINTERVAL=2/ })
})

t.test('reuse a healthy cluster; recreate an unhealthy one', async (t) => {
  const healthy = fakeKind(t, { FAKE_CLUSTERS: 'other nph', FAKE_HEALTHY: 'yes' })
  const r = await up(defaultExec, kindOptions(healthy.dir), () => {}, miniManifest)
  t.equal(r.reused, true)
  t.match(
    r.calico.felix,
    /NFTABLESMODE=Disabled IPTABLESREFRESHINTERVAL=2 NFTABLESREFRESHINTERVAL=\(unset\)/,
    'the Felix settings it really runs',
  )
  t.notOk(
    healthy.calls().some((c) => c.startsWith('kind create')),
    'nothing created',
  )
  const sick = fakeKind(t, { FAKE_CLUSTERS: 'nph', FAKE_HEALTHY: 'no' })
  t.equal((await up(defaultExec, kindOptions(sick.dir), () => {}, miniManifest)).reused, false)
  const calls = sick.calls()
  t.ok(calls.indexOf('kind delete cluster --name nph') < calls.findIndex((c) => c.startsWith('kind create')), 'deleted, then created')
})

// Issue 12, defect 9: a healthy cluster was reused whatever Calico it ran, and the report claimed the requested one.
// The check reads the apps/v1 DaemonSet (kubectl get -o json): the calico-node image tag, and FELIX_NFTABLESMODE, whose
// Felix default is Auto (felix/config/config_params.go NFTablesMode `oneof(Enabled,Disabled,Auto);Auto`).
t.test('a healthy cluster running another Calico, another dataplane or kindnet is refused, never deleted', async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ FAKE_DS_IMAGE: 'docker.io/calico/node:v3.29.0' }, /calico-node runs docker\.io\/calico\/node:v3\.29\.0, not Calico v3\.30\.7/],
    [
      { FAKE_DS_ENV: '{"name":"FELIX_NFTABLESMODE","value":"Enabled"}' },
      /FELIX_NFTABLESMODE is Enabled, the iptables dataplane needs Disabled/,
    ],
    [{ FAKE_DS_ENV: '' }, /FELIX_NFTABLESMODE is unset \(Felix default Auto\)/],
    [{ FAKE_KINDNET: 'yes' }, /a kindnet DaemonSet runs/],
  ]
  for (const [env, why] of cases) {
    const f = fakeKind(t, { FAKE_CLUSTERS: 'nph', FAKE_HEALTHY: 'yes', ...env })
    const e = await up(defaultExec, kindOptions(f.dir), () => {}, miniManifest).catch((x) => x)
    t.ok(e instanceof InfraError, Object.keys(env).join())
    t.match(e.message, /kind cluster nph exists but is not what this run asks for \(Calico v3\.30\.7, iptables dataplane\)/)
    t.match(e.message, why)
    t.match(e.hint, /cluster down --name nph/)
    t.notOk(
      f.calls().some((c) => c.startsWith('kind delete') || c.startsWith('kind create')),
      'nothing deleted or created',
    )
  }
})

// Issue 12, defect 9: with Docker 29's containerd image store `kind load docker-image` exits 1 on pulled multi-platform
// images (kubernetes-sigs/kind#3795); the preload is an optimisation, so the nodes pull instead of the run failing.
t.test('a failing kind load is logged and the nodes pull the image', async (t) => {
  const f = fakeKind(t, { FAKE_IMAGES: 'docker.io/calico/node:v3.30.7', FAKE_LOAD: 'fail' })
  const logs: string[] = []
  const r = await up(defaultExec, kindOptions(f.dir), (l) => logs.push(l), miniManifest)
  t.equal(r.reused, false)
  t.match(
    logs.join('\n'),
    /kind load docker-image docker\.io\/calico\/node:v3\.30\.7 failed \(Command Output: ctr: content digest sha256:\S+: not found\); nodes will pull it instead.*kubernetes-sigs\/kind#3795/,
  )
  t.ok(
    f.calls().some((c) => c.includes('rollout status daemonset/calico-node')),
    'bring-up went on',
  )
})

t.test('a Calico that never gets ready: an infrastructure error with diagnostics', async (t) => {
  const f = fakeKind(t, { FAKE_CALICO: 'never' })
  const e = await up(defaultExec, kindOptions(f.dir), () => {}, miniManifest).catch((x) => x)
  t.ok(e instanceof InfraError)
  t.match(e.message, /Calico did not become ready within 5 s/)
  t.match(e.message, /--- calico-node logs ---\ncalico-node-x felix: bird: unable to connect to BIRD \(fake\)/)
  t.ok(
    f.calls().some((c) => c.includes('get felixconfigurations')),
    'Felix configuration collected',
  )
})

t.test('a running kindnet is refused', async (t) => {
  const f = fakeKind(t, { FAKE_KINDNET: 'yes' })
  await t.rejects(
    up(defaultExec, kindOptions(f.dir), () => {}, miniManifest),
    /a kindnet DaemonSet is running/,
  )
})

t.test('the manifest: vendored on first use with its sha256, verified after, patched, pins checked', async (t) => {
  const root = t.testdir()
  let fetched = 0
  const fetchText = async (url: string) => {
    fetched++
    t.equal(url, 'https://raw.githubusercontent.com/projectcalico/calico/v3.30.7/manifests/calico.yaml')
    return CALICO_MINI
  }
  const first = await calicoManifest(kindOptions(root), fetchText)
  t.match(first.patched, /value: "false"/)
  t.same(
    [first.source, first.sha256],
    ['fetched https://raw.githubusercontent.com/projectcalico/calico/v3.30.7/manifests/calico.yaml', sha(CALICO_MINI)],
  )
  t.ok(existsSync(join(root, 'manifests/calico/v3.30.7/calico.yaml.sha256')))
  const second = await calicoManifest(kindOptions(root), fetchText)
  t.equal(fetched, 1, 'fetched once, then read from the vendored file')
  t.equal(second.source, 'vendored manifests/calico/v3.30.7/calico.yaml')
  writeFileSync(join(root, 'manifests/calico/v3.30.7/calico.yaml'), CALICO_MINI + '# changed\n')
  await t.rejects(calicoManifest(kindOptions(root), fetchText), /does not match its recorded sha256/)
  t.throws(
    () => patchCalicoManifest(CALICO_MINI.replace('node:v3.30.7', 'node:v3.29.0'), calicoRelease('v3.30.7')!, { dataplane: 'iptables' }),
    /images not pinned to v3\.30\.7: docker\.io\/calico\/node:v3\.29\.0/,
  )
  const root2 = t.testdir()
  await t.rejects(
    calicoManifest(kindOptions(root2), async () => Promise.reject(new Error('offline'))),
    /not vendored and could not be fetched: offline/,
  )
  mkdirSync(join(root2, 'x'))
})

// Issue 12, defect 7: the docs promised pinned manifests, but only a first-use hash was recorded. --calico-manifest
// installs a given file, --calico-sha256 must match (vendored, fetched or given) before anything is written or created.
t.test('--calico-manifest and --calico-sha256: a mismatch is a usage error before anything is created', async (t) => {
  const f = fakeKind(t)
  const file = join(f.dir, 'my-calico.yaml')
  writeFileSync(file, CALICO_MINI)
  const good = await calicoManifest({ ...kindOptions(f.dir), calicoManifest: file, calicoSha256: sha(CALICO_MINI) })
  t.same([good.source, good.sha256], [`file ${file}`, sha(CALICO_MINI)])
  const wrong = '0'.repeat(64)
  const e = await up(defaultExec, { ...kindOptions(f.dir), calicoManifest: file, calicoSha256: wrong }, () => {}).catch((x) => x)
  t.ok(e instanceof UsageError)
  t.match(e.message, `has sha256 ${sha(CALICO_MINI)}, not ${wrong} (--calico-sha256); nothing was created`)
  t.notOk(
    f.calls().some((c) => c.startsWith('kind create') || c.startsWith('kind delete')),
    'no cluster created or deleted',
  )
  const sick = fakeKind(t, { FAKE_CLUSTERS: 'nph', FAKE_HEALTHY: 'no' })
  await t.rejects(
    up(defaultExec, { ...kindOptions(sick.dir), calicoManifest: file, calicoSha256: wrong }, () => {}),
    UsageError,
  )
  t.notOk(
    sick.calls().some((c) => c.startsWith('kind delete')),
    'an unhealthy cluster is not deleted for a manifest that cannot be installed',
  )
  const root = t.testdir()
  await t.rejects(
    calicoManifest({ ...kindOptions(root), calicoSha256: wrong }, async () => CALICO_MINI),
    /has sha256/,
  )
  t.notOk(existsSync(join(root, 'manifests/calico/v3.30.7/calico.yaml')), 'a fetched manifest that does not match is not vendored')
  await t.rejects(
    calicoManifest({ ...kindOptions(root), calicoManifest: join(root, 'nope.yaml') }),
    /--calico-manifest \S+nope\.yaml: no such file/,
  )
  t.equal(
    await main(['cluster', 'up', '--dry-run', '--calico-sha256', 'abc'], { out: () => {}, err: () => {} }),
    2,
    'a malformed hash is a usage error',
  )
  let out = ''
  t.equal(
    await main(['cluster', 'up', '--dry-run', '--calico-manifest', file, '--calico-sha256', sha(CALICO_MINI)], {
      out: (s) => void (out += s),
      err: () => {},
    }),
    0,
  )
  t.match(out, `${file} (--calico-manifest)`)
  t.match(out, `sha256 must be ${sha(CALICO_MINI)} (--calico-sha256)`)
  t.match(out, `create -f - < <${file}, with calico-node env`)
})

t.test('kind config: no default CNI, Calico pod subnet, workers, kube-proxy matching the dataplane', async (t) => {
  const text = kindConfig({ workers: 3, dataplane: 'nftables' })
  t.match(text, /disableDefaultCNI: true/)
  t.match(text, /podSubnet: 10\.244\.0\.0\/16/)
  t.equal((text.match(/role: worker/g) ?? []).length, 3)
  t.match(text, /kubeProxyMode: nftables/)
})

t.test('cluster up --dry-run prints the plan and touches nothing', async (t) => {
  const f = fakeKind(t)
  let out = ''
  const code = await main(['cluster', 'up', '--dry-run', '--calico-version', 'v3.31.7', '--dataplane', 'nftables', '--workers', '3'], {
    out: (s) => void (out += s),
    err: () => {},
  })
  t.equal(code, 0)
  t.match(out, /kubeProxyMode: nftables/)
  t.match(out, /quay\.io\/calico\/node:v3\.31\.7/)
  t.match(out, /FELIX_NFTABLESMODE=Enabled/)
  t.match(out, /FELIX_NFTABLESREFRESHINTERVAL=2/)
  t.match(out, /kubectl --context kind-netpol-harness -n kube-system rollout status daemonset\/calico-node --timeout=300s/)
  t.same(f.calls(), [], 'no command was run')
  t.equal(await main(['cluster', 'sideways'], { out: () => {}, err: () => {} }), 2)
})

// `cluster down` and `cluster status` without kind both say what is missing and how to get it, exit 3 (infrastructure).
t.test('cluster down and status without kind give the install hint', async (t) => {
  const path = process.env.PATH
  process.env.PATH = t.testdir() // no kind, no docker
  t.teardown(() => void (process.env.PATH = path))
  for (const action of ['down', 'status']) {
    let err = ''
    const code = await main(['cluster', action], { out: () => {}, err: (s) => void (err += s) })
    t.equal(code, 3, action)
    t.match(err, /the kind driver needs kind, which is not installed here/, action)
    t.match(err, /install kind \(https:\/\/kind\.sigs\.k8s\.io\)/, `${action}: the hint`)
  }
})

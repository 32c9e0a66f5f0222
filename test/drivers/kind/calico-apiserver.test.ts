// The Calico API server on kind, installed as Calico documents it for a manifest install, with fake `kind`, `kubectl`
// and `docker` on PATH (they log every call) and the real openssl: the manifest vendored and patched (the staged
// policy RBAC, projectcalico/calico#11017), the certificate, secret and caBundle, the waits, reuse, a failure that
// leaves the run going, the dry-run plan, and the path recorded by the kind driver.
import t from 'tap'
import { X509Certificate } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { defaultExec } from '../../../src/drivers/exec.js'
import { apiserverManifest, patchApiserverManifest } from '../../../src/drivers/kind/calico-apiserver.js'
import { calicoRelease } from '../../../src/drivers/kind/calico.js'
import { renderPlan, up } from '../../../src/drivers/kind/cluster.js'
import { KindCluster, KindDriver } from '../../../src/drivers/kind/index.js'
import { loadScenarios } from '../../../src/scenario/load.js'
import { APISERVER_MINI, CALICO_MINI, fakeKind, kindOptions, miniManifest, sha } from '../../helpers/fake-kind.js'
import { FakeKube } from '../../helpers/fake-kube.js'

const r = calicoRelease('v3.30.7')!
process.env.PATH = `${resolve('test/fixtures/fake-bin')}:${process.env.PATH}`
const crdRule = (yaml: string) =>
  parseAllDocuments(yaml)
    .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string }; rules?: { apiGroups: string[]; resources: string[] }[] })
    .find((o) => o?.kind === 'ClusterRole' && o.metadata?.name === 'calico-crds')!
    .rules!.find((x) => x.apiGroups.includes('crd.projectcalico.org'))!.resources

t.test('the patch adds the staged policy resources to the calico-crds rule, and nothing else', async (t) => {
  const { patched, added } = patchApiserverManifest(APISERVER_MINI, r)
  t.same(added, ['stagednetworkpolicies', 'stagedglobalnetworkpolicies', 'stagedkubernetesnetworkpolicies'])
  t.same(crdRule(patched), [...crdRule(APISERVER_MINI), ...added])
  const strip = (y: string) =>
    parseAllDocuments(y)
      .map((d) => d.toJS() as { kind?: string } | null)
      .filter((o) => o && o.kind !== 'ClusterRole')
  t.same(strip(patched), strip(APISERVER_MINI), 'every other object unchanged')
  t.same(patchApiserverManifest(patched, r).added, [], 'a manifest that has them (a fixed release) is left as it is')
  t.throws(
    () => patchApiserverManifest(APISERVER_MINI.replace('apiserver:v3.30.7', 'apiserver:v3.29.0'), r),
    /not pinned to v3\.30\.7: calico\/apiserver:v3\.29\.0/,
  )
  t.throws(
    () => patchApiserverManifest(APISERVER_MINI.replace('kind: APIService', 'kind: Other'), r),
    /no APIService\/v3\.projectcalico\.org/,
  )
})

t.test('the manifest is vendored with its sha256 on first use, then verified', async (t) => {
  const root = t.testdir()
  let fetched = 0
  const fetchText = async (url: string) => {
    fetched++
    t.equal(url, 'https://raw.githubusercontent.com/projectcalico/calico/v3.30.7/manifests/apiserver.yaml')
    return APISERVER_MINI
  }
  const first = await apiserverManifest(root, r, fetchText)
  t.same(
    [first.source, first.sha256],
    ['fetched https://raw.githubusercontent.com/projectcalico/calico/v3.30.7/manifests/apiserver.yaml', sha(APISERVER_MINI)],
  )
  t.equal(readFileSync(join(root, 'manifests/calico/v3.30.7/apiserver.yaml.sha256'), 'utf8'), `${sha(APISERVER_MINI)}  apiserver.yaml\n`)
  t.equal((await apiserverManifest(root, r, fetchText)).source, 'vendored manifests/calico/v3.30.7/apiserver.yaml')
  t.equal(fetched, 1)
  writeFileSync(join(root, 'manifests/calico/v3.30.7/apiserver.yaml'), APISERVER_MINI + '# changed\n')
  await t.rejects(apiserverManifest(root, r, fetchText), /does not match its recorded sha256/)
  await t.rejects(
    apiserverManifest(t.testdir(), r, async () => Promise.reject(new Error('offline'))),
    /not vendored and could not be fetched: offline/,
  )
})

t.test('a new cluster: after Calico is ready, the API server as documented, then waited for until v3 is served', async (t) => {
  const f = fakeKind(t)
  const logs: string[] = []
  const res = await up(defaultExec, kindOptions(f.dir), (l) => logs.push(l), miniManifest)
  const calls = f.calls()
  const order = [
    'get daemonset kindnet',
    'kubectl --context kind-nph create -f -',
    'kubectl --context kind-nph -n calico-apiserver create secret generic calico-apiserver-certs --from-file=',
    'kubectl --context kind-nph patch apiservice v3.projectcalico.org -p ',
    'kubectl --context kind-nph -n calico-apiserver rollout status deployment/calico-apiserver --timeout=5s',
    'kubectl --context kind-nph wait --for=condition=Available apiservice/v3.projectcalico.org --timeout=5s',
  ]
  const idx = order.map((o, k) => (k === 1 ? calls.map((c) => c.includes(o)).lastIndexOf(true) : calls.findIndex((c) => c.includes(o))))
  t.ok(
    idx.every((i, k) => i >= 0 && (k === 0 || i > idx[k - 1])),
    `in order: ${idx}`,
  )
  const [, installed] = f.stdins()
  t.same(crdRule(installed), [
    ...crdRule(APISERVER_MINI),
    'stagednetworkpolicies',
    'stagedglobalnetworkpolicies',
    'stagedkubernetesnetworkpolicies',
  ])
  // The caBundle is the certificate openssl made: PEM, for the Service's DNS name (what the aggregator verifies).
  const patch = calls.find((c) => c.includes('patch apiservice'))!
  const { spec } = JSON.parse(patch.slice(patch.indexOf(' -p ') + 4)) as { spec: { caBundle: string } }
  const cert = new X509Certificate(Buffer.from(spec.caBundle, 'base64'))
  t.equal(cert.subjectAltName, 'DNS:calico-api.calico-apiserver.svc')
  t.ok(cert.checkHost('calico-api.calico-apiserver.svc'))
  const secret = calls.find((c) => c.includes('create secret'))!
  t.match(secret, /--from-file=(\S+)\/apiserver\.key --from-file=\1\/apiserver\.crt$/)
  t.notOk(existsSync(/--from-file=(\S+)\/apiserver\.key/.exec(secret)![1]), 'the key is not left on disk')
  t.ok('calicoApiserver' in res.timings)
  t.equal(
    res.calicoApi,
    `Calico API server (vendored manifests/calico/v3.30.7/apiserver.yaml sha256:${sha(APISERVER_MINI)}; RBAC patched: +stagednetworkpolicies, +stagedglobalnetworkpolicies, +stagedkubernetesnetworkpolicies)`,
  )
})

t.test('a reused cluster: left alone when it serves v3, installed when it does not', async (t) => {
  const serving = fakeKind(t, { FAKE_CLUSTERS: 'nph', FAKE_HEALTHY: 'yes', FAKE_CALICO_API: 'yes' })
  const a = await up(defaultExec, kindOptions(serving.dir), () => {}, miniManifest)
  t.match(a.calicoApi, /already serving projectcalico.org\/v3 in the reused cluster/)
  t.notOk(
    serving.calls().some((c) => c.includes('create -f -')),
    'nothing created',
  )
  const bare = fakeKind(t, { FAKE_CLUSTERS: 'nph', FAKE_HEALTHY: 'yes' })
  const b = await up(defaultExec, kindOptions(bare.dir), () => {}, miniManifest)
  t.match(b.calicoApi, /^Calico API server \(vendored/)
  t.ok(bare.calls().some((c) => c.includes('rollout status deployment/calico-apiserver')))
})

t.test('an API server that never gets ready leaves the cluster up, says why, and records it', async (t) => {
  const f = fakeKind(t, { FAKE_CALICO_API_READY: 'no' })
  const logs: string[] = []
  const res = await up(defaultExec, kindOptions(f.dir), (l) => logs.push(l), miniManifest)
  t.equal(res.reused, false)
  t.match(res.calicoApi, /^none: kubectl .*rollout status deployment\/calico-apiserver .* failed \(exit 1\)/)
  t.match(
    logs.join('\n'),
    /the Calico API server is not installed \(.*\); scenarios applying Calico's own kinds are unsupported on this cluster/,
  )
})

t.test('the dry-run plan shows the API server steps', async (t) => {
  const plan = renderPlan(kindOptions(fakeKind(t).dir))
  t.match(plan, /## the Calico API server \(projectcalico.org\/v3/)
  t.match(plan, /manifests\/calico\/v3.30.7\/apiserver.yaml: vendored; its calico-crds ClusterRole gets the staged policy resources/)
  t.match(
    plan,
    /openssl req -x509 -nodes -newkey rsa:4096 -keyout <temp>\/apiserver.key .* -subj \/ -addext subjectAltName = DNS:calico-api.calico-apiserver.svc/,
  )
  t.match(plan, /kubectl --context kind-nph wait --for=condition=Available apiservice\/v3.projectcalico.org/)
  t.match(plan, /preload docker.io\/calico\/apiserver:v3.30.7/)
})

t.test('the kind driver asks the cluster which Calico kinds it serves and records the path', async (t) => {
  const f = fakeKind(t, { FAKE_NAME: 'nph' })
  const options = kindOptions(f.dir)
  writeFileSync(join(f.dir, 'manifests/calico/v3.30.7/calico.yaml'), CALICO_MINI)
  const apis: FakeKube[] = []
  const o = {
    ...options,
    exec: defaultExec,
    api: (ctx: string) => {
      const api = new FakeKube()
      api.context = ctx
      api.calico.served = ['Tier', 'GlobalNetworkPolicy']
      apis.push(api)
      return api
    },
    runId: 'r9',
    keep: false,
  }
  const kind = new KindCluster(o)
  const d = new KindDriver(o, kind)
  const tier = { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'security' }, spec: {} } as const
  const bareName = {
    apiVersion: 'projectcalico.org/v3',
    kind: 'GlobalNetworkPolicy',
    metadata: { name: 'g' },
    spec: { tier: 'security' },
  } as const
  t.match(d.calicoUnsupported([bareName]), /Calico v3.30.7 requires it to be named security.<name>/, 'known before the cluster exists')
  const [scenario] = loadScenarios(['scenarios/cluster-policy/isolation.yaml'])
  await d.up(scenario, new AbortController().signal)
  t.match(
    d.info.versions.calicoApi,
    /^Calico API server \(vendored .*; projectcalico.org\/v3 through the Calico API server \(Tier, GlobalNetworkPolicy\)$/,
  )
  t.match(
    d.calicoUnsupported([{ ...tier, kind: 'NetworkSet', metadata: { name: 'n', namespace: 'x' } }]),
    /does not serve projectcalico.org\/v3 NetworkSet \(it serves Tier, GlobalNetworkPolicy\)/,
  )
  await d.applyCalicoObjects([{ ...bareName, metadata: { name: 'security.g' } }, tier])
  t.ok(apis[0].calico.get('GlobalNetworkPolicy', 'security.g'), 'applied through the kube driver, the Tier first')
  await d.down()
  t.same([...apis[0].calico.objects.keys()], ['Tier//default'], 'deleted at down')
  await kind.close()
})

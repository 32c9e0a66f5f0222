// What leaves the process: the real @kubernetes/client-node request path (KubeConfig, generated API classes,
// ObjectSerializer, HTTP) against a local socket that records every request. No fake KubeApi: this is the layer
// where client-node's typed model renames `from` to `_from` and silently drops the plain key.
import t, { type Test } from 'tap'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { clientNodeApi } from '../../../src/drivers/kube/client-node-api.js'
import { main } from '../../../src/cli/main.js'
import { podManifest } from '../../../src/drivers/kube/manifests.js'
import type { NetworkPolicy } from '../../../src/model/policy.js'
import { NOT_FOUND, type WireRequest, wireServer } from '../../helpers/wire-server.js'

/** Discovery of one API group version as the API server answers it (an APIResourceList). */
const discovery = (groupVersion: string, resources: object[]) => ({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources })

/**
 * Objects as the API server sends them, by path. Services (issue 18): a Service read back (spec.clusterIPs, allocated
 * nodePort), its EndpointSlices (one endpoint not ready, one with conditions.ready unset, which discovery/v1 says to read
 * as ready), the nodes, kube-proxy's ConfigMap (core/v1, discovery.k8s.io/v1).
 */
const CANNED: Record<string, object> = {
  // KubernetesObjectApi asks discovery where a kind lives before it patches (client-node src/object.ts
  // resource()); the API server answers GET /apis/<group>/<version> with an APIResourceList.
  '/apis/networking.k8s.io/v1': discovery('networking.k8s.io/v1', [
    {
      name: 'networkpolicies',
      singularName: 'networkpolicy',
      namespaced: true,
      kind: 'NetworkPolicy',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    },
  ]),
  // The network-policy-api CRD's discovery (cluster-scoped: namespaced false).
  '/apis/policy.networking.k8s.io/v1alpha2': discovery('policy.networking.k8s.io/v1alpha2', [
    { name: 'clusternetworkpolicies', namespaced: false, kind: 'ClusterNetworkPolicy', verbs: ['get', 'list', 'patch'] },
  ]),
  // A NamespaceList as the API server sends it: metadata.creationTimestamp is RFC 3339 in UTC (apimachinery metav1.Time).
  '/api/v1/namespaces': {
    kind: 'NamespaceList',
    apiVersion: 'v1',
    metadata: {},
    items: [{ metadata: { name: 'prod', labels: { env: 'prod' }, creationTimestamp: '2026-12-02T10:00:00Z' } }],
  },
  '/api/v1/namespaces/prod/services/web': {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { name: 'web', namespace: 'prod' },
    spec: {
      type: 'NodePort',
      clusterIP: '10.96.0.42',
      clusterIPs: ['10.96.0.42', 'fd00:10:96::2a'],
      ports: [{ port: 80, protocol: 'TCP', targetPort: 'http', nodePort: 31234 }],
    },
  },
  '/apis/discovery.k8s.io/v1/namespaces/prod/endpointslices': {
    kind: 'EndpointSliceList',
    apiVersion: 'discovery.k8s.io/v1',
    metadata: {},
    items: [
      {
        metadata: { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        endpoints: [
          { addresses: ['10.244.1.5'], conditions: { ready: true } },
          { addresses: ['10.244.1.6'], conditions: { ready: false } },
          { addresses: ['10.244.1.7'] },
        ],
      },
    ],
  },
  '/api/v1/nodes': {
    kind: 'NodeList',
    apiVersion: 'v1',
    metadata: {},
    items: [
      {
        metadata: { name: 'kind-worker' },
        status: {
          addresses: [
            { type: 'InternalIP', address: '172.18.0.3' },
            { type: 'Hostname', address: 'kind-worker' },
          ],
        },
      },
    ],
  },
  '/api/v1/namespaces/kube-system/configmaps/kube-proxy': {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: { name: 'kube-proxy', namespace: 'kube-system' },
    data: { 'config.conf': 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\n' },
  },
}

const CNPS = '/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies'
const cnp = (name: string) => ({
  apiVersion: 'policy.networking.k8s.io/v1alpha2',
  kind: 'ClusterNetworkPolicy',
  metadata: { name, labels: { 'netpol-harness.io/run': 'r0' }, creationTimestamp: '2026-12-02T10:00:00Z' },
})

/**
 * A stand-in API server selected through KUBECONFIG, as kubectl and client-node read it: GETs answered from `CANNED`,
 * a ClusterNetworkPolicy read (404 with a Status for `absent`, as the API server answers a missing name) or listed by
 * label selector, every other request answered with the object it was sent (as apply/create do).
 */
async function recordingServer(t: Test): Promise<{ url: string; seen: WireRequest[] }> {
  const { url, kubeconfig, seen } = await wireServer(t, (req) => {
    const path = req.url.split('?')[0]
    if (req.method === 'GET' && CANNED[path]) return { status: 200, body: CANNED[path] }
    if (req.method === 'GET' && path === `${CNPS}/absent`) return { status: 404, body: NOT_FOUND }
    if (req.method === 'GET' && path.startsWith(`${CNPS}/`)) return { status: 200, body: cnp('present') }
    if (req.method === 'GET' && path === CNPS)
      return {
        status: 200,
        body: { kind: 'ClusterNetworkPolicyList', apiVersion: 'policy.networking.k8s.io/v1alpha2', metadata: {}, items: [cnp('listed')] },
      }
    return { status: req.method === 'POST' ? 201 : 200, body: req.body ?? { kind: 'Status', status: 'Success' } }
  })
  const before = process.env.KUBECONFIG
  process.env.KUBECONFIG = kubeconfig
  t.teardown(() => (before === undefined ? delete process.env.KUBECONFIG : (process.env.KUBECONFIG = before)))
  return { url, seen }
}

// Every field the scenario format lets a policy carry, in the API's own (wire) spelling.
const policy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'wire', namespace: 'prod', labels: { team: 'a' } },
  spec: {
    podSelector: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['x', 'y'] }] },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [
      {
        from: [
          { namespaceSelector: { matchLabels: { env: 'prod' } }, podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } },
          { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } },
        ],
        ports: [
          { protocol: 'TCP', port: 8080, endPort: 8090 },
          { protocol: 'UDP', port: 'dns' },
        ],
      },
      {},
    ],
    egress: [{ to: [{ podSelector: {} }, { ipBlock: { cidr: '192.168.0.0/16' } }], ports: [{ port: 'http' }] }],
  },
} as unknown as NetworkPolicy

t.test('applyPolicy sends the policy field for field (from, to, except, endPort, named ports, policyTypes)', async (t) => {
  const { seen } = await recordingServer(t)
  await clientNodeApi('wire').applyPolicy(policy)
  t.equal(seen.length, 1)
  t.equal(seen[0].method, 'PATCH')
  t.match(seen[0].url, /^\/apis\/networking\.k8s\.io\/v1\/namespaces\/prod\/networkpolicies\/wire\?/)
  t.match(seen[0].url, /fieldManager=netpol-harness/)
  t.equal(seen[0].contentType, 'application/apply-patch+yaml', 'server-side apply')
  t.same(seen[0].body, policy, 'the wire body equals the scenario object, ingress `from` included')
})

t.test('createPod and the namespace calls send the manifest unchanged', async (t) => {
  const { seen } = await recordingServer(t)
  const api = clientNodeApi('wire')
  const manifest = podManifest(
    { namespace: 'prod', name: 'web', labels: { app: 'web' }, ip: '10.244.1.5', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
    [
      { port: 80, protocol: 'TCP' },
      { port: 53, protocol: 'UDP' },
    ],
    'run1',
    true,
  )
  await api.createPod('prod', manifest)
  await api.createNamespace('prod', { env: 'prod' })
  await api.patchNamespaceLabels('prod', { env: null, team: 'a' })
  await api.patchPodLabels('prod', 'web', { app: 'api' })
  t.same(
    seen.map((s) => `${s.method} ${s.url.split('?')[0]}`),
    [
      'POST /api/v1/namespaces/prod/pods',
      'POST /api/v1/namespaces',
      'PATCH /api/v1/namespaces/prod',
      'PATCH /api/v1/namespaces/prod/pods/web',
    ],
  )
  t.same(seen[0].body, manifest, 'the pod manifest, containers, probes and annotations included')
  t.same(seen[1].body, { metadata: { name: 'prod', labels: { env: 'prod' } } })
  t.same(seen[2].body, { metadata: { labels: { env: null, team: 'a' } } }, 'null removes a label in a merge patch')
  t.equal(seen[2].contentType, 'application/merge-patch+json')
  t.same(seen[3].body, { metadata: { labels: { app: 'api' } } })
})

t.test('Services: create sends the manifest unchanged; read back ClusterIPs, node ports, ready endpoints, nodes, kube-proxy', async (t) => {
  const { url, seen } = await recordingServer(t)
  const api = clientNodeApi('wire')
  const manifest = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'prod', labels: { 'netpol-harness.io/run': 'r1' } },
    spec: {
      type: 'NodePort',
      selector: { app: 'web', 'netpol-harness.io/pod': 'a' },
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }],
      externalTrafficPolicy: 'Local',
    },
  }
  await api.createService!('prod', manifest)
  t.equal(seen[0].method, 'POST')
  t.equal(seen[0].url.split('?')[0], '/api/v1/namespaces/prod/services')
  t.same(seen[0].body, manifest, 'the Service manifest as built, named targetPort included')
  t.same(await api.readService!('prod', 'web'), { clusterIPs: ['10.96.0.42', 'fd00:10:96::2a'], nodePorts: { '80/TCP': 31234 } })
  t.same(await api.readyEndpoints!('prod', 'web'), ['10.244.1.5', '10.244.1.7'], 'ready, and unset read as ready; not-ready left out')
  const slices = new URL(seen.find((x) => x.url.includes('endpointslices'))!.url, url)
  t.equal(slices.searchParams.get('labelSelector'), 'kubernetes.io/service-name=web')
  t.same(await api.listNodes!(), [{ name: 'kind-worker', addresses: ['172.18.0.3'] }], 'InternalIP only')
  t.match(await api.kubeProxyConfig!(), /mode: ipvs/)
  await api.deleteService!('prod', 'web')
  t.equal(seen.at(-1)!.method, 'DELETE')
  t.equal(seen.at(-1)!.url.split('?')[0], '/api/v1/namespaces/prod/services/web')
})

t.test("listNamespaces reads labels and the creation time (how old another run's namespace is)", async (t) => {
  await recordingServer(t)
  t.same(await clientNodeApi('wire').listNamespaces('netpol-harness.io/run'), [
    { name: 'prod', labels: { env: 'prod' }, createdAt: Date.parse('2026-12-02T10:00:00Z') },
  ])
})

t.test('readClusterPolicy: labels of an existing object, undefined on 404; listClusterPolicies sends the label selector', async (t) => {
  const { url, seen } = await recordingServer(t)
  const api = clientNodeApi('wire')
  t.same(await api.readClusterPolicy!('ClusterNetworkPolicy', 'present'), { labels: { 'netpol-harness.io/run': 'r0' } })
  t.equal(await api.readClusterPolicy!('ClusterNetworkPolicy', 'absent'), undefined)
  t.same(await api.listClusterPolicies!('ClusterNetworkPolicy', 'netpol-harness.io/run=r0'), [
    { name: 'listed', labels: { 'netpol-harness.io/run': 'r0' }, createdAt: Date.parse('2026-12-02T10:00:00Z') },
  ])
  const list = new URL(seen[seen.length - 1].url, url)
  t.equal(list.pathname, '/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies', 'cluster-wide, no namespace')
  t.equal(list.searchParams.get('labelSelector'), 'netpol-harness.io/run=r0')
})

// What kubectl users expect of --kubeconfig and --context: a missing file or context is theirs to fix (exit 2, the
// path or the contexts named), and nothing of a run is written. client-node alone would fall back to
// http://localhost:8080 when no kubeconfig exists (its config.js `loadFromDefault`).
t.test('a missing kubeconfig or context is a usage error naming what was looked for', async (t) => {
  const dir = t.testdir()
  t.throws(() => clientNodeApi(undefined, join(dir, 'nope')), { name: 'UsageError', message: /--kubeconfig: no such file: .*nope/ })
  const before = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME }
  t.teardown(() => {
    for (const [k, v] of Object.entries(before)) v === undefined ? delete process.env[k] : (process.env[k] = v)
  })
  delete process.env.KUBECONFIG
  process.env.HOME = dir
  t.throws(() => clientNodeApi(), { name: 'UsageError', message: /kubeconfig: no such file: .*\.kube\/config/ }, 'no silent localhost:8080')
  await recordingServer(t)
  t.throws(() => clientNodeApi('prod'), { name: 'UsageError', message: /--context: no context "prod" in .* \(contexts: wire\)/ })
  t.equal(clientNodeApi().context, 'wire', 'the current context by default')
})

t.test('run --driver kube with a missing kubeconfig exits 2 and writes no run', async (t) => {
  const dir = t.testdir()
  let err = ''
  const code = await main(
    ['run', 'scenarios/basics', '--driver', 'kube', '--kubeconfig', join(dir, 'nope'), '--report-dir', join(dir, 'reports')],
    { out: () => {}, err: (s) => void (err += s) },
  )
  t.equal(code, 2)
  t.match(err, /--kubeconfig: no such file/)
  // The report folder may exist (it is checked for writing first), but holds no run and no history.
  t.same(existsSync(join(dir, 'reports')) ? readdirSync(join(dir, 'reports')) : [], [], 'no report, no history')
})

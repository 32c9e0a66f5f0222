// The kube driver's Services (issue 18) against the in-memory API: the scenario's Service and one per-backend pin per
// pod, created before readiness, EndpointSlices waited on, ClusterIPs and node ports read back, `via` probes sent to
// the pin (ClusterIP, absolute DNS name, node address and node port), kube-proxy's mode, ownership and cleanup.
import t from 'tap'
import { POD_LABEL, RUN_LABEL } from '../../../src/drivers/kube/manifests.js'
import { PIN_LABEL, kubeProxyMode, pinName } from '../../../src/drivers/kube/services.js'
import type { NodeAccess } from '../../../src/drivers/kube/node-access.js'
import { InfraError } from '../../../src/errors.js'
import { loadScenarios } from '../../../src/scenario/load.js'
import type { ProbeConnection } from '../../../src/drivers/driver.js'
import { type FakeServiceManifest, FakeKube } from '../../helpers/fake-kube.js'
import { kubeDriver } from '../../helpers/kube-driver.js'

const [split] = loadScenarios(['scenarios/services/split-backends.yaml'])
const [named] = loadScenarios(['scenarios/services/clusterip-named-target-port.yaml'])
const [nodePort] = loadScenarios(['scenarios/services/nodeport-local.yaml'])
const signal = new AbortController().signal
const conn = (from: string, to: string, via: 'service-ip' | 'service-name' | 'node-port', port = 80): ProbeConnection => ({
  key: `${from}>${to}>${via}`,
  from,
  to,
  ip: '0.0.0.0',
  target: { port, protocol: 'TCP', via },
})

t.test('pin names are DNS-1035 labels of at most 63 characters, distinct per (Service, pod)', async (t) => {
  const long = pinName('a'.repeat(63), 'b'.repeat(63))
  t.ok(long.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(long), long)
  t.not(pinName('web', 'a'), pinName('web', 'b'))
  t.not(pinName('web-a', 'b'), pinName('web', 'a-b'), 'the hash tells apart names that print alike')
})

t.test("kube-proxy's mode from config.conf: empty is iptables (Linux default), no ConfigMap is said so", async (t) => {
  t.equal(kubeProxyMode('mode: ""\n'), 'iptables')
  t.equal(kubeProxyMode('kind: KubeProxyConfiguration\nmode: ipvs\n'), 'ipvs')
  t.equal(kubeProxyMode('mode: nftables'), 'nftables')
  t.match(kubeProxyMode(undefined), /^unknown/)
  t.match(kubeProxyMode('{'), /^unknown/)
})

t.test('up: the Service as written and a pin per pod, created after the pods and before they are waited for', async (t) => {
  const api = new FakeKube()
  const d = kubeDriver(api)
  await d.up(split, signal)
  const ops = api.calls.map((c) => c.op)
  t.ok(ops.lastIndexOf('createPod') < ops.indexOf('createService'), 'pods first (their names are the pins’ selectors)')
  const svc = api.services.get('web/web')!.manifest
  t.same(svc.spec.selector, { app: 'web' }, 'the scenario Service selects as written')
  t.equal(svc.metadata.labels?.[RUN_LABEL], 'r1', 'labelled with the run')
  for (const pod of ['stable', 'canary']) {
    const pin = api.services.get(`web/${pinName('web', pod)}`)!.manifest
    t.same(pin.spec.selector, { app: 'web', [POD_LABEL]: pod }, `${pod}: the selector narrowed to the one pod`)
    t.same(pin.metadata.labels, { [RUN_LABEL]: 'r1', [PIN_LABEL]: 'web', [POD_LABEL]: pod })
    t.same(pin.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }])
  }
  t.equal(api.services.size, 3, 'no Service in a namespace without one (clients)')
  t.equal(d.info.versions.kubeProxyMode, 'iptables', 'the kube-proxy mode is recorded')
  t.same(d.state().nodes, [{ name: 'fake-worker', ip: '172.18.0.3' }], 'node addresses in the state (NodePort SNAT)')
})

t.test('probe: service-ip to the pin ClusterIP, service-name to its absolute DNS name, both in the one exec', async (t) => {
  const api = new FakeKube()
  const d = kubeDriver(api)
  await d.up(split, signal)
  const stableIp = api.services.get(`web/${pinName('web', 'stable')}`)!.info.clusterIPs[0]
  const seen: string[] = []
  api.connects = (_from, ip, port) => (
    seen.push(`${ip}:${port}`),
    ip === stableIp || ip.startsWith(pinName('web', 'stable')) ? true : 'timeout'
  )
  const out = await d.probe(
    [
      conn('clients/c', 'web/stable', 'service-ip'),
      conn('clients/c', 'web/canary', 'service-ip'),
      conn('clients/c', 'web/stable', 'service-name'),
    ],
    500,
  )
  t.same(
    out.map((o) => [o.key, o.outcome]),
    [
      ['clients/c>web/stable>service-ip', 'connected'],
      ['clients/c>web/canary>service-ip', 'timeout'],
      ['clients/c>web/stable>service-name', 'connected'],
    ],
  )
  t.same(seen, [
    `${stableIp}:80`,
    `${api.services.get(`web/${pinName('web', 'canary')}`)!.info.clusterIPs[0]}:80`,
    `${pinName('web', 'stable')}.web.svc.cluster.local.:80`,
  ])
  t.equal(api.calls.filter((c) => c.op === 'exec').length, 1, 'one exec for the source')
  t.equal(out[0].answeredBy, 'web/stable', 'the pin has one backend: the answer is that pod')
})

t.test('a named targetPort: the pin keeps the name, listening is judged on the backend port', async (t) => {
  const api = new FakeKube()
  const d = kubeDriver(api)
  await d.up(named, signal)
  const pin = api.services.get(`shop/${pinName('api', 'api')}`)!.manifest
  t.same(pin.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 'http' }])
  t.ok(d.listening('shop/api', { port: 80, protocol: 'TCP', via: 'service-ip' }), 'the backend serves 8080, Ready proves it')
})

t.test('node-port: from externals to the backend node address and the pin’s allocated node port', async (t) => {
  const api = new FakeKube()
  t.match(kubeDriver(api).unsupported({ port: 80, protocol: 'TCP', via: 'node-port' }), /node access/, 'without node access: unsupported')
  const execs: string[] = []
  const nodes: NodeAccess = {
    nodeName: (r) => r,
    nodeNames: async () => ['fake-worker'],
    chaos: async () => {},
    chaosUnsupported: () => undefined,
    upExternals: async () => {},
    execExternal: async (_from, command) => {
      execs.push(command[2])
      return { stdout: '@@0 0 0 \n', stderr: '', exitCode: 0 }
    },
    downExternals: async () => {},
    diagnostics: async () => [],
  }
  const d = kubeDriver(api, { nodes })
  t.equal(d.unsupported({ port: 80, protocol: 'TCP', via: 'node-port' }), undefined)
  await d.up(nodePort, signal)
  const scenarioSvc = api.services.get('web/web')!
  t.same(scenarioSvc.info.nodePorts, { '80/TCP': 30080 }, 'the scenario Service keeps the node port it asks for')
  t.equal(scenarioSvc.manifest.spec.externalTrafficPolicy, 'Local')
  const pin = api.services.get(`web/${pinName('web', 'a')}`)!
  t.equal((pin.manifest as FakeServiceManifest).spec.ports[0].nodePort, undefined, 'the pin asks for none')
  t.equal(pin.manifest.spec.externalTrafficPolicy, 'Local', 'same traffic policy')
  const allocated = pin.info.nodePorts['80/TCP']
  t.ok(allocated >= 30000 && allocated <= 32767 && allocated !== 30080, `allocated ${allocated}`)
  const out = await d.probe([conn('partner', 'web/a', 'node-port')], 500)
  t.equal(out[0].outcome, 'connected')
  t.match(execs[0], `connect 172.18.0.3:${allocated} `)
})

t.test('the API server refuses a node port another Service holds: up fails with its message', async (t) => {
  const api = new FakeKube()
  api.namespaces.set('other', { 'kubernetes.io/metadata.name': 'other' })
  await api.createService('other', { metadata: { name: 'taken' }, spec: { type: 'NodePort', ports: [{ port: 1, nodePort: 30080 }] } })
  await t.rejects(kubeDriver(api, { nodes: {} as NodeAccess }).up(nodePort, signal), /provided port is already allocated/)
})

t.test('the fake API server validates Services as the real one does (the driver relies on these answers)', async (t) => {
  const api = new FakeKube()
  api.namespaces.set('ns', { 'kubernetes.io/metadata.name': 'ns' })
  const svc = (name: string, nodePort?: number) => ({
    metadata: { name },
    spec: { type: 'NodePort', selector: { a: 'b' }, ports: [{ port: 80, ...(nodePort ? { nodePort } : {}) }] },
  })
  await t.rejects(api.createService('ns', svc('Web')), { code: 422, message: /a DNS-1035 label must consist of lower case/ })
  await t.rejects(api.createService('ns', svc('1web')), { code: 422 })
  await t.rejects(api.createService('ns', svc('web', 29999)), {
    code: 422,
    message: /provided port is not in the valid range. The range of valid ports is 30000-32767/,
  })
  await t.rejects(api.createService('nope', svc('web')), { code: 404 })
  await api.createService('ns', svc('web'))
  await t.rejects(api.createService('ns', svc('web')), { code: 409 })
  await api.createService('ns', svc('other'))
  const a = api.services.get('ns/web')!.info
  const b = api.services.get('ns/other')!.info
  t.not(a.clusterIPs[0], b.clusterIPs[0], 'distinct ClusterIPs from the service range')
  t.match(a.clusterIPs[0], /^10\.96\./)
  t.not(a.nodePorts['80/TCP'], b.nodePorts['80/TCP'], 'distinct node ports')
})

t.test('a cell whose backend has no pin, and an API without Services, never probe the pod address', async (t) => {
  const api = new FakeKube()
  const d = kubeDriver(api)
  await d.up(split, signal)
  const out = await d.probe([conn('clients/c', 'clients/c', 'service-ip')], 500)
  t.equal(out[0].outcome, 'error')
  t.match(out[0].detail, /backs no Service/)
  t.equal(api.calls.filter((c) => c.op === 'exec').length, 0, 'nothing was run')
  const bare = Object.assign(new FakeKube(), { createService: undefined })
  t.match(kubeDriver(bare).unsupported({ port: 80, protocol: 'TCP', via: 'service-ip' }), /cannot create Services/)
})

t.test('recreate-pod: its pins are waited on until their EndpointSlices list the new address', async (t) => {
  const api = new FakeKube()
  const d = kubeDriver(api)
  await d.up(split, signal)
  const before = api.calls.length
  await d.chaos({ action: 'recreate-pod', namespace: 'web', pod: 'canary' }, signal)
  const fresh = d.state().pods.find((p) => p.name === 'canary')!.ip
  t.ok((await api.readyEndpoints('web', pinName('web', 'canary'))).includes(fresh), 'the pin routes to the new pod')
  t.ok(api.calls.length > before)
})

t.test(
  'ownership: Services in a foreign namespace are deleted at down; a foreign Service of the same name stops the scenario',
  async (t) => {
    const api = new FakeKube()
    api.namespaces.set('web', { 'kubernetes.io/metadata.name': 'web' })
    const d = kubeDriver(api, { createdByUs: false, allowExisting: true })
    await d.up(split, signal)
    t.equal(api.services.size, 3)
    await d.down()
    t.same([...api.services.keys()], [], 'every Service of ours in the foreign namespace deleted')
    t.ok(api.namespaces.has('web'), 'the foreign namespace stays')
    // A crashed run's Service (ours by label) is replaced; someone else's is left alone and reported.
    await api.createService('web', {
      metadata: { name: 'web', labels: { [RUN_LABEL]: 'old' } },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    })
    const again = kubeDriver(api, { createdByUs: false, allowExisting: true })
    await again.up(split, signal)
    t.equal(api.services.get('web/web')!.manifest.metadata.labels?.[RUN_LABEL], 'r1', 'the leftover replaced')
    await again.down()
    await api.createService('web', { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } })
    await t.rejects(kubeDriver(api, { createdByUs: false, allowExisting: true }).up(split, signal), InfraError)
    t.ok(api.services.has('web/web'), 'theirs untouched')
  },
)

// agnhost connect dials a name and Go's dialer picks the family among the answers (RFC 6724 order, then the other
// family as a fallback): a name cell of one family (dual-stack) cannot be placed in that family on this driver.
t.test('service-name cells of one family (dual-stack) are predicted only; without a family they are probed', async (t) => {
  const d = kubeDriver(new FakeKube())
  t.equal(d.unsupported({ port: 80, protocol: 'TCP', via: 'service-name' }), undefined)
  t.match(d.unsupported({ port: 80, protocol: 'TCP', via: 'service-name', family: 'IPv6' }), /family Go's dialer prefers/)
  t.match(d.unsupported({ port: 80, protocol: 'TCP', via: 'service-name', family: 'IPv4' }), /predicted only/)
  t.equal(d.unsupported({ port: 80, protocol: 'TCP', via: 'service-ip', family: 'IPv6' }), undefined, 'ClusterIPs have a family')
})

// Probe pods on a cluster: the scenario address asked for only where a Calico pool holds it, scenario nodes mapped
// to real ones, a crashed run's pod removed (anyone else's never), recreated with its current labels.
import t from 'tap'
import {
  addressPools,
  createProbePods,
  inPools,
  placedManifest,
  recreatePod,
  removeLeftoverPod,
  type PodPlacement,
} from '../../../src/drivers/kube/pods.js'
import type { NodeAccess } from '../../../src/drivers/kube/node-access.js'
import { RUN_LABEL } from '../../../src/drivers/kube/manifests.js'
import type { Pod } from '../../../src/model/cluster.js'
import { FakeKube } from '../../helpers/fake-kube.js'

const signal = new AbortController().signal
const spec = (name: string, ip: string, extra: Partial<Pod> = {}): Pod =>
  ({ namespace: 'x', name, labels: { app: name }, ip, ports: [], ...extra }) as Pod
const at = (api: FakeKube, pools: string[], nodes?: Partial<NodeAccess>): PodPlacement => ({
  api,
  runId: 'r1',
  pools,
  serves: [{ port: 80, protocol: 'TCP' }],
  ...(nodes ? { nodes: nodes as NodeAccess } : {}),
})
const annotation = (m: { metadata: { annotations?: Record<string, string> } }) => m.metadata.annotations?.['cni.projectcalico.org/ipAddrs']

t.test('inPools: only an address inside a pool, of either family; anything malformed is in none', async (t) => {
  const pools = ['10.244.0.0/16', 'fd00:10::/64']
  const cases: [string, boolean][] = [
    ['10.244.3.7', true],
    ['10.245.0.1', false],
    ['fd00:10::a', true],
    ['fd00:11::a', false],
    ['not-an-ip', false],
  ]
  for (const [ip, want] of cases) t.equal(inPools(ip, pools), want, ip)
  t.equal(inPools('10.244.0.1', ['garbage', '10.244.0.0/16']), true, 'a malformed pool is skipped, not fatal')
  t.equal(inPools('10.244.0.1', []), false, 'no pools: every pod gets an assigned address')
})

t.test("addressPools: the subnets given, else the cluster's Calico pools, else none", async (t) => {
  const api = new FakeKube()
  t.same(await addressPools(api, '10.244.0.0/16'), ['10.244.0.0/16'])
  t.same(await addressPools(api, ['10.1.0.0/16', '10.2.0.0/16']), ['10.1.0.0/16', '10.2.0.0/16'])
  t.same(await addressPools(api, undefined), [], 'no Calico API: none')
  const calico = Object.assign(new FakeKube(), { calicoIpPools: async () => ['192.168.0.0/16'] })
  t.same(await addressPools(calico, undefined), ['192.168.0.0/16'])
  const denied = Object.assign(new FakeKube(), { calicoIpPools: () => Promise.reject(new Error('forbidden')) })
  t.same(await addressPools(denied, undefined), [], 'pools that cannot be read: none, the run goes on')
})

t.test("placedManifest: the scenario address asked for only in a pool; scenario nodes mapped to the cluster's", async (t) => {
  const api = new FakeKube()
  const inside = placedManifest(
    spec('a', '10.244.0.10', { node: 'node-1' }),
    at(api, ['10.244.0.0/16'], { nodeName: (ref) => `kind-${ref}` }),
  )
  t.equal(annotation(inside), '["10.244.0.10"]')
  t.same(inside.spec.nodeSelector, { 'kubernetes.io/hostname': 'kind-node-1' })
  const outside = placedManifest(spec('b', '172.16.0.10', { node: 'w7' }), at(api, ['10.244.0.0/16']))
  t.equal(annotation(outside), undefined, 'outside every pool: the cluster assigns one')
  t.same(outside.spec.nodeSelector, { 'kubernetes.io/hostname': 'w7' }, 'without node access the name is used as written')
})

t.test(
  "createProbePods: every pod created, the container to exec into known; a crashed run's pod in a foreign namespace removed first",
  async (t) => {
    const api = new FakeKube()
    await api.createPod('x', { metadata: { name: 'a', labels: { [RUN_LABEL]: 'crashed' } }, spec: { containers: [] } })
    api.calls = []
    const containers = await createProbePods(
      [spec('a', '10.244.0.10'), spec('b', '10.244.0.11')],
      at(api, ['10.244.0.0/16']),
      (ns) => ns === 'x',
      signal,
    )
    t.same(Object.fromEntries(containers), { 'x/a': 'cont-80-tcp', 'x/b': 'cont-80-tcp' })
    t.same(
      api.calls.map((c) => [
        c.op,
        c.args[1] && typeof c.args[1] === 'object' ? (c.args[1] as { metadata: { name: string } }).metadata.name : c.args[1],
      ]),
      [
        ['deletePod', 'a'],
        ['createPod', 'a'],
        ['createPod', 'b'],
      ],
    )
    t.equal(api.pods.get('x/a')!.info.labels[RUN_LABEL], 'r1', 'ours now')
  },
)

t.test('removeLeftoverPod: a pod we do not own stops the scenario and is left alone; none there is fine', async (t) => {
  const api = new FakeKube()
  await api.createPod('kube-system', { metadata: { name: 'coredns', labels: { 'k8s-app': 'kube-dns' } }, spec: { containers: [] } })
  await t.rejects(removeLeftoverPod(api, 'kube-system', 'coredns', signal), {
    name: 'InfraError',
    message: `pod kube-system/coredns already exists in context ${api.context} and was not created by netpol-harness`,
    hint: 'rename the scenario pod',
  })
  t.ok(api.pods.has('kube-system/coredns'))
  await removeLeftoverPod(api, 'kube-system', 'nothing', signal)
  t.notOk(api.calls.some((c) => c.op === 'deletePod'))
})

t.test('recreatePod: deleted, created again with its current labels, its new address read back once Ready', async (t) => {
  const api = new FakeKube()
  await api.createPod('x', placedManifest(spec('a', '10.244.0.10'), at(api, [])))
  const before = api.pods.get('x/a')!.info.ip
  const fresh = await recreatePod(spec('a', '10.244.0.10', { labels: { app: 'relabelled' } }), at(api, []), 5000, signal)
  t.not(fresh.ip, before, 'a new pod, a new assigned address')
  t.same(fresh, { ip: api.pods.get('x/a')!.info.ip, node: 'fake-worker' })
  t.same(api.pods.get('x/a')!.info.labels, { app: 'relabelled', [RUN_LABEL]: 'r1', 'netpol-harness.io/pod': 'a' })
  t.same(
    api.calls.filter((c) => c.op !== 'createPod' || c.args[0] === 'x').map((c) => c.op),
    ['createPod', 'deletePod', 'createPod'],
  )
})

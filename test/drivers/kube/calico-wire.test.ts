// What leaves the process for Calico's kinds: the real @kubernetes/client-node request path against a local socket
// that answers as the Calico API server does (discovery of projectcalico.org/v3, 404 Status for a missing object) and
// records every request: paths, verbs, query and bodies field for field.
import t, { type Test } from 'tap'
import { clientNodeApi } from '../../../src/drivers/kube/client-node-api.js'
import type { RawCalicoObject } from '../../../src/drivers/kube/calico-kinds.js'
import { NOT_FOUND, wireServer } from '../../helpers/wire-server.js'

/**
 * The resources GET /apis/projectcalico.org/v3 lists with the Calico API server (tigera docs "Enable kubectl to manage
 * Calico APIs", `kubectl api-resources`: name, namespaced, kind), plus a subresource the client must skip.
 */
const DISCOVERY = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'projectcalico.org/v3',
  resources: [
    { name: 'tiers', namespaced: false, kind: 'Tier', verbs: ['create', 'delete', 'get', 'list', 'update', 'watch'] },
    { name: 'networkpolicies', namespaced: true, kind: 'NetworkPolicy', verbs: ['create', 'delete', 'get', 'list', 'update', 'watch'] },
    { name: 'globalnetworkpolicies', namespaced: false, kind: 'GlobalNetworkPolicy', verbs: ['create', 'delete', 'get', 'list', 'update'] },
    { name: 'globalnetworksets', namespaced: false, kind: 'GlobalNetworkSet', verbs: ['create', 'delete', 'get', 'list', 'update'] },
    { name: 'ippools', namespaced: false, kind: 'IPPool', verbs: ['get', 'list'] },
    { name: 'caliconodestatuses/status', namespaced: false, kind: 'CalicoNodeStatus', verbs: ['get'] },
  ],
}

/** The Calico API server as the client sees it (discovery when `served`, else 404; objects echoed, one list each). */
function calicoServer(t: Test, served = true) {
  return wireServer(t, (req) => {
    const json = (status: number, body: unknown) => ({ status, body })
    // Discovery: the aggregated group answers only where the Calico API server is installed; 404 elsewhere.
    if (req.method === 'GET' && req.url === '/apis/projectcalico.org/v3') return served ? json(200, DISCOVERY) : json(404, NOT_FOUND)
    if (req.method === 'GET' && req.url.includes('/absent')) return json(404, { ...NOT_FOUND, message: 'not found' })
    if (req.method === 'GET' && req.url.startsWith('/apis/projectcalico.org/v3/globalnetworkpolicies?'))
      return json(200, {
        kind: 'GlobalNetworkPolicyList',
        apiVersion: 'projectcalico.org/v3',
        metadata: {},
        items: [
          {
            apiVersion: 'projectcalico.org/v3',
            kind: 'GlobalNetworkPolicy',
            metadata: {
              name: 'security.g',
              labels: { 'netpol-harness.io/run': 'r1', 'projectcalico.org/tier': 'security' },
              creationTimestamp: '2026-12-02T10:00:00Z',
              resourceVersion: '42',
            },
          },
        ],
      })
    // A namespaced kind listed without a namespace: the cluster-wide path, items from every namespace.
    if (req.method === 'GET' && req.url.startsWith('/apis/projectcalico.org/v3/networkpolicies?'))
      return json(200, {
        kind: 'NetworkPolicyList',
        apiVersion: 'projectcalico.org/v3',
        metadata: {},
        items: [{ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'team-a', labels: {} } }],
      })
    if (req.method === 'GET')
      return json(200, {
        apiVersion: 'projectcalico.org/v3',
        kind: 'Tier',
        metadata: { name: 'security', labels: { team: 'net' }, resourceVersion: '7', creationTimestamp: '2026-12-02T10:00:00Z' },
      })
    if (req.method === 'DELETE') return json(200, { kind: 'Status', status: 'Success' })
    return json(req.method === 'POST' ? 201 : 200, req.body)
  })
}

const np: RawCalicoObject = {
  apiVersion: 'projectcalico.org/v3',
  kind: 'NetworkPolicy',
  metadata: { name: 'allow-web', namespace: 'prod', labels: { 'netpol-harness.io/run': 'r1' } },
  spec: {
    order: 10,
    selector: 'app == "web" && !has(legacy)',
    types: ['Ingress'],
    ingress: [
      {
        action: 'Allow',
        protocol: 'TCP',
        source: { selector: 'role == "fe"', namespaceSelector: 'global()' },
        destination: { ports: [80, '8000:8080', 'http'] },
      },
      { action: 'Deny', notProtocol: 'UDP', source: { notNets: ['10.0.0.0/8'] } },
    ],
  },
}

t.test('discovery lists the served Calico kinds the harness applies (none without the API server)', async (t) => {
  const { kubeconfig } = await calicoServer(t)
  t.same(await clientNodeApi(undefined, kubeconfig).servedCalicoKinds!(), [
    'Tier',
    'GlobalNetworkSet',
    'GlobalNetworkPolicy',
    'NetworkPolicy',
  ])
  const none = await calicoServer(t, false)
  t.same(await clientNodeApi(undefined, none.kubeconfig).servedCalicoKinds!(), [])
})

t.test('create, replace, read, delete and list go to the projectcalico.org/v3 paths with the objects as written', async (t) => {
  const { kubeconfig, seen } = await calicoServer(t)
  const api = clientNodeApi(undefined, kubeconfig)
  await api.createCalicoObject!(np)
  await api.createCalicoObject!({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100 } })
  await api.replaceCalicoObject!({ ...np, metadata: { ...np.metadata, resourceVersion: '5' } })
  t.same(await api.readCalicoObject!({ kind: 'Tier', name: 'security' }), {
    name: 'security',
    labels: { team: 'net' },
    createdAt: Date.parse('2026-12-02T10:00:00Z'),
    resourceVersion: '7',
  })
  t.equal(await api.readCalicoObject!({ kind: 'NetworkPolicy', name: 'absent', namespace: 'prod' }), undefined, 'a 404 is "none"')
  await api.deleteCalicoObject!({ kind: 'GlobalNetworkPolicy', name: 'security.g' })
  t.same(await api.listCalicoObjects!('GlobalNetworkPolicy', 'netpol-harness.io/run=r1'), [
    {
      name: 'security.g',
      labels: { 'netpol-harness.io/run': 'r1', 'projectcalico.org/tier': 'security' },
      createdAt: Date.parse('2026-12-02T10:00:00Z'),
      resourceVersion: '42',
    },
  ])
  t.same(await api.listCalicoObjects!('NetworkPolicy', 'netpol-harness.io/run'), [{ name: 'p', namespace: 'team-a', labels: {} }])
  const [post, postTier, put, get, getAbsent, del, list, listNamespaced] = seen
  t.match(
    listNamespaced,
    { method: 'GET', url: /^\/apis\/projectcalico\.org\/v3\/networkpolicies\?.*labelSelector=netpol-harness\.io%2Frun(&|$)/ },
    'a namespaced kind across all namespaces (no namespaces/<ns> in the path)',
  )
  t.equal(post.method, 'POST')
  t.match(post.url, /^\/apis\/projectcalico\.org\/v3\/namespaces\/prod\/networkpolicies\?.*fieldManager=netpol-harness/)
  t.same(post.body, np, 'the body is the object as written, field for field')
  t.match(
    postTier,
    { method: 'POST', url: /^\/apis\/projectcalico\.org\/v3\/tiers(\?|$)/ },
    'a cluster-scoped kind has no namespace in its path',
  )
  t.match(put, { method: 'PUT', url: /^\/apis\/projectcalico\.org\/v3\/namespaces\/prod\/networkpolicies\/allow-web(\?|$)/ })
  t.equal((put.body as RawCalicoObject & { metadata: { resourceVersion: string } }).metadata.resourceVersion, '5')
  t.match(get, { method: 'GET', url: /^\/apis\/projectcalico\.org\/v3\/tiers\/security$/ })
  t.match(getAbsent, { method: 'GET', url: '/apis/projectcalico.org/v3/namespaces/prod/networkpolicies/absent' })
  t.match(del, { method: 'DELETE', url: /^\/apis\/projectcalico\.org\/v3\/globalnetworkpolicies\/security\.g(\?|$)/ })
  t.match(list, {
    method: 'GET',
    url: /^\/apis\/projectcalico\.org\/v3\/globalnetworkpolicies\?.*labelSelector=netpol-harness\.io%2Frun%3Dr1/,
  })
})

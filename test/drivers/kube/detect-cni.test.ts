// The CNI of a cluster the harness did not build (issue 15), through the real client-node request path against a
// local stand-in API server: Calico from its calico-node DaemonSet (manifest or operator install), else unknown.
import t, { type Test } from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { clientNodeApi } from '../../../src/drivers/kube/client-node-api.js'
import { detectCni } from '../../../src/drivers/kube/detect-cni.js'

/**
 * A DaemonSet as the API server returns it (apps/v1): the calico-node DaemonSet of Calico's manifest, with its
 * calico-node container (projectcalico/calico manifests/calico.yaml; the kind driver's reuse check reads the same).
 */
const calicoNode = (namespace: string, image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'calico-node', namespace },
  spec: {
    selector: { matchLabels: { 'k8s-app': 'calico-node' } },
    template: {
      metadata: { labels: { 'k8s-app': 'calico-node' } },
      spec: {
        containers: [{ name: 'calico-node', image }],
        initContainers: [{ name: 'install-cni', image: 'docker.io/calico/cni:v3.30.7' }],
      },
    },
  },
})

/** Serves the given DaemonSets at GET /apis/apps/v1/namespaces/<ns>/daemonsets/<name>; 404 (a Status) otherwise. */
async function apiWith(t: Test, sets: Record<string, object>) {
  const seen: string[] = []
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`)
    const body = sets[req.url ?? '']
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  const file = join(t.testdir(), 'config')
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 'x' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'c',
    }),
  )
  return { api: clientNodeApi(undefined, file), seen }
}

const at = (ns: string) => `/apis/apps/v1/namespaces/${ns}/daemonsets/calico-node`

t.test('Calico installed from the manifest (kube-system)', async (t) => {
  const { api, seen } = await apiWith(t, { [at('kube-system')]: calicoNode('kube-system', 'docker.io/calico/node:v3.30.7') })
  t.same(await detectCni(api), {
    cni: 'calico v3.30.7 (from the kube-system/calico-node DaemonSet)',
    versions: { calico: 'v3.30.7', calicoNodeImage: 'docker.io/calico/node:v3.30.7' },
  })
  t.same(seen, [`GET ${at('kube-system')}`], 'one read, nothing written')
})

t.test('Calico installed by the operator (calico-system), pinned by digest', async (t) => {
  const image = `quay.io/calico/node:v3.31.0@sha256:${'d'.repeat(64)}`
  const { api, seen } = await apiWith(t, { [at('calico-system')]: calicoNode('calico-system', image) })
  t.same(await detectCni(api), {
    cni: 'calico v3.31.0 (from the calico-system/calico-node DaemonSet)',
    versions: { calico: 'v3.31.0', calicoNodeImage: image },
  })
  t.same(seen, [`GET ${at('kube-system')}`, `GET ${at('calico-system')}`])
})

t.test('no known CNI: unknown, not a guess', async (t) => {
  const { api } = await apiWith(t, {})
  t.equal(await detectCni(api), undefined)
  t.equal(await detectCni({ ...api, daemonSetImages: undefined }), undefined, 'an API without the read')
})

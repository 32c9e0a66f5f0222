// The CNI of a cluster the harness did not build (issue 15), through the real client-node request path against a
// local stand-in API server: Calico from its calico-node DaemonSet (manifest or operator install), else unknown.
import t, { type Test } from 'tap'
import { clientNodeApi } from '../../../src/drivers/kube/client-node-api.js'
import { detectCni } from '../../../src/drivers/kube/detect-cni.js'
import { NOT_FOUND, type WireRequest, wireServer } from '../../helpers/wire-server.js'

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
  const { kubeconfig, seen } = await wireServer(t, (req) =>
    sets[req.url] ? { status: 200, body: sets[req.url] } : { status: 404, body: NOT_FOUND },
  )
  return { api: clientNodeApi(undefined, kubeconfig), seen }
}

/** The requests the server saw, as `METHOD url` lines. */
const lines = (seen: readonly WireRequest[]) => seen.map((r) => `${r.method} ${r.url}`)

const at = (ns: string) => `/apis/apps/v1/namespaces/${ns}/daemonsets/calico-node`

t.test('Calico installed from the manifest (kube-system)', async (t) => {
  const { api, seen } = await apiWith(t, { [at('kube-system')]: calicoNode('kube-system', 'docker.io/calico/node:v3.30.7') })
  t.same(await detectCni(api), {
    cni: 'calico v3.30.7 (from the kube-system/calico-node DaemonSet)',
    versions: { calico: 'v3.30.7', calicoNodeImage: 'docker.io/calico/node:v3.30.7' },
  })
  t.same(lines(seen), [`GET ${at('kube-system')}`], 'one read, nothing written')
})

t.test('Calico installed by the operator (calico-system), pinned by digest', async (t) => {
  const image = `quay.io/calico/node:v3.31.0@sha256:${'d'.repeat(64)}`
  const { api, seen } = await apiWith(t, { [at('calico-system')]: calicoNode('calico-system', image) })
  t.same(await detectCni(api), {
    cni: 'calico v3.31.0 (from the calico-system/calico-node DaemonSet)',
    versions: { calico: 'v3.31.0', calicoNodeImage: image },
  })
  t.same(lines(seen), [`GET ${at('kube-system')}`, `GET ${at('calico-system')}`])
})

t.test('no known CNI: unknown, not a guess', async (t) => {
  const { api } = await apiWith(t, {})
  t.equal(await detectCni(api), undefined)
  t.equal(await detectCni({ ...api, daemonSetImages: undefined }), undefined, 'an API without the read')
})

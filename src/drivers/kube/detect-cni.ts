// Why: name the CNI of a cluster the harness did not build (issue 15: every report names driver, CNI and versions):
// read, never changed, and "unknown" rather than a guess when no known CNI is found.
import type { KubeApi } from './api.js'

/**
 * Where Calico's node agent runs: the calico-node DaemonSet with a calico-node container, in kube-system when
 * installed from the manifest (projectcalico/calico manifests/calico.yaml, the one `npm run vendor:calico` vendors)
 * and in calico-system when installed by the Tigera operator (docs.tigera.io, "calico-system" namespace).
 */
const CALICO_NODE = [
  { namespace: 'kube-system', name: 'calico-node' },
  { namespace: 'calico-system', name: 'calico-node' },
] as const

/** The CNI and its version from what runs in the cluster; undefined when none known is found or the API cannot say. */
export async function detectCni(api: KubeApi): Promise<{ cni: string; versions: Record<string, string> } | undefined> {
  if (!api.daemonSetImages) return undefined
  for (const { namespace, name } of CALICO_NODE) {
    const image = (await api.daemonSetImages(namespace, name))?.['calico-node']
    if (!image) continue
    // docker.io/calico/node:v3.30.7 (maybe @sha256:...): the tag is the Calico release.
    const tag = /:([^:/@]+)(@sha256:[0-9a-f]+)?$/.exec(image)?.[1]
    return {
      cni: `calico ${tag ?? '(untagged image)'} (from the ${namespace}/${name} DaemonSet)`,
      versions: { ...(tag ? { calico: tag } : {}), calicoNodeImage: image },
    }
  }
  return undefined
}

// Why: the pinned Calico releases, where their vendored manifests live, and the patches applied before install
// (pure but for reading and vendoring the manifest file).
import { parseAllDocuments } from 'yaml'

export interface CalicoRelease {
  readonly version: string
  /** Registry of the three images in calico.yaml (moved to quay.io in 3.31). */
  readonly registry: 'docker.io' | 'quay.io'
}

/** Current patch releases of the two latest manifest-route minors (see ../shared/reference/calico-on-kind.md). */
export const CALICO_RELEASES: readonly CalicoRelease[] = [
  { version: 'v3.30.7', registry: 'docker.io' },
  { version: 'v3.31.7', registry: 'quay.io' },
]
export const DEFAULT_CALICO = 'v3.30.7'

export function calicoRelease(version: string): CalicoRelease | undefined {
  return CALICO_RELEASES.find((r) => r.version === version)
}

/** The three images calico.yaml runs, all at the release's tag. */
export function calicoImages(r: CalicoRelease): string[] {
  return ['cni', 'node', 'kube-controllers'].map((n) => `${r.registry}/calico/${n}:${r.version}`)
}

/** Where the manifest is vendored, relative to the project root. */
export function manifestPath(version: string): string {
  return `manifests/calico/${version}/calico.yaml`
}

/** The upstream address of a release's manifest (what `npm run vendor:calico` downloads). */
export function manifestUrl(version: string): string {
  return `https://raw.githubusercontent.com/projectcalico/calico/${version}/manifests/calico.yaml`
}

export interface CalicoPatch {
  readonly dataplane: 'iptables' | 'nftables'
}

/** The calico-node environment the harness sets: XDP off on kind, the chosen dataplane. */
export function felixEnv(p: CalicoPatch): Record<string, string> {
  return { FELIX_XDPENABLED: 'false', FELIX_NFTABLESMODE: p.dataplane === 'nftables' ? 'Enabled' : 'Disabled' }
}

/**
 * Sets felixEnv on the calico-node container of calico.yaml and checks that every image is pinned to the
 * release's tag. Returns the patched multi-document YAML, or throws with what is wrong.
 */
export function patchCalicoManifest(text: string, r: CalicoRelease, p: CalicoPatch): string {
  const docs = parseAllDocuments(text)
  let patched = false
  const images: string[] = []
  for (const doc of docs) {
    const obj = doc.toJS() as { kind?: string; metadata?: { name?: string }; spec?: { template?: { spec?: { containers?: { name: string; image?: string; env?: { name: string; value?: string }[] }[]; initContainers?: { image?: string }[] } } } } | null
    const pod = obj?.spec?.template?.spec
    for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) if (c.image) images.push(c.image)
    if (obj?.kind !== 'DaemonSet' || obj.metadata?.name !== 'calico-node') continue
    const containers = pod?.containers ?? []
    const i = containers.findIndex((c) => c.name === 'calico-node')
    if (i < 0) continue
    const env = [...(containers[i].env ?? [])]
    for (const [name, value] of Object.entries(felixEnv(p))) {
      const at = env.findIndex((e) => e.name === name)
      if (at >= 0) env[at] = { name, value }
      else env.push({ name, value })
    }
    doc.setIn(['spec', 'template', 'spec', 'containers', i, 'env'], doc.createNode(env))
    patched = true
  }
  if (!patched) throw new Error('no calico-node DaemonSet with a calico-node container in the manifest')
  const wrong = images.filter((img) => !img.endsWith(`:${r.version}`))
  if (wrong.length) throw new Error(`images not pinned to ${r.version}: ${[...new Set(wrong)].join(', ')}`)
  return docs.map((d) => d.toString()).join('---\n')
}

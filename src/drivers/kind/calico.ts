// Why: the pinned Calico releases, where their manifests live, the patches applied before install and the check that
// a running calico-node is the one asked for (pure).
import { parseAllDocuments } from 'yaml'

/** A pinned Calico release. */
export interface CalicoRelease {
  readonly version: string
  /** Registry of the three images in calico.yaml (moved to quay.io in 3.31). */
  readonly registry: 'docker.io' | 'quay.io'
}

/** Current patch releases of the two latest minors installable from the plain manifest (manifests/calico.yaml of the tag). */
export const CALICO_RELEASES: readonly CalicoRelease[] = [
  { version: 'v3.30.7', registry: 'docker.io' },
  { version: 'v3.31.7', registry: 'quay.io' },
]
/** The release used without --calico-version. */
export const DEFAULT_CALICO = 'v3.30.7'

/** The pinned release of that version, if it is one. */
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

/** What the patch depends on. */
export interface CalicoPatch {
  readonly dataplane: 'iptables' | 'nftables'
  /** `dual`: IPv6 addresses for pods too. */
  readonly ipFamily?: 'ipv4' | 'dual'
}

/**
 * Dual stack on the manifest install, as Calico's docs say ("Configure dual stack or IPv6 only", Manifest tab): the
 * CNI config's ipam gets `"assign_ipv4": "true", "assign_ipv6": "true"`, and calico-node gets `IP6=autodetect` and
 * `FELIX_IPV6SUPPORT=true`; with kubeadm (kind) the IPv6 pool comes from the cluster's pod subnet.
 */
const DUAL_STACK_ENV: Record<string, string> = { IP6: 'autodetect', FELIX_IPV6SUPPORT: 'true' }

/** The calico-config CNI config with both families assigned (throws when its ipam block is not the manifest's). */
function dualStackCniConfig(cni: string): string {
  const ipam = /"ipam":\s*\{\s*"type":\s*"calico-ipam"\s*\}/
  if (!ipam.test(cni)) throw new Error('calico-config cni_network_config has no plain calico-ipam block to enable IPv6 in')
  return cni.replace(ipam, '"ipam": { "type": "calico-ipam", "assign_ipv4": "true", "assign_ipv6": "true" }')
}

/**
 * How often Felix re-reads its tables and repairs them, in seconds. Felix's defaults are IptablesRefreshInterval
 * `seconds;180` and NftablesRefreshInterval `seconds;180` (projectcalico/calico felix/config/config_params.go; Felix
 * uses the one of its mode, Config.TableRefreshInterval), so a flushed chain would stay open for up to three minutes;
 * `flush-dataplane` scenarios bound the exposure in seconds, as the local agent's 2 s resync does.
 */
const FELIX_REFRESH_SECONDS = 2

/**
 * The calico-node environment the harness sets: XDP off on kind, the chosen dataplane, fast table refresh.
 * Felix reads any `FELIX_<param>` variable, case-insensitively, as config parameter <param>
 * (felix/config/env_var_loader.go LoadConfigFromEnvironment); every name below is a field of felix/config/config_params.go
 * Config: XDPEnabled (`bool;true`), NFTablesMode (`oneof(Enabled,Disabled,Auto);Auto`), IptablesRefreshInterval and
 * NftablesRefreshInterval (`seconds;180`).
 */
export function felixEnv(p: CalicoPatch): Record<string, string> {
  return {
    FELIX_XDPENABLED: 'false',
    FELIX_NFTABLESMODE: p.dataplane === 'nftables' ? 'Enabled' : 'Disabled',
    FELIX_IPTABLESREFRESHINTERVAL: String(FELIX_REFRESH_SECONDS),
    FELIX_NFTABLESREFRESHINTERVAL: String(FELIX_REFRESH_SECONDS),
    ...(p.ipFamily === 'dual' ? DUAL_STACK_ENV : {}),
  }
}

/** The Felix settings as the report records them (`driver.versions.felix`). */
export function felixSummary(p: CalicoPatch): string {
  return Object.entries(felixEnv(p))
    .map(([k, v]) => `${k.replace(/^FELIX_/, '')}=${v}`)
    .join(' ')
}

/**
 * Sets felixEnv on the calico-node container of calico.yaml and checks that every image is pinned to the
 * release's tag. Returns the patched multi-document YAML, or throws with what is wrong.
 */
export function patchCalicoManifest(text: string, r: CalicoRelease, p: CalicoPatch): string {
  const docs = parseAllDocuments(text)
  let patched = false
  let cniPatched = false
  const images: string[] = []
  for (const doc of docs) {
    const obj = doc.toJS() as {
      kind?: string
      metadata?: { name?: string }
      spec?: {
        template?: {
          spec?: {
            containers?: { name: string; image?: string; env?: { name: string; value?: string }[] }[]
            initContainers?: { image?: string }[]
          }
        }
      }
    } | null
    const pod = obj?.spec?.template?.spec
    for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) if (c.image) images.push(c.image)
    const cni = (obj as { data?: Record<string, string> } | null)?.data?.cni_network_config
    if (p.ipFamily === 'dual' && obj?.kind === 'ConfigMap' && obj.metadata?.name === 'calico-config' && cni) {
      doc.setIn(['data', 'cni_network_config'], dualStackCniConfig(cni))
      cniPatched = true
    }
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
  if (p.ipFamily === 'dual' && !cniPatched) throw new Error('no calico-config ConfigMap with cni_network_config to enable IPv6 in')
  const wrong = images.filter((img) => !img.endsWith(`:${r.version}`))
  if (wrong.length) throw new Error(`images not pinned to ${r.version}: ${[...new Set(wrong)].join(', ')}`)
  return docs.map((d) => d.toString()).join('---\n')
}

/** Where the manifest came from and what it hashes to, as the report records it. */
export interface CalicoManifest {
  /** The patched multi-document YAML that `kubectl create -f -` receives. */
  readonly patched: string
  /** `vendored <path>`, `file <path>` (--calico-manifest) or `fetched <url>` (vendored on first use). */
  readonly source: string
  /** sha256 of the manifest as read, before patching. */
  readonly sha256: string
}

/** The parts of a calico-node DaemonSet (apps/v1, as `kubectl get daemonset -o json` prints it) a reuse check reads. */
interface DaemonSetJson {
  readonly spec?: {
    readonly template?: {
      readonly spec?: {
        readonly containers?: readonly { name: string; image?: string; env?: readonly { name: string; value?: string }[] }[]
      }
    }
  }
}

/**
 * Why a running calico-node DaemonSet is not the one this run asks for (empty when it is): its calico-node image
 * must carry the release's tag and its env the dataplane's FELIX_NFTABLESMODE (unset means Felix's default, Auto).
 */
export function reuseMismatch(ds: unknown, r: CalicoRelease, p: CalicoPatch): string[] {
  const c = (ds as DaemonSetJson | null)?.spec?.template?.spec?.containers?.find((x) => x.name === 'calico-node')
  if (!c) return ['no calico-node container in the calico-node DaemonSet']
  const out: string[] = []
  if (!c.image?.endsWith(`:${r.version}`)) out.push(`calico-node runs ${c.image ?? 'no image'}, not Calico ${r.version}`)
  const want = felixEnv(p).FELIX_NFTABLESMODE
  const got = c.env?.find((e) => e.name === 'FELIX_NFTABLESMODE')?.value
  if (got !== want)
    out.push(`FELIX_NFTABLESMODE is ${got === undefined ? 'unset (Felix default Auto)' : got}, the ${p.dataplane} dataplane needs ${want}`)
  const v6 = c.env?.find((e) => e.name === 'FELIX_IPV6SUPPORT')?.value === 'true'
  if (v6 !== (p.ipFamily === 'dual'))
    out.push(
      v6 ? 'calico-node runs dual-stack, this run asks for IPv4 only' : 'calico-node runs IPv4 only, this run asks for --ip-family dual',
    )
  return out
}

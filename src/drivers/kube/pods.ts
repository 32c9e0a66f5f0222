// Why: the scenario's probe pods on a cluster: on their real nodes, at the scenario's address where Calico can give
// it, a crashed run's pod of the same name in a namespace we do not own removed first, recreated for chaos.
import { InfraError } from '../../errors.js'
import { IP_FAMILIES, type IPFamily, type ServedPort, ipFamilyOf, podId } from '../../model/cluster.js'
import { inRange, parseAddress, parseCidr } from '../../evaluator/ip.js'
import type { Pod } from '../../model/cluster.js'
import type { KubeApi } from './api.js'
import { RUN_LABEL, podManifest, probeContainer } from './manifests.js'
import type { NodeAccess } from './node-access.js'
import { type ReadyPod, waitPodGone, waitPodsReady } from './readiness.js'

/** What placing a probe pod depends on. */
export interface PodPlacement {
  readonly api: KubeApi
  readonly runId: string
  readonly nodes?: NodeAccess
  /** Subnets where Calico honours the ipAddrs annotation. */
  readonly pools: readonly string[]
  readonly serves: readonly ServedPort[]
}

/** The subnets to ask Calico for scenario addresses in: the ones given (kind: its pod subnet), else the cluster's Calico IP pools ([] without Calico). */
export async function addressPools(api: KubeApi, requestIpsIn: string | readonly string[] | undefined): Promise<string[]> {
  return requestIpsIn !== undefined ? [requestIpsIn].flat() : ((await api.calicoIpPools?.().catch(() => [])) ?? [])
}

/**
 * The address families of a cluster's Calico IP pools (enabled ones), primary (IPv4) first; undefined when there
 * are none to read (no Calico, or the API does not answer): then a family is found missing only once pods run.
 */
export async function poolFamilies(api: KubeApi): Promise<IPFamily[] | undefined> {
  const pools = (await api.calicoIpPools?.().catch(() => [])) ?? []
  const families = new Set(pools.map(ipFamilyOf))
  return families.size ? IP_FAMILIES.filter((f) => families.has(f)) : undefined
}

/** Does `ip` lie in one of the pools (only there may the pod ask for it)? A malformed address or CIDR is in none. */
export function inPools(ip: string, pools: readonly string[]): boolean {
  return pools.some((cidr) => {
    try {
      return inRange(parseAddress(ip), parseCidr(cidr))
    } catch {
      return false
    }
  })
}

/**
 * The pod's manifest on this cluster: its node's real name, and its scenario address asked for when a pool holds it.
 * @internal exported for its test
 */
export function placedManifest(p: Pod, at: PodPlacement) {
  return podManifest(
    { ...p, ...(p.node ? { node: at.nodes?.nodeName(p.node) ?? p.node } : {}) },
    at.serves,
    at.runId,
    (p.ips ?? [p.ip]).every((ip) => inPools(ip, at.pools)),
  )
}

/** Creates the scenario's probe pods (in a foreign namespace, a crashed run's pod of the same name is removed first); returns the container to exec into, by pod id. */
export async function createProbePods(
  pods: readonly Pod[],
  at: PodPlacement,
  foreign: (namespace: string) => boolean,
  signal: AbortSignal,
): Promise<Map<string, string>> {
  const containers = new Map<string, string>()
  for (const p of pods) {
    const manifest = placedManifest(p, at)
    containers.set(podId(p), probeContainer(manifest))
    if (foreign(p.namespace)) await removeLeftoverPod(at.api, p.namespace, p.name, signal)
    await at.api.createPod(p.namespace, manifest)
  }
  return containers
}

/**
 * A pod of ours left in a foreign namespace by a crashed run is deleted; a pod of that name we do not own stops the scenario.
 * @internal exported for its test
 */
export async function removeLeftoverPod(api: KubeApi, namespace: string, name: string, signal: AbortSignal): Promise<void> {
  const old = await api.getPod(namespace, name)
  if (!old) return
  if (!old.labels[RUN_LABEL])
    throw new InfraError(
      `pod ${podId({ namespace, name })} already exists in context ${api.context} and was not created by netpol-harness`,
      { hint: 'rename the scenario pod' },
    )
  await api.deletePod(namespace, name, 0)
  await waitPodGone(api, namespace, name, signal)
}

/** Deletes a probe pod and creates it again (`p` carries its current labels); resolves with its new address once Ready. */
export async function recreatePod(p: Pod, at: PodPlacement, readyTimeoutMs: number, signal: AbortSignal): Promise<ReadyPod> {
  await at.api.deletePod(p.namespace, p.name, 0)
  await waitPodGone(at.api, p.namespace, p.name, signal)
  await at.api.createPod(p.namespace, placedManifest(p, at))
  const ready = await waitPodsReady(at.api, [p], readyTimeoutMs, signal)
  return [...ready.values()][0]
}

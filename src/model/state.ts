// Why: everything the evaluator needs to know about a cluster at one moment.
import {
  type External,
  type IPFamily,
  type Namespace,
  type NodeAddress,
  type Pod,
  type Service,
  type Target,
  addressFor,
  podId,
} from './cluster.js'
import type { CalicoObject } from './calico.js'
import type { ClusterPolicy } from './cluster-policy.js'
import type { NetworkPolicy } from './policy.js'

/** The cluster at one moment: namespaces, pods, externals and policies. */
export interface ClusterState {
  readonly namespaces: readonly Namespace[]
  readonly pods: readonly Pod[]
  readonly externals: readonly External[]
  readonly policies: readonly NetworkPolicy[]
  /** Services (absent: none; docs/services.md). */
  readonly services?: readonly Service[]
  /** The nodes' addresses when the driver knows them (what a NodePort backend sees after SNAT). */
  readonly nodes?: readonly NodeAddress[]
  /** Cluster-scoped policies (ClusterNetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy); absent: none. */
  readonly clusterPolicies?: readonly ClusterPolicy[]
  /** Calico objects (policies, tiers, network sets, staged policies; docs/calico-policy.md); absent: none. */
  readonly calico?: readonly CalicoObject[]
}

/**
 * Where probes connect: every endpoint's address by its id (`podId` for pods, the name for externals), for a
 * family (the `ip` of each when none is asked); endpoints without an address of that family are left out.
 */
export function endpointAddresses(state: ClusterState, family?: IPFamily): ReadonlyMap<string, string> {
  const out = new Map<string, string>()
  for (const p of state.pods) {
    const ip = addressFor(p, family)
    if (ip !== undefined) out.set(podId(p), ip)
  }
  for (const e of state.externals) {
    const ip = addressFor(e, family)
    if (ip !== undefined) out.set(e.name, ip)
  }
  return out
}

/** Where a probe of `target` to endpoint `id` connects: the address of the target's family (built per family once). */
export function targetAddresses(state: ClusterState): (id: string, target: Target) => string | undefined {
  const byFamily = new Map<string, ReadonlyMap<string, string>>()
  return (id, target) => {
    const key = target.family ?? ''
    let map = byFamily.get(key)
    if (!map) byFamily.set(key, (map = endpointAddresses(state, target.family)))
    return map.get(id)
  }
}

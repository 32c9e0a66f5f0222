// Why: everything the evaluator needs to know about a cluster at one moment.
import { type External, type Namespace, type Pod, podId } from './cluster.js'
import type { ClusterPolicy } from './cluster-policy.js'
import type { NetworkPolicy } from './policy.js'

/** The cluster at one moment: namespaces, pods, externals and policies. */
export interface ClusterState {
  readonly namespaces: readonly Namespace[]
  readonly pods: readonly Pod[]
  readonly externals: readonly External[]
  readonly policies: readonly NetworkPolicy[]
  /** Cluster-scoped policies (ClusterNetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy); absent: none. */
  readonly clusterPolicies?: readonly ClusterPolicy[]
}

/** Where probes connect: every endpoint's address by its id (`podId` for pods, the name for externals). */
export function endpointAddresses(state: ClusterState): ReadonlyMap<string, string> {
  return new Map([...state.pods.map((p) => [podId(p), p.ip] as const), ...state.externals.map((e) => [e.name, e.ip] as const)])
}

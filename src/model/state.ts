// Why: everything the evaluator needs to know about a cluster at one moment.
import type { External, Namespace, Pod } from './cluster.js'
import type { NetworkPolicy } from './policy.js'

export interface ClusterState {
  readonly namespaces: readonly Namespace[]
  readonly pods: readonly Pod[]
  readonly externals: readonly External[]
  readonly policies: readonly NetworkPolicy[]
}

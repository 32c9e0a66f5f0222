// Why: a step's changes as the API server receives them: policies by server-side apply, labels by merge patches
// that replace every label but the harness's own, and never a change to a namespace or cluster policy the harness
// does not own.
import { InfraError } from '../../errors.js'
import { NAMESPACE_NAME_LABEL } from '../../model/cluster.js'
import type { Action } from '../../model/scenario.js'
import type { ClusterState } from '../../model/state.js'
import { assertNever } from '../../util/assert-never.js'
import type { KubeApi } from './api.js'
import { assertClusterPolicyOurs, ownedClusterPolicy } from './cluster-policies.js'
import { POD_LABEL, RUN_LABEL } from './manifests.js'
import type { RunNamespaces } from './namespaces.js'
import { ownerLabels } from './owner.js'

/** What sending a change depends on. */
export interface ApplyContext {
  readonly api: KubeApi
  readonly runId: string
  readonly namespaces: RunNamespaces
}

/** Sends one action to the API server; `state` is the cluster before it (the labels a patch replaces). */
export async function sendAction(ctx: ApplyContext, state: ClusterState, a: Action): Promise<void> {
  const { api, runId, namespaces } = ctx
  switch (a.kind) {
    case 'apply-policy':
      await api.applyPolicy(a.policy)
      namespaces.policyApplied(a.policy)
      return
    case 'delete-policy':
      await api.deletePolicy(a.namespace, a.name)
      return
    case 'apply-cluster-policy':
      if (!api.applyClusterPolicy) throw new InfraError(`this cluster client cannot apply ${a.policy.kind} objects`)
      await assertClusterPolicyOurs(api, runId, a.policy.kind, a.policy.metadata.name)
      await api.applyClusterPolicy(ownedClusterPolicy(a.policy, runId))
      return
    case 'delete-cluster-policy':
      if (!api.deleteClusterPolicy) throw new InfraError(`this cluster client cannot delete ${a.policyKind} objects`)
      await assertClusterPolicyOurs(api, runId, a.policyKind, a.name)
      await api.deleteClusterPolicy(a.policyKind, a.name)
      return
    case 'apply-calico':
    case 'delete-calico':
      // The driver sends these itself, through the Calico API server (KubeDriver.apply, calico-policies.ts).
      throw new InfraError(`Calico ${a.kind === 'apply-calico' ? a.object.kind : a.calicoKind} objects go through KubeDriver.apply`)
    case 'set-pod-labels': {
      const pod = state.pods.find((p) => p.namespace === a.namespace && p.name === a.pod)!
      await api.patchPodLabels(a.namespace, a.pod, replaceLabels(pod.labels, a.labels, { [RUN_LABEL]: runId, [POD_LABEL]: a.pod }))
      return
    }
    case 'set-namespace-labels': {
      if (namespaces.isForeign(a.namespace))
        throw new InfraError(`will not relabel namespace ${a.namespace}: netpol-harness did not create it`, {
          hint: 'relabel a namespace the scenario creates',
        })
      const ns = state.namespaces.find((n) => n.name === a.namespace)!
      await api.patchNamespaceLabels(
        a.namespace,
        replaceLabels(ns.labels, a.labels, { ...ownerLabels(runId), [NAMESPACE_NAME_LABEL]: a.namespace }),
      )
      return
    }
    default:
      assertNever(a, 'action')
  }
}

/**
 * A label patch that replaces all labels but the harness's own (null removes a key).
 * @internal exported for its test
 */
export function replaceLabels(
  old: Readonly<Record<string, string>>,
  next: Readonly<Record<string, string>>,
  keep: Readonly<Record<string, string>>,
): Record<string, string | null> {
  const patch: Record<string, string | null> = {}
  for (const k of Object.keys(old)) if (!(k in next) && !(k in keep)) patch[k] = null
  return { ...patch, ...next, ...keep }
}

// Why: cluster policies are cluster-scoped, so deleting the run's namespaces does not remove them and a scenario's
// name may be an admin's real policy: the harness labels what it applies with the run, never overwrites an object
// without that label, deletes its own at `down`, and removes those of a run that is gone (as namespaces.ts does).
import { InfraError } from '../../errors.js'
import type { ClusterPolicy, ClusterPolicyKind } from '../../model/cluster-policy.js'
import type { KubeApi } from './api.js'
import { RUN_LABEL } from './manifests.js'
import { listForCleanup, ownerLabels, removeLeftovers } from './owner.js'

/** The policy as the harness applies it: the scenario's labels plus the run's owner labels. */
export function ownedClusterPolicy(policy: ClusterPolicy, runId: string): ClusterPolicy {
  return { ...policy, metadata: { ...policy.metadata, labels: { ...policy.metadata.labels, ...ownerLabels(runId) } } } as ClusterPolicy
}

/** Refuses to apply over a cluster policy this run did not create (an admin's, or another run's). */
export async function assertClusterPolicyOurs(api: KubeApi, runId: string, kind: ClusterPolicyKind, name: string): Promise<void> {
  if (!api.readClusterPolicy) throw new InfraError(`this cluster client cannot read ${kind} objects`)
  const existing = await api.readClusterPolicy(kind, name)
  if (!existing || existing.labels[RUN_LABEL] === runId) return
  const owner = existing.labels[RUN_LABEL]
    ? `netpol-harness run ${existing.labels[RUN_LABEL]}`
    : 'someone else (it has no netpol-harness run label)'
  throw new InfraError(
    `will not overwrite or delete ${kind} ${name} in context ${api.context}: it already exists and belongs to ${owner}`,
    { hint: `rename the ${kind} in the scenario; netpol-harness only changes cluster policies labelled ${RUN_LABEL} with its own run` },
  )
}

/** Deletes every cluster policy of the served kinds that carries this run's label (a foreign one is never listed). */
export async function deleteRunClusterPolicies(api: KubeApi, runId: string, kinds: readonly ClusterPolicyKind[]): Promise<void> {
  if (!api.listClusterPolicies || !api.deleteClusterPolicy) return
  for (const kind of kinds) {
    const mine = await api.listClusterPolicies(kind, `${RUN_LABEL}=${runId}`).catch(() => [])
    await Promise.all(mine.map((p) => api.deleteClusterPolicy!(kind, p.name).catch(() => {})))
  }
}

/** Deletes the cluster policies of other harness runs that are gone (same test as for their namespaces); a live run's stay. */
export async function removeLeftoverClusterPolicies(
  api: KubeApi,
  runId: string,
  kinds: readonly ClusterPolicyKind[],
  alive?: (pid: number) => boolean,
  log?: (line: string) => void,
): Promise<void> {
  if (!api.listClusterPolicies || !api.deleteClusterPolicy) return
  for (const kind of kinds)
    await removeLeftovers(await listForCleanup(api.listClusterPolicies(kind, RUN_LABEL), kind, log), {
      skipRun: runId,
      alive,
      log,
      describe: (p) => `${kind} ${p.name}`,
      remove: (p) => api.deleteClusterPolicy!(kind, p.name),
    })
}

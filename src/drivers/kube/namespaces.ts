// Why: a cluster is shared: the scenario's namespaces are created labelled with the run and its owner, a crashed
// run's are removed, and anyone else's (kube-system, default, a team's) are used as they are, never changed.
import { InfraError } from '../../errors.js'
import type { Labels } from '../../model/cluster.js'
import type { NetworkPolicy } from '../../model/policy.js'
import { policyId } from '../../model/policy.js'
import type { Scenario } from '../../model/scenario.js'
import type { KubeApi } from './api.js'
import { RUN_LABEL } from './manifests.js'
import { HOST_LABEL, PID_LABEL, ownerLabels, removeLeftovers } from './owner.js'
import { waitNamespaceGone } from './readiness.js'

/** The API and the run whose namespaces these are. */
export interface RunNamespacesOptions {
  readonly api: KubeApi
  readonly runId: string
  /** Is a process of this host alive? (Another run's namespaces are removed only when its process is gone.) */
  readonly alive?: (pid: number) => boolean
  readonly log?: (line: string) => void
}

/** The namespaces of one scenario on the cluster: which are ours, which are someone else's, and how to leave both. */
export class RunNamespaces {
  /** Namespaces this run created (they carry its run id). */
  readonly created = new Set<string>()
  /** Namespaces that exist on every cluster or belong to someone else (kube-system, default): used, never created, relabelled or deleted. */
  private readonly foreign = new Map<string, Labels>()
  /** Policies applied in foreign namespaces: deleted one by one at `down` (there is no namespace of ours to delete). */
  private readonly foreignPolicies = new Map<string, NetworkPolicy['metadata']>()

  constructor(private readonly o: RunNamespacesOptions) {}

  /** Creates the scenario's namespaces; one that exists is used when foreign (its labels must include the scenario's), removed when a gone run left it. */
  async up(scenario: Scenario, signal: AbortSignal): Promise<void> {
    const { api } = this.o
    // Namespaces: ours from a crashed run are removed; anyone else's (kube-system, default, a team's) are used as
    // they are, with their labels, and only our own pods and policies in them are ever touched.
    const existing = new Map((await api.listNamespaces()).map((n) => [n.name, n]))
    for (const ns of scenario.namespaces) {
      const found = existing.get(ns.name)
      if (!found) continue
      const labels = found.labels
      if (!labels[RUN_LABEL]) {
        const differ = Object.entries(ns.labels).filter(([k, v]) => labels[k] !== v)
        if (differ.length)
          throw new InfraError(
            `namespace ${ns.name} already exists in context ${api.context} and was not created by netpol-harness; the scenario gives it labels it does not have (${differ.map(([k, v]) => `${k}=${v}`).join(', ')}; it has ${
              Object.entries(labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ') || 'none'
            })`,
            {
              hint: 'netpol-harness never relabels a namespace it did not create: use its real labels in the scenario, or another namespace name',
            },
          )
        this.foreign.set(ns.name, labels)
        continue
      }
      // Another run's namespace: a concurrent run on the same cluster keeps it; only a run that is gone leaves it.
      await removeLeftovers([found], {
        alive: this.o.alive,
        log: this.o.log,
        describe: () => `namespace ${ns.name}`,
        live: () => {
          throw new InfraError(
            `namespace ${ns.name} in context ${api.context} belongs to netpol-harness run ${labels[RUN_LABEL]}${labels[HOST_LABEL] ? ` (host ${labels[HOST_LABEL]}, pid ${labels[PID_LABEL]})` : ''}, which may still be running`,
            {
              hint: `run the two at different times, or give this scenario other namespace names; if that run is gone, kubectl delete namespace ${ns.name}`,
            },
          )
        },
        remove: async () => {
          await api.deleteNamespace(ns.name)
          await waitNamespaceGone(api, ns.name, signal)
        },
      })
    }
    for (const ns of scenario.namespaces) {
      if (this.foreign.has(ns.name)) continue
      await api.createNamespace(ns.name, { ...ns.labels, ...ownerLabels(this.o.runId) })
      this.created.add(ns.name)
    }
  }

  /** Is this namespace someone else's (used, never changed)? */
  isForeign(ns: string): boolean {
    return this.foreign.has(ns)
  }

  /** The labels a foreign namespace really has (what predictions must use); undefined for ours. */
  foreignLabels(ns: string): Labels | undefined {
    return this.foreign.get(ns)
  }

  /** Remembers a policy applied in a foreign namespace, so `down` deletes it. */
  policyApplied(policy: NetworkPolicy): void {
    if (this.foreign.has(policy.metadata.namespace)) this.foreignPolicies.set(policyId(policy), policy.metadata)
  }

  /** Deletes only the namespaces this run created (they carry its run id), and its pods and policies in foreign namespaces. */
  async down(): Promise<void> {
    const { api, runId } = this.o
    for (const p of this.foreignPolicies.values()) await api.deletePolicy(p.namespace, p.name).catch(() => {})
    for (const ns of this.foreign.keys()) {
      const pods = await api.listPods(ns, `${RUN_LABEL}=${runId}`).catch(() => [])
      await Promise.all(pods.map((p) => api.deletePod(ns, p.name, 0).catch(() => {})))
    }
    this.foreignPolicies.clear()
    this.foreign.clear()
    const mine = (await api.listNamespaces(`${RUN_LABEL}=${runId}`).catch(() => [])).map((n) => n.name)
    await Promise.all(mine.map((n) => api.deleteNamespace(n).catch(() => {})))
    this.created.clear()
  }
}

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
import { sleep } from '../../util/sleep.js'

/**
 * The namespace names the scenarios of this process hold on each cluster (context), from `up` to `down`: scenarios
 * run at once (`--parallel`) whose namespaces share a name take turns, never both in one namespace.
 */
const held = new Set<string>()

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

  /** The namespace names this scenario holds (`held`), released at `down`. */
  private holding: string[] = []

  /** A name's key in `held`: names are per cluster. */
  private key(name: string): string {
    return `${this.o.api.context}/${name}`
  }

  /**
   * Waits until no other scenario of this process holds any of these names, then holds them all at once (all or
   * nothing: two scenarios each waiting for the other's names cannot happen).
   */
  private async hold(names: readonly string[], signal: AbortSignal): Promise<void> {
    const unique = [...new Set(names)]
    const taken = () => unique.filter((n) => held.has(this.key(n)))
    if (taken().length) this.o.log?.(`waiting for another scenario of this run to finish with namespace(s) ${taken().join(', ')}`)
    while (taken().length) {
      await sleep(200, signal)
      signal.throwIfAborted()
    }
    for (const n of unique) held.add(this.key(n))
    this.holding = unique
  }

  /**
   * Creates the scenario's namespaces; one that exists is used when foreign (its labels must include the scenario's),
   * removed when a gone run left it, and waited for when an earlier scenario of this run left it terminating.
   */
  async up(scenario: Scenario, signal: AbortSignal): Promise<void> {
    await this.hold(
      scenario.namespaces.map((n) => n.name),
      signal,
    )
    try {
      await this.make(scenario, signal)
    } catch (e) {
      // What was created is deleted now, and the names are given back: a scenario that fails here may never get to
      // `down` (a test), and none may wait for it.
      await Promise.all([...this.created].map((n) => this.o.api.deleteNamespace(n).catch(() => {})))
      this.created.clear()
      this.release()
      throw e
    }
  }

  /** Gives the names held back to the other scenarios of this process. */
  private release(): void {
    for (const n of this.holding) held.delete(this.key(n))
    this.holding = []
  }

  private async make(scenario: Scenario, signal: AbortSignal): Promise<void> {
    const { api } = this.o
    // An earlier scenario of this run deleted its namespaces at its end without waiting: on a real API server a
    // deleted namespace stays, in phase Terminating, until the namespace controller has removed its content
    // (pkg/registry/core/namespace/storage/storage.go Delete: the "kubernetes" finalizer), and creating it again
    // meanwhile is 409 AlreadyExists. The next scenario with the same names (the upstream ones all use x, y, z)
    // waits for it to be gone. Deleting it again is harmless: a terminating namespace answers 409 Conflict ("The
    // system is ensuring all content is removed from this namespace"), one of ours not yet deleted is deleted.
    for (const n of await api.listNamespaces(`${RUN_LABEL}=${this.o.runId}`)) {
      if (!scenario.namespaces.some((ns) => ns.name === n.name)) continue
      this.o.log?.(`waiting for namespace ${n.name} of an earlier scenario of this run to finish terminating`)
      await api.deleteNamespace(n.name).catch(() => {})
      await waitNamespaceGone(api, n.name, signal)
    }
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
    // Ours: the run's namespaces among this scenario's names (never those of a scenario of this run still running
    // beside it, which hold other names).
    const names = new Set(this.holding)
    // The list failing: at least those this scenario created.
    const listed = await api.listNamespaces(`${RUN_LABEL}=${runId}`).catch(() => undefined)
    const mine = listed ? listed.map((n) => n.name).filter((n) => names.has(n)) : [...this.created]
    await Promise.all(mine.map((n) => api.deleteNamespace(n).catch(() => {})))
    this.created.clear()
    this.release()
  }
}

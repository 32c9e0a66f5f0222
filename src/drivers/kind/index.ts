// Why: the `kind` driver, the production path: a kind cluster with Calico (created or reused), then the kube
// driver on its context, with node access through Docker for faults and external hosts.
import type { Action, Scenario } from '../../model/scenario.js'
import type { ClusterState } from '../../model/state.js'
import type { Target } from '../../model/cluster.js'
import { type Driver, type DriverInfo, type InfraChaos, type ProbeConnection, type RawOutcome, chaosNodeRefs } from '../driver.js'
import type { Exec } from '../exec.js'
import type { KubeApi } from '../kube/api.js'
import { calicoClusterPolicyKinds, clusterPolicyApi, clusterPolicyUnsupported } from '../cluster-policy-support.js'
import { KubeDriver } from '../kube/index.js'
import { CALICO_KIND_NAMES, type CalicoRef, type RawCalicoObject, calicoObjectsUsed } from '../kube/calico-kinds.js'
import { calicoApiSummary, calicoObjectsUnsupported } from '../kube/calico-policies.js'
import { type KindOptions, type UpResult, context, down, up } from './cluster.js'
import { EnvironmentError, InfraError, UsageError } from '../../errors.js'
import { KindNodes } from './nodes.js'
import { kubeProxyMode } from '../kube/services.js'
import { CALICO_POD_SUBNET, CALICO_POD_SUBNET_V6, clusterFamilies, kubeProxyModeOf } from './config.js'

/** The cluster's options plus the runner, the API client factory and the run. */
export interface KindDriverOptions extends KindOptions {
  readonly exec: Exec
  /** Builds the API client for the cluster's context (the real client, or a fake in tests). */
  readonly api: (context: string) => KubeApi
  readonly runId: string
  /** Keep the cluster after the run (it is reused by the next one). */
  readonly keep: boolean
  readonly log?: (line: string) => void
}

/** One cluster for the whole run: the first scenario creates (or reuses) it; `close` deletes it if it was created. */
export class KindCluster {
  private started?: Promise<UpResult>
  private created = false
  constructor(private readonly o: KindDriverOptions) {}

  /** Brings the cluster up once (later calls share the first one's result). */
  ensure(): Promise<UpResult> {
    this.started ??= up(this.o.exec, this.o, this.o.log ?? (() => {}), undefined, () => (this.created = true))
    return this.started
  }

  /** Deletes the cluster if this run created it, also when bringing it up failed (a reused cluster stays, as does any with --keep). */
  async close(): Promise<void> {
    if (!this.started || this.o.keep) return
    await this.started.catch(() => undefined)
    if (!this.created) return
    this.o.log?.(`deleting kind cluster ${this.o.name} (--keep keeps it)`)
    await down(this.o.exec, this.o.name)
  }
}

/** The kind driver: the shared cluster, the kube driver on its context, node access through Docker. */
export class KindDriver implements Driver {
  info: DriverInfo
  private kube?: KubeDriver
  private readonly nodes: KindNodes

  constructor(
    private readonly o: KindDriverOptions,
    private readonly cluster: KindCluster,
  ) {
    this.info = {
      name: 'kind',
      cni: `calico ${o.calicoVersion} (${o.dataplane})`,
      versions: { calico: o.calicoVersion, dataplane: o.dataplane, ...(o.ipFamily === 'dual' ? { ipFamily: 'dual' } : {}) },
    }
    this.nodes = new KindNodes(o.exec, o.name, o.runId, o.dataplane)
  }

  async up(scenario: Scenario, signal: AbortSignal): Promise<void> {
    // No scenario can run without the cluster: its failure stops the run (the scenarios not run are still reported).
    const { timings, reused, calico, calicoApi } = await this.cluster.ensure().catch((e: unknown) => {
      throw e instanceof UsageError || e instanceof EnvironmentError
        ? e
        : new EnvironmentError(e instanceof Error ? e.message : String(e), {
            cause: e,
            ...(e instanceof InfraError && e.hint ? { hint: e.hint } : {}),
          })
    })
    const kind = await this.o.exec('kind', ['version'])
    const api = this.o.api(context(this.o.name))
    // What the cluster really serves of Calico's own kinds (the API server may have failed to install: then none).
    const calicoKinds = (await api.servedCalicoKinds?.().catch(() => undefined)) ?? []
    this.kube = new KubeDriver({
      api,
      calicoKinds,
      calicoVersion: this.o.calicoVersion,
      runId: this.o.runId,
      createdByUs: true,
      nodes: this.nodes,
      log: this.o.log,
      info: { name: 'kind', cni: this.info.cni },
      requestIpsIn: this.o.ipFamily === 'dual' ? [CALICO_POD_SUBNET, CALICO_POD_SUBNET_V6] : CALICO_POD_SUBNET,
      ipFamilies: clusterFamilies(this.o.ipFamily),
      clusterPolicyKinds: calicoClusterPolicyKinds(this.o.calicoVersion),
    })
    // A reused cluster keeps the kube-proxy mode it was made with (kubeadm's kube-system/kube-proxy ConfigMap):
    // Services would be tested through another one than asked. Nothing of the scenario exists yet.
    const proxy = api.kubeProxyConfig ? kubeProxyMode(await api.kubeProxyConfig().catch(() => undefined)) : undefined
    if (reused && proxy && proxy !== kubeProxyModeOf(this.o))
      throw new EnvironmentError(
        `kind cluster ${this.o.name} runs kube-proxy in ${proxy} mode; this run asks for ${kubeProxyModeOf(this.o)}`,
        {
          hint: `delete it (netpol-harness cluster down --name ${this.o.name}) or pick another --name`,
        },
      )
    await this.kube.up(scenario, signal)
    this.info = {
      ...this.info,
      versions: {
        ...this.info.versions,
        ...this.kube.info.versions,
        kind: kind.stdout.trim(),
        cluster: reused ? `reused ${this.o.name}` : `created ${this.o.name}`,
        calico: calico.version,
        calicoManifest: calico.manifest,
        felix: calico.felix,
        // Which network-policy-api version and kinds cluster-policy scenarios run with (docs/cluster-policy.md).
        clusterPolicies: clusterPolicyApi(calicoClusterPolicyKinds(this.o.calicoVersion)),
        // How Calico's own kinds were applied: the path, the installed manifest, and the kinds served.
        calicoApi: `${calicoApi}; ${calicoApiSummary(calicoKinds)}`,
      },
      ...(Object.keys(timings).length ? { timings } : {}),
    }
  }

  private k(): KubeDriver {
    if (!this.kube) throw new Error('kind driver used before up')
    return this.kube
  }

  apply(actions: readonly Action[]): Promise<void> {
    return this.k().apply(actions)
  }
  state(): ClusterState {
    return this.k().state()
  }
  probe(connections: readonly ProbeConnection[], timeoutMs: number): Promise<RawOutcome[]> {
    return this.k().probe(connections, timeoutMs)
  }
  /** Through Services as the kube driver probes them (services.ts); kind has the node access `node-port` needs. */
  unsupported(t: Target): string | undefined {
    return this.kube?.unsupported(t)
  }
  /** `node-N` (pinned pods, chaos) beyond the cluster's `--workers`: kind names them `<cluster>-workerN` (config.ts). */
  scenarioUnsupported(scenario: Scenario): string | undefined {
    const families = clusterFamilies(this.o.ipFamily)
    const lacking = (scenario.ipFamilies ?? []).filter((f) => !families.includes(f))
    if (lacking.length)
      return `this kind cluster is ${families.join('/')} only; the scenario needs ${lacking.join(' and ')} (--ip-family dual makes it dual-stack)`
    // External hosts are Docker containers on kind's network, set up with IPv4 addresses only (nodes.ts).
    const v6 = scenario.externals.filter((e) => (e.ips ?? [e.ip]).some((ip) => ip.includes(':')))
    if (v6.length) return `the kind driver creates external hosts with IPv4 addresses only (${v6.map((e) => e.name).join(', ')} has IPv6)`
    // Known before the cluster exists: what the pinned Calico implements of the network-policy-api.
    const kinds = calicoClusterPolicyKinds(this.o.calicoVersion)
    const policies = clusterPolicyUnsupported(scenario, kinds, `Calico ${this.o.calicoVersion}`)
    if (policies) return policies
    const calico = calicoObjectsUsed(scenario)
    if (calico.length) {
      const why = this.calicoUnsupported(calico)
      if (why) return why
    }
    const refs = [...new Set([...scenario.pods.flatMap((p) => (p.node ? [p.node] : [])), ...chaosNodeRefs(scenario)])]
    const missing = refs.filter((r) => /^node-\d+$/.test(r) && Number(r.slice(5)) > this.o.workers)
    if (missing.length) return `this kind cluster has ${this.o.workers} workers (--workers); the scenario names ${missing.join(', ')}`
    return undefined
  }

  /** Why this cluster cannot take these Calico objects; before the cluster is up, what the pinned release would refuse. */
  calicoUnsupported(objects: readonly RawCalicoObject[]): string | undefined {
    return (
      this.kube?.calicoUnsupported(objects) ??
      calicoObjectsUnsupported(objects, CALICO_KIND_NAMES, `Calico ${this.o.calicoVersion}`, this.o.calicoVersion)
    )
  }
  /** Applies Calico objects through the cluster's Calico API server (see KubeDriver.applyCalicoObjects). */
  applyCalicoObjects(objects: readonly RawCalicoObject[]): Promise<void> {
    return this.k().applyCalicoObjects(objects)
  }
  /** Deletes Calico objects this run applied (see KubeDriver.deleteCalicoObjects). */
  deleteCalicoObjects(refs: readonly CalicoRef[]): Promise<void> {
    return this.k().deleteCalicoObjects(refs)
  }

  chaosUnsupported(action: InfraChaos): string | undefined {
    return this.k().chaosUnsupported(action)
  }
  chaos(action: InfraChaos, signal: AbortSignal): Promise<void> {
    return this.k().chaos(action, signal)
  }
  async diagnostics(): Promise<string[]> {
    return this.kube ? this.kube.diagnostics() : []
  }
  async down(): Promise<void> {
    await this.kube?.down()
  }
}

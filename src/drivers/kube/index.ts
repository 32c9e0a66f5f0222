// Why: the `kube` driver: a real cluster through the Kubernetes API. Namespaces and agnhost probe pods labelled
// with the run id, policies by server-side apply, labels patched, pod IPs read back; ONE exec per source pod
// per round; the scenario's Services with a per-backend Service each (services.ts). Used directly (`--driver kube`, an existing cluster) and by the kind driver.
import { InfraError, UsageError } from '../../errors.js'
import { type IPFamily, type Pod, type Target, addressFor, isIcmp, podId } from '../../model/cluster.js'
import { ICMP_UNSUPPORTED } from './probe-script.js'
import type { Action, Scenario } from '../../model/scenario.js'
import type { ClusterState } from '../../model/state.js'
import { applyAction, initialState } from '../../scenario/apply-actions.js'
import { uniqueTargets } from '../../scenario/targets.js'
import { assertNever } from '../../util/assert-never.js'
import type { Driver, DriverInfo, InfraChaos, ProbeConnection, RawOutcome } from '../driver.js'
import type { KubeApi } from './api.js'
import { sendAction } from './apply.js'
import type { ClusterPolicyKind } from '../../model/cluster-policy.js'
import { clusterPolicyUnsupported } from '../cluster-policy-support.js'
import { restartAgentUnsupported, restartCalicoNode } from './calico-chaos.js'
import { deleteRunClusterPolicies, removeLeftoverClusterPolicies } from './cluster-policies.js'
import { type CalicoKind, type CalicoRef, type RawCalicoObject, calicoObjectsUsed } from './calico-kinds.js'
import {
  applyCalicoObjects,
  calicoObjectsUnsupported,
  deleteCalicoObjects,
  deleteRunCalicoObjects,
  removeLeftoverCalicoObjects,
} from './calico-policies.js'
import { RUN_LABEL } from './manifests.js'
import { RunNamespaces } from './namespaces.js'
import type { NodeAccess } from './node-access.js'
import { type PodPlacement, addressPools, createProbePods, inPools, recreatePod } from './pods.js'
import { probeRound } from './probe.js'
import { POD_READY_TIMEOUT_MS, readyProvesListening, waitPodsReady } from './readiness.js'
import { RunServices, cellService, kubeProxyMode } from './services.js'

/** What the kube driver is given: the API, the run, whether it may touch this cluster, node access when there is some. */
export interface KubeDriverOptions {
  readonly api: KubeApi
  readonly runId: string
  /** True when the harness created this cluster (kind); otherwise `allowExisting` must be set. */
  readonly createdByUs: boolean
  readonly allowExisting?: boolean
  readonly nodes?: NodeAccess
  readonly info?: Partial<DriverInfo>
  readonly podReadyTimeoutMs?: number
  /** The cluster policy kinds this cluster serves (kind: by the pinned Calico; kube: API discovery); unset: none. */
  readonly clusterPolicyKinds?: readonly ClusterPolicyKind[]
  /** The Calico projectcalico.org/v3 kinds this cluster serves (kind: its Calico API server; kube: API discovery); unset: none. */
  readonly calicoKinds?: readonly CalicoKind[]
  /** The cluster's Calico release when known (kind: pinned; kube: from calico-node's image), for the API server's name rules. */
  readonly calicoVersion?: string
  /**
   * Ask Calico for each pod's scenario address when it lies in one of these subnets (kind: the cluster's pod subnet).
   * Unset: the cluster's Calico IP pools, when the API has them (an existing cluster).
   */
  readonly requestIpsIn?: string | readonly string[]
  /** The cluster's address families when known (kind: from its config): a scenario needing another is `unsupported`. */
  readonly ipFamilies?: readonly IPFamily[]
  readonly log?: (line: string) => void
  /**
   * Does the cluster run its own DNS as the Service kube-system/kube-dns (kubeadm's CoreDNS addon: kind and most
   * clusters)? Unset: yes. A scenario declaring kube-system/kube-dns (docs/services.md, "Names and DNS") then is
   * `unsupported`: its Service cannot be created over the cluster's, and its stand-in DNS pods, labelled like CoreDNS's,
   * would join the cluster's Service and answer a share of every pod's lookups with agnhost.
   */
  readonly clusterDns?: boolean
  /** Is a process of this host alive? (Another run's namespaces are removed only when its process is gone.) */
  readonly alive?: (pid: number) => boolean
}

/** The kube driver: namespaces, probe pods, changes, probes and Calico chaos on one cluster, for one scenario. */
export class KubeDriver implements Driver {
  info: DriverInfo
  private current?: ClusterState
  private scenario?: Scenario
  private placement?: PodPlacement
  private readonly namespaces: RunNamespaces
  /** The container each probe pod is exec'd into, by pod id. */
  private containers = new Map<string, string>()
  /** The scenario's Services and their per-backend pins (services.ts); absent without Services. */
  private services?: RunServices

  constructor(private readonly opts: KubeDriverOptions) {
    this.info = { name: 'kube', cni: 'unknown', versions: {}, ...opts.info }
    this.namespaces = new RunNamespaces(opts)
  }

  private get api(): KubeApi {
    return this.opts.api
  }

  private get readyTimeoutMs(): number {
    return this.opts.podReadyTimeoutMs ?? POD_READY_TIMEOUT_MS
  }

  async up(scenario: Scenario, signal: AbortSignal): Promise<void> {
    if (!this.opts.createdByUs && !this.opts.allowExisting) {
      throw new UsageError(
        `refusing to use context "${this.api.context}": netpol-harness did not create this cluster; pass --allow-existing-cluster to run there anyway (it only creates and deletes namespaces and cluster policies labelled ${RUN_LABEL})`,
      )
    }
    if (scenario.externals.length && !this.opts.nodes)
      throw new InfraError(`scenario ${scenario.name} has external hosts, which the kube driver cannot create on an arbitrary cluster`, {
        hint: 'use --driver kind, or drop the externals',
      })
    this.info = { ...this.info, versions: { ...this.info.versions, kubernetes: await this.api.serverVersion() } }
    // Which kube-proxy does the DNAT of `via` cells (docs/services.md): iptables, ipvs or nftables.
    if (this.api.kubeProxyConfig)
      this.info = {
        ...this.info,
        versions: { ...this.info.versions, kubeProxyMode: kubeProxyMode(await this.api.kubeProxyConfig().catch(() => undefined)) },
      }
    this.scenario = scenario
    const pools = this.placement?.pools ?? (await addressPools(this.api, this.opts.requestIpsIn))
    const at: PodPlacement = { api: this.api, runId: this.opts.runId, nodes: this.opts.nodes, pools, serves: uniqueTargets(scenario) }
    this.placement = at
    const assigned = scenario.pods.filter((p) => !(p.ips ?? [p.ip]).every((ip) => inPools(ip, pools)))
    if (assigned.length)
      this.opts.log?.(
        `${scenario.name}: ${assigned.length} of ${scenario.pods.length} pods get a cluster-assigned address (their scenario address is in no Calico IP pool${pools.length ? `: ${pools.join(', ')}` : ''}); predictions use the assigned addresses, ipBlock intents may not hold`,
      )
    await this.namespaces.up(scenario, signal)
    // Cluster-scoped, so no namespace deletion removes them: a crashed run's cluster policies would change every verdict.
    await removeLeftoverClusterPolicies(this.api, this.opts.runId, this.opts.clusterPolicyKinds ?? [], this.opts.alive, this.opts.log)
    await removeLeftoverCalicoObjects(this.api, this.opts.runId, this.opts.calicoKinds ?? [], this.opts.alive, this.opts.log)
    this.containers = await createProbePods(scenario.pods, at, (ns) => this.namespaces.isForeign(ns), signal)
    // Services before the pods are waited for: their EndpointSlices fill as the pods become Ready.
    if (scenario.services?.length && !RunServices.unsupported(this.api)) {
      this.services = new RunServices(this.api, this.opts.runId, this.opts.ipFamilies)
      await this.services.up(scenario.services, scenario.pods, (ns) => this.namespaces.isForeign(ns))
    }
    if (this.opts.nodes)
      await this.opts.nodes.upExternals(scenario, (name) =>
        scenario.externals.find((e) => e.name === name)!.ports.map((cp) => ({ port: cp.port, protocol: cp.protocol })),
      )
    const ready = await waitPodsReady(this.api, scenario.pods, this.readyTimeoutMs, signal)
    const initial = initialState(scenario)
    this.current = {
      ...initial,
      // A foreign namespace is predicted with the labels it really has (the scenario's are a subset of them).
      namespaces: initial.namespaces.map((n) => ({ ...n, labels: this.namespaces.foreignLabels(n.name) ?? n.labels })),
      pods: scenario.pods.map((p) => withAddresses(p, ready.get(podId(p))!)),
    }
    if (this.services) {
      await this.services.ready(this.current.services ?? [], this.current.pods, signal)
      const nodes = this.services.nodeAddresses()
      if (nodes.length) this.current = { ...this.current, nodes }
    }
    // A family the scenario needs and the cluster did not give (a single-stack cluster the driver was not told about).
    const missing = (scenario.ipFamilies ?? []).filter((f) => this.current!.pods.some((p) => !addressFor(p, f)))
    if (missing.length)
      throw new InfraError(
        `${scenario.name} needs ${missing.join(' and ')} but its pods got ${this.current.pods.map((p) => (p.ips ?? [p.ip]).join(',')).join('; ')}`,
        {
          hint: 'run dual-stack scenarios on a dual-stack cluster (kind: --ip-family dual), or skip them (--skip dual-stack)',
        },
      )
    this.opts.log?.(`pods ready in context ${this.api.context}: ${scenario.pods.length} pods, ${scenario.externals.length} externals`)
  }

  async apply(actions: readonly Action[]): Promise<void> {
    if (!this.current) throw new InfraError('apply before up')
    for (const a of actions) {
      // Calico's kinds go through the Calico API server as the user wrote them (docs/calico-policy.md).
      if (a.kind === 'apply-calico') await this.applyCalicoObjects([a.raw as RawCalicoObject])
      else if (a.kind === 'delete-calico')
        await this.deleteCalicoObjects([{ kind: a.calicoKind, name: a.name, ...(a.namespace ? { namespace: a.namespace } : {}) }])
      else await sendAction({ api: this.api, runId: this.opts.runId, namespaces: this.namespaces }, this.current, a)
      this.current = applyAction(this.current, a)
    }
  }

  /**
   * Creates or replaces Calico objects (projectcalico.org/v3, as users write them) through the Calico API server,
   * labelled with the run; refuses, applying nothing, when one of them exists and is not this run's.
   */
  async applyCalicoObjects(objects: readonly RawCalicoObject[]): Promise<void> {
    // Said in the harness's words before any request (client-node would fail on discovery with "Unrecognized API version and kind").
    const why = this.calicoUnsupported(objects)
    if (why) throw new InfraError(why, { hint: 'see docs/kind.md, "Calico policy kinds"' })
    return applyCalicoObjects(this.api, this.opts.runId, objects)
  }

  /** Deletes Calico objects this run applied (policies before sets before Tiers); refuses, deleting nothing, for a foreign one. */
  deleteCalicoObjects(refs: readonly CalicoRef[]): Promise<void> {
    return deleteCalicoObjects(this.api, this.opts.runId, refs)
  }

  /** Why this cluster cannot take these Calico objects (kinds it does not serve, names its release refuses), or undefined. */
  calicoUnsupported(objects: readonly RawCalicoObject[]): string | undefined {
    return calicoObjectsUnsupported(objects, this.opts.calicoKinds ?? [], 'this cluster', this.opts.calicoVersion)
  }

  state(): ClusterState {
    if (!this.current) throw new InfraError('state before up')
    return this.current
  }

  /** `via` targets: through the scenario's Services' per-backend pins (services.ts); `node-port` from externals, so node access. */
  unsupported(target: Target): string | undefined {
    if (isIcmp(target)) return ICMP_UNSUPPORTED
    if (!target.via) return undefined
    const api = RunServices.unsupported(this.api)
    if (api) return `probing ${target.via}: ${api}; the cell is predicted only`
    if (target.via === 'node-port' && (!this.opts.nodes || !this.api.listNodes))
      return 'node-port cells are probed from externals to node addresses, which needs node access (the kind driver has it) and the nodes list; the cell is predicted only'
    // With the cluster's DNS in the scenario, a name cell is denied when policy blocks the lookup: agnhost `connect`
    // then prints Go's unanswered-lookup error, which the probe script reads as a timeout (probe-script.ts).
    // A name cell of one family (dual-stack): agnhost dials the name and Go's dialer picks the family among the A and
    // AAAA answers (net.Dialer: RFC 6724 order, then a fallback to the other family), so the family is not the cell's.
    if (target.via === 'service-name' && target.family)
      return `agnhost connect dials a name in the family Go's dialer prefers, not necessarily ${target.family}; the cell is predicted only`
    return undefined
  }

  /**
   * Pods: Ready means every server container passed its readiness check on its port (through a Service: the
   * backend's port after DNAT); externals: as the node side checked.
   */
  listening(destination: string, target: Target): boolean {
    const pod = this.current?.pods.find((p) => podId(p) === destination)
    if (pod) {
      const hit = target.via ? cellService(this.current!.services ?? [], pod, target) : undefined
      const on = hit ? { port: hit.backendPort, protocol: target.protocol } : target
      return this.placement !== undefined && readyProvesListening(on, this.placement.serves)
    }
    return this.opts.nodes?.listening?.(destination, target) ?? false
  }

  probe(connections: readonly ProbeConnection[], timeoutMs: number): Promise<RawOutcome[]> {
    return probeRound(
      connections,
      timeoutMs,
      (from, command, budgetMs) => {
        const pod = this.current!.pods.find((p) => podId(p) === from)
        return pod
          ? this.api.exec(pod.namespace, pod.name, this.containers.get(from)!, command, budgetMs)
          : this.opts.nodes!.execExternal(from, command, budgetMs)
      },
      (c) => {
        if (!c.target.via) return undefined
        const pod = this.current!.pods.find((p) => podId(p) === c.to)
        if (!pod || !this.services) return { error: `no Service of ${c.to} was created on this cluster` }
        return this.services.connect(this.current!.services ?? [], pod, c.target)
      },
    )
  }

  /**
   * External hosts need a driver that can place containers at their addresses (kind's node access); on a cluster
   * it did not create, the kube driver cannot: such a scenario is reported `unsupported` and the run goes on.
   */
  scenarioUnsupported(scenario: Scenario): string | undefined {
    const lacking = this.opts.ipFamilies && (scenario.ipFamilies ?? []).filter((f) => !this.opts.ipFamilies!.includes(f))
    if (lacking?.length)
      return `this cluster is ${this.opts.ipFamilies!.join('/')} only; the scenario needs ${lacking.join(' and ')}${this.info.name === 'kind' ? ' (kind: --ip-family dual)' : ''}`
    if (this.opts.clusterDns !== false && scenario.services?.some((s) => s.namespace === 'kube-system' && s.name === 'kube-dns'))
      return "the scenario declares kube-system/kube-dns, which this cluster already runs (its own DNS): the scenario's Service cannot replace it and its DNS pods would join it (docs/services.md)"
    const policies = clusterPolicyUnsupported(scenario, this.opts.clusterPolicyKinds ?? [], 'this cluster')
    if (policies) return policies
    const calico = calicoObjectsUsed(scenario)
    if (calico.length) {
      const why = this.calicoUnsupported(calico)
      if (why) return why
    }
    if (!scenario.externals.length || this.opts.nodes) return undefined
    return `the kube driver cannot create external hosts on an existing cluster (${scenario.externals.map((e) => e.name).join(', ')}); use --driver kind`
  }

  chaosUnsupported(action: InfraChaos): string | undefined {
    if (action.action === 'restart-agent') return restartAgentUnsupported(action.downForMs, this.opts.nodes)
    if (action.action === 'recreate-pod') return undefined
    return this.opts.nodes
      ? this.opts.nodes.chaosUnsupported(action)
      : `${action.action} needs access to the nodes (the kind driver has it; an existing cluster does not)`
  }

  async chaos(action: InfraChaos, signal: AbortSignal): Promise<void> {
    switch (action.action) {
      case 'restart-agent':
        return restartCalicoNode(this.api, this.opts.nodes, action.node, action.downForMs, signal)
      case 'recreate-pod':
        return this.recreatePod(action.namespace, action.pod, signal)
      case 'flush-dataplane':
      case 'restart-node':
      case 'packet-loss':
        if (!this.opts.nodes) throw new InfraError(`${action.action} is not supported by this driver`)
        return this.opts.nodes.chaos(action, signal)
      default:
        return assertNever(action, 'chaos action')
    }
  }

  /** Deletes a probe pod and creates it again (same labels); its new IP is read back. */
  private async recreatePod(namespace: string, name: string, signal: AbortSignal): Promise<void> {
    const spec = this.scenario!.pods.find((p) => p.namespace === namespace && p.name === name)!
    const current = this.current!.pods.find((p) => p.namespace === namespace && p.name === name)!
    const fresh = await recreatePod({ ...spec, labels: current.labels }, this.placement!, this.readyTimeoutMs, signal)
    this.current = { ...this.current!, pods: this.current!.pods.map((p) => (p === current ? withAddresses(p, fresh) : p)) }
    // Its Services route to it again once their EndpointSlices list the new address.
    await this.services?.ready(this.current.services ?? [], this.current.pods, signal, podId({ namespace, name }))
  }

  /** Diagnostics for the report when something failed: events of our namespaces, and the node side if known. */
  async diagnostics(): Promise<string[]> {
    const out: string[] = []
    for (const ns of this.namespaces.created) out.push(...(await this.api.events(ns).catch(() => [])).slice(-20).map((e) => `${ns}: ${e}`))
    if (this.opts.nodes) out.push(...(await this.opts.nodes.diagnostics().catch((e) => [`diagnostics failed: ${(e as Error).message}`])))
    return out
  }

  /** Deletes only what this run made: its namespaces, its pods and policies in foreign namespaces, its cluster policies and Calico objects, and the external hosts. */
  async down(): Promise<void> {
    await deleteRunClusterPolicies(this.api, this.opts.runId, this.opts.clusterPolicyKinds ?? [])
    await deleteRunCalicoObjects(this.api, this.opts.runId, this.opts.calicoKinds ?? [])
    // Services in our namespaces go with them; in a foreign namespace they are deleted one by one.
    await this.services?.down()
    await this.namespaces.down()
    await this.opts.nodes?.downExternals()
  }
}

/** A pod at the addresses the cluster gave it (its scenario `ips` dropped when the cluster gave one address only). */
function withAddresses(p: Pod, got: { ip: string; ips?: readonly string[]; node?: string }): Pod {
  const { ips: _written, ...rest } = p
  return { ...rest, ...got }
}

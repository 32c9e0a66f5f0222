// Why: the `kube` driver: a real cluster through the Kubernetes API. Namespaces and agnhost probe pods labelled
// with the run id, policies by server-side apply, labels patched, pod IPs read back; ONE exec per source pod
// per round. Used directly (`--driver kube`, an existing cluster) and by the kind driver.
import { InfraError, UsageError } from '../../errors.js'
import type { Target } from '../../model/cluster.js'
import { NAMESPACE_NAME_LABEL } from '../../model/cluster.js'
import type { Action, Scenario } from '../../model/scenario.js'
import type { ClusterState } from '../../model/state.js'
import { applyAction, initialState } from '../../scenario/apply-actions.js'
import { uniqueTargets } from '../../scenario/targets.js'
import { assertNever } from '../../util/assert-never.js'
import { inRange, parseAddress, parseCidr } from '../../evaluator/ip.js'
import { sleep } from '../../util/sleep.js'
import type { ConnectSpec, Driver, DriverInfo, InfraChaos, ProbeConnection, RawOutcome } from '../driver.js'
import type { KubeApi } from './api.js'
import { POD_LABEL, RUN_LABEL, podManifest, probeContainer } from './manifests.js'
import { HOST_LABEL, PID_LABEL, leftoverReason, ownerLabels } from './owner.js'
import { parseProbeOutput, probeCommand } from './probe-script.js'

/** What only a driver with access to the nodes can do (kind: Docker), and the external hosts. */
export interface NodeAccess {
  /** The real node name of a scenario node reference (`node-1` ...), for nodeSelectors and faults. */
  nodeName(ref: string): string
  nodeNames(): Promise<string[]>
  chaos(action: Extract<InfraChaos, { action: 'flush-dataplane' | 'restart-node' | 'packet-loss' }>, signal: AbortSignal): Promise<void>
  chaosUnsupported(action: InfraChaos): string | undefined
  /** Creates the scenario's external hosts at their declared addresses; returns their probe runner. */
  upExternals(s: Scenario, serves: (name: string) => Target[]): Promise<void>
  /** Runs the probe script in an external host. */
  execExternal(name: string, command: readonly string[], timeoutMs: number): Promise<{ stdout: string; stderr: string; exitCode?: number; error?: string }>
  downExternals(): Promise<void>
  /** Keeps Calico's agent stopped (not restarted) on these nodes for `forMs`, then lets it go on: restart-agent's downtime. */
  freezeAgent?(nodes: readonly string[], forMs: number, signal: AbortSignal): Promise<void>
  /** Was the external's server seen listening on `target` after it started? */
  listening?(external: string, target: Target): boolean
  diagnostics(): Promise<string[]>
}

export interface KubeDriverOptions {
  readonly api: KubeApi
  readonly runId: string
  /** True when the harness created this cluster (kind); otherwise `allowExisting` must be set. */
  readonly createdByUs: boolean
  readonly allowExisting?: boolean
  readonly nodes?: NodeAccess
  readonly info?: Partial<DriverInfo>
  readonly podReadyTimeoutMs?: number
  /**
   * Ask Calico for each pod's scenario address when it lies in one of these subnets (kind: the cluster's pod subnet).
   * Unset: the cluster's Calico IP pools, when the API has them (an existing cluster).
   */
  readonly requestIpsIn?: string | readonly string[]
  readonly log?: (line: string) => void
  /** Is a process of this host alive? (Another run's namespaces are removed only when its process is gone.) */
  readonly alive?: (pid: number) => boolean
}

/** Where Calico's agent runs: the manifest install uses kube-system, the operator calico-system. */
const CALICO_NAMESPACES = ['kube-system', 'calico-system']

export class KubeDriver implements Driver {
  info: DriverInfo
  private current?: ClusterState
  private scenario?: Scenario
  private created = new Set<string>()
  private pools?: string[]
  /** Namespaces that exist on every cluster or belong to someone else (kube-system, default): used, never created, relabelled or deleted. */
  private foreign = new Map<string, Record<string, string>>()
  /** Policies applied in foreign namespaces: deleted one by one at `down` (there is no namespace of ours to delete). */
  private foreignPolicies = new Set<string>()
  private containers = new Map<string, string>()

  constructor(private readonly opts: KubeDriverOptions) {
    this.info = { name: 'kube', cni: 'unknown', versions: {}, ...opts.info }
  }

  private get api(): KubeApi {
    return this.opts.api
  }

  async up(scenario: Scenario, signal: AbortSignal): Promise<void> {
    if (!this.opts.createdByUs && !this.opts.allowExisting) {
      throw new UsageError(`refusing to use context "${this.api.context}": netpol-harness did not create this cluster; pass --allow-existing-cluster to run there anyway (it only creates and deletes namespaces labelled ${RUN_LABEL})`)
    }
    if (scenario.externals.length && !this.opts.nodes) throw new InfraError(`scenario ${scenario.name} has external hosts, which the kube driver cannot create on an arbitrary cluster`, { hint: 'use --driver kind, or drop the externals' })
    this.info = { ...this.info, versions: { ...this.info.versions, kubernetes: await this.api.serverVersion() } }
    this.scenario = scenario
    this.pools ??= this.opts.requestIpsIn !== undefined ? [this.opts.requestIpsIn].flat() : ((await this.api.calicoIpPools?.().catch(() => [])) ?? [])
    const assigned = scenario.pods.filter((p) => !this.wantsIp(p.ip))
    if (assigned.length) this.opts.log?.(`${scenario.name}: ${assigned.length} of ${scenario.pods.length} pods get a cluster-assigned address (their scenario address is in no Calico IP pool${this.pools.length ? `: ${this.pools.join(', ')}` : ''}); predictions use the assigned addresses, ipBlock intents may not hold`)
    // Namespaces: ours from a crashed run are removed; anyone else's (kube-system, default, a team's) are used as
    // they are, with their labels, and only our own pods and policies in them are ever touched.
    const existing = new Map((await this.api.listNamespaces()).map((n) => [n.name, n]))
    for (const ns of scenario.namespaces) {
      const found = existing.get(ns.name)
      if (!found) continue
      const labels = found.labels
      if (!labels[RUN_LABEL]) {
        const differ = Object.entries(ns.labels).filter(([k, v]) => labels[k] !== v)
        if (differ.length) throw new InfraError(`namespace ${ns.name} already exists in context ${this.api.context} and was not created by netpol-harness; the scenario gives it labels it does not have (${differ.map(([k, v]) => `${k}=${v}`).join(', ')}; it has ${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ') || 'none'})`, { hint: 'netpol-harness never relabels a namespace it did not create: use its real labels in the scenario, or another namespace name' })
        this.foreign.set(ns.name, labels)
        continue
      }
      // Another run's namespace: a concurrent run on the same cluster keeps it; only a run that is gone leaves it.
      const why = leftoverReason(labels, found.createdAt, Date.now(), this.opts.alive)
      if (!why) throw new InfraError(`namespace ${ns.name} in context ${this.api.context} belongs to netpol-harness run ${labels[RUN_LABEL]}${labels[HOST_LABEL] ? ` (host ${labels[HOST_LABEL]}, pid ${labels[PID_LABEL]})` : ''}, which may still be running`, { hint: `run the two at different times, or give this scenario other namespace names; if that run is gone, kubectl delete namespace ${ns.name}` })
      this.opts.log?.(`removing namespace ${ns.name} left by run ${labels[RUN_LABEL]}: ${why}`)
      await this.api.deleteNamespace(ns.name)
      await this.waitGone(ns.name, signal)
    }
    for (const ns of scenario.namespaces) {
      if (this.foreign.has(ns.name)) continue
      await this.api.createNamespace(ns.name, { ...ns.labels, ...ownerLabels(this.opts.runId) })
      this.created.add(ns.name)
    }
    const serves = uniqueTargets(scenario)
    for (const p of scenario.pods) {
      const manifest = podManifest({ ...p, ...(p.node ? { node: this.opts.nodes?.nodeName(p.node) ?? p.node } : {}) }, serves, this.opts.runId, this.wantsIp(p.ip))
      this.containers.set(`${p.namespace}/${p.name}`, probeContainer(manifest))
      if (this.foreign.has(p.namespace)) await this.removeLeftoverPod(p.namespace, p.name, signal)
      await this.api.createPod(p.namespace, manifest)
    }
    if (this.opts.nodes) await this.opts.nodes.upExternals(scenario, (name) => scenario.externals.find((e) => e.name === name)!.ports.map((cp) => ({ port: cp.port, protocol: cp.protocol })))
    const ips = await this.waitReady(scenario, signal)
    const initial = initialState(scenario)
    this.current = {
      ...initial,
      // A foreign namespace is predicted with the labels it really has (the scenario's are a subset of them).
      namespaces: initial.namespaces.map((n) => (this.foreign.has(n.name) ? { ...n, labels: this.foreign.get(n.name)! } : n)),
      pods: scenario.pods.map((p) => ({ ...p, ...ips.get(`${p.namespace}/${p.name}`)! })),
    }
    this.opts.log?.(`pods ready in context ${this.api.context}: ${scenario.pods.length} pods, ${scenario.externals.length} externals`)
  }

  /** A pod of ours left in a foreign namespace by a crashed run is deleted; a pod of that name we do not own stops the scenario. */
  private async removeLeftoverPod(namespace: string, name: string, signal: AbortSignal): Promise<void> {
    const old = await this.api.getPod(namespace, name)
    if (!old) return
    if (!old.labels[RUN_LABEL]) throw new InfraError(`pod ${namespace}/${name} already exists in context ${this.api.context} and was not created by netpol-harness`, { hint: 'rename the scenario pod' })
    await this.api.deletePod(namespace, name, 0)
    for (let i = 0; i < 240 && !signal.aborted && (await this.api.getPod(namespace, name)); i++) await sleep(250, signal)
  }

  private wantsIp(ip: string): boolean {
    return (this.pools ?? []).some((cidr) => {
      try {
        return inRange(parseAddress(ip), parseCidr(cidr))
      } catch {
        return false
      }
    })
  }

  /** Polls until every probe pod is Ready; returns their IPs and nodes. */
  private async waitReady(s: Scenario, signal: AbortSignal): Promise<Map<string, { ip: string; node?: string }>> {
    const deadline = Date.now() + (this.opts.podReadyTimeoutMs ?? 180000)
    const out = new Map<string, { ip: string; node?: string }>()
    while (!signal.aborted) {
      for (const p of s.pods) {
        const key = `${p.namespace}/${p.name}`
        if (out.has(key)) continue
        const info = await this.api.getPod(p.namespace, p.name)
        if (info?.ready && info.ip) out.set(key, { ip: info.ip, ...(info.node ? { node: info.node } : {}) })
      }
      if (out.size === s.pods.length) return out
      if (Date.now() > deadline) {
        const waiting = s.pods.filter((p) => !out.has(`${p.namespace}/${p.name}`)).map((p) => `${p.namespace}/${p.name}`)
        const events = (await Promise.all([...new Set(waiting.map((w) => w.split('/')[0]))].map((ns) => this.api.events(ns)))).flat().slice(-20)
        throw new InfraError(`probe pods not Ready after ${Math.round((this.opts.podReadyTimeoutMs ?? 180000) / 1000)} s: ${waiting.join(', ')}\n${events.join('\n')}`, { hint: 'is the agnhost image loaded (kind load docker-image) and is the CNI ready?' })
      }
      await sleep(500, signal)
    }
    signal.throwIfAborted()
    return out
  }

  private async waitGone(ns: string, signal: AbortSignal): Promise<void> {
    for (let i = 0; i < 240 && !signal.aborted; i++) {
      if (!(await this.api.listNamespaces()).some((n) => n.name === ns)) return
      await sleep(500, signal)
    }
    throw new InfraError(`namespace ${ns} is still terminating after 2 minutes`)
  }

  async apply(actions: readonly Action[]): Promise<void> {
    if (!this.current) throw new InfraError('apply before up')
    for (const a of actions) {
      switch (a.kind) {
        case 'apply-policy':
          await this.api.applyPolicy(a.policy)
          if (this.foreign.has(a.policy.metadata.namespace)) this.foreignPolicies.add(`${a.policy.metadata.namespace}/${a.policy.metadata.name}`)
          break
        case 'delete-policy':
          await this.api.deletePolicy(a.namespace, a.name)
          break
        case 'set-pod-labels': {
          const pod = this.current.pods.find((p) => p.namespace === a.namespace && p.name === a.pod)!
          await this.api.patchPodLabels(a.namespace, a.pod, replaceLabels(pod.labels, a.labels, { [RUN_LABEL]: this.opts.runId, [POD_LABEL]: a.pod }))
          break
        }
        case 'set-namespace-labels': {
          if (this.foreign.has(a.namespace)) throw new InfraError(`will not relabel namespace ${a.namespace}: netpol-harness did not create it`, { hint: 'relabel a namespace the scenario creates' })
          const ns = this.current.namespaces.find((n) => n.name === a.namespace)!
          await this.api.patchNamespaceLabels(a.namespace, replaceLabels(ns.labels, a.labels, { ...ownerLabels(this.opts.runId), [NAMESPACE_NAME_LABEL]: a.namespace }))
          break
        }
        default:
          assertNever(a, 'action')
      }
      this.current = applyAction(this.current, a)
    }
  }

  state(): ClusterState {
    if (!this.current) throw new InfraError('state before up')
    return this.current
  }

  unsupported(): string | undefined {
    return undefined
  }

  /** Pods: Ready means every server container passed its readiness check on its port; externals: as the node side checked. */
  listening(destination: string, target: Target): boolean {
    const pod = this.current?.pods.find((p) => `${p.namespace}/${p.name}` === destination)
    // SCTP containers (porter) carry no readiness check, so Ready says nothing about them.
    if (pod) return target.protocol !== 'SCTP' && this.scenario !== undefined && uniqueTargets(this.scenario).some((t) => t.port === target.port && t.protocol === target.protocol)
    return this.opts.nodes?.listening?.(destination, target) ?? false
  }

  async probe(connections: readonly ProbeConnection[], timeoutMs: number): Promise<RawOutcome[]> {
    const bySource = new Map<string, (ConnectSpec & { to: string })[]>()
    for (const c of connections) bySource.set(c.from, [...(bySource.get(c.from) ?? []), { key: c.key, ip: c.ip, port: c.target.port, protocol: c.target.protocol, to: c.to }])
    const results = await Promise.all(
      [...bySource].map(async ([from, conns]) => {
        const command = probeCommand(conns, timeoutMs)
        const budget = timeoutMs + 15000
        const pod = this.current!.pods.find((p) => `${p.namespace}/${p.name}` === from)
        const r = pod ? await this.api.exec(pod.namespace, pod.name, this.containers.get(from)!, command, budget) : await this.opts.nodes!.execExternal(from, command, budget)
        // A failed exec is a probe error for every connection of that pod, never a blocked connection.
        if (r.error !== undefined || r.exitCode === undefined) return conns.map((c): RawOutcome => ({ key: c.key, outcome: 'error', latencyMs: 0, detail: `exec in ${from} failed: ${r.error ?? r.stderr}` }))
        return parseProbeOutput(conns, r.stdout, (c) => (c as (typeof conns)[number]).to)
      }),
    )
    return results.flat()
  }

  chaosUnsupported(action: InfraChaos): string | undefined {
    // Deleting calico-node is all an existing cluster allows: the DaemonSet replaces it at once, so a downtime needs the nodes.
    if (action.action === 'restart-agent' && action.downForMs > 0 && !this.opts.nodes?.freezeAgent) return `restart-agent with downFor ${action.downForMs} ms needs access to the nodes to keep the agent down (the kind driver has it; on an existing cluster use downFor: 0s)`
    if (action.action === 'restart-agent' || action.action === 'recreate-pod') return undefined
    return this.opts.nodes ? this.opts.nodes.chaosUnsupported(action) : `${action.action} needs access to the nodes (the kind driver has it; an existing cluster does not)`
  }

  async chaos(action: InfraChaos, signal: AbortSignal): Promise<void> {
    switch (action.action) {
      case 'restart-agent':
        return this.restartCalicoNode(action.node, action.downForMs, signal)
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

  /** Keeps calico-node down for `downForMs` (frozen on its nodes), deletes its pods (on one node or all) and waits for their replacements to be Ready. */
  private async restartCalicoNode(ref: string, downForMs: number, signal: AbortSignal): Promise<void> {
    const node = ref === 'all' ? undefined : (this.opts.nodes?.nodeName(ref) ?? ref)
    let ns = ''
    let victims: { name: string; node?: string }[] = []
    for (const candidate of CALICO_NAMESPACES) {
      const pods = await this.api.listPods(candidate, 'k8s-app=calico-node')
      if (pods.length) {
        ns = candidate
        victims = pods.filter((p) => !node || p.node === node)
        break
      }
    }
    if (!victims.length) throw new InfraError(`no calico-node pod found${node ? ` on ${node}` : ''} (looked in ${CALICO_NAMESPACES.join(', ')})`)
    if (downForMs > 0) {
      if (!this.opts.nodes?.freezeAgent) throw new InfraError(`restart-agent with downFor needs access to the nodes`)
      await this.opts.nodes.freezeAgent([...new Set(victims.flatMap((v) => (v.node ? [v.node] : [])))], downForMs, signal)
    }
    await Promise.all(victims.map((v) => this.api.deletePod(ns, v.name, 0)))
    const gone = new Set(victims.map((v) => v.name))
    const nodes = new Set(victims.map((v) => v.node))
    const deadline = Date.now() + 180000
    while (!signal.aborted && Date.now() < deadline) {
      const pods = await this.api.listPods(ns, 'k8s-app=calico-node')
      const fresh = pods.filter((p) => !gone.has(p.name) && nodes.has(p.node) && p.ready)
      if (fresh.length >= victims.length) return
      await sleep(500, signal)
    }
    signal.throwIfAborted()
    throw new InfraError(`calico-node did not come back Ready within 3 minutes on ${[...nodes].join(', ')}`)
  }

  /** Deletes a probe pod and creates it again (same labels); its new IP is read back. */
  private async recreatePod(namespace: string, name: string, signal: AbortSignal): Promise<void> {
    const spec = this.scenario!.pods.find((p) => p.namespace === namespace && p.name === name)!
    const current = this.current!.pods.find((p) => p.namespace === namespace && p.name === name)!
    await this.api.deletePod(namespace, name, 0)
    for (let i = 0; i < 240 && !signal.aborted && (await this.api.getPod(namespace, name)); i++) await sleep(250, signal)
    await this.api.createPod(namespace, podManifest({ ...spec, labels: current.labels, ...(spec.node ? { node: this.opts.nodes?.nodeName(spec.node) ?? spec.node } : {}) }, uniqueTargets(this.scenario!), this.opts.runId, this.wantsIp(spec.ip)))
    const ips = await this.waitReady({ ...this.scenario!, pods: [spec] }, signal)
    const fresh = ips.get(`${namespace}/${name}`)!
    this.current = { ...this.current!, pods: this.current!.pods.map((p) => (p === current ? { ...p, ...fresh } : p)) }
  }

  /** Diagnostics for the report when something failed: events of our namespaces, and the node side if known. */
  async diagnostics(): Promise<string[]> {
    const out: string[] = []
    for (const ns of this.created) out.push(...(await this.api.events(ns).catch(() => [])).slice(-20).map((e) => `${ns}: ${e}`))
    if (this.opts.nodes) out.push(...(await this.opts.nodes.diagnostics().catch((e) => [`diagnostics failed: ${(e as Error).message}`])))
    return out
  }

  /** Deletes only the namespaces this run created (they carry its run id), its pods and policies in foreign namespaces, and the external hosts. */
  async down(): Promise<void> {
    for (const id of this.foreignPolicies) await this.api.deletePolicy(id.split('/')[0], id.split('/')[1]).catch(() => {})
    for (const ns of this.foreign.keys()) {
      const pods = await this.api.listPods(ns, `${RUN_LABEL}=${this.opts.runId}`).catch(() => [])
      await Promise.all(pods.map((p) => this.api.deletePod(ns, p.name, 0).catch(() => {})))
    }
    this.foreignPolicies.clear()
    this.foreign.clear()
    const mine = (await this.api.listNamespaces(`${RUN_LABEL}=${this.opts.runId}`).catch(() => [])).map((n) => n.name)
    await Promise.all(mine.map((n) => this.api.deleteNamespace(n).catch(() => {})))
    this.created.clear()
    await this.opts.nodes?.downExternals()
  }
}

/** A label patch that replaces all labels but the harness's own (null removes a key). */
export function replaceLabels(old: Readonly<Record<string, string>>, next: Readonly<Record<string, string>>, keep: Readonly<Record<string, string>>): Record<string, string | null> {
  const patch: Record<string, string | null> = {}
  for (const k of Object.keys(old)) if (!(k in next) && !(k in keep)) patch[k] = null
  return { ...patch, ...next, ...keep }
}

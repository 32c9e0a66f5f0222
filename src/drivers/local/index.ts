// Why: the `local` driver: a "cluster" of network namespaces with an nftables dataplane, run for real.
import pLimit from 'p-limit'
import { InfraError } from '../../errors.js'
import { type IPFamily, type Pod, type ServedPort, type Target, ipFamilyOf, isIcmp, podId } from '../../model/cluster.js'
import type { Action, Scenario } from '../../model/scenario.js'
import type { HairpinMode } from '../../evaluator/services.js'
import type { ClusterState } from '../../model/state.js'
import { applyAction, initialState } from '../../scenario/apply-actions.js'
import { uniqueTargets } from '../../scenario/targets.js'
import {
  type ConnectSpec,
  type Driver,
  type DriverInfo,
  type InfraChaos,
  type ProbeConnection,
  type ProbeOptions,
  type RawOutcome,
  viaUnsupported,
} from '../driver.js'
import {
  type NatEntry,
  type NodePortEntry,
  entryNode,
  natEntryFor,
  nodePortEntryFor,
  nodePortScript,
  planNodePorts,
  planServiceNat,
  serviceName,
  serviceNatScript,
  serviceRecords,
} from './services-nat.js'
import { connectSpec, probeBySource } from '../probe-fanout.js'
import { Agent, findPython, launchBurst } from './agents.js'
import { cleanupSessions } from './cleanup.js'
import type { Faults } from './compile-nft.js'
import { LocalDataplane } from './dataplane.js'
import { allocateAddresses } from '../../scenario/addresses.js'
import { DEFAULT_POD_CIDR } from '../../scenario/parse-cluster.js'
import type { AgentCommand } from './agent-protocol.js'
import { assertNever } from '../../util/assert-never.js'
import { sleep } from '../../util/sleep.js'
import { type Exec, defaultExec, execOrThrow } from '../exec.js'
import { claimSession, newSessionId, releaseSession } from './names.js'
import { preflight } from './preflight.js'
import { localScenarioUnsupported } from './supports.js'
import { type PoolKey, type TopologyPool, poolKey } from './reuse.js'
import {
  type EndpointPlan,
  GATEWAY,
  GATEWAY6,
  type TopologyPlan,
  buildTopology,
  checkPlan,
  planTopology,
  rebuildPod,
  reconcilePlan,
  reconcileTopology,
  restartNodeLinks,
} from './topology.js'

/** How the local cluster is laid out and which faults its dataplane has. */
export interface LocalDriverOptions {
  readonly nodes?: number
  /** Hedged attempts per connection within one timeout, so a lost packet is not a blocked verdict (default 3). */
  readonly attempts?: number
  /** How often each node agent re-programs its rules in full, repairing flushes (default 2 s; 0 never). */
  readonly resyncMs?: number
  readonly faults?: Faults
  /** Hairpin traffic (a pod to itself through its Service): allowed (default) or dropped in the pod's NAT table. */
  readonly hairpin?: HairpinMode
  readonly exec?: Exec
  /** Progress lines (topology up, agents started). */
  readonly log?: (line: string) => void
  /**
   * Topologies shared between the scenarios of a run (`reuse.ts`): `up` takes a parked one of the same layout and
   * resets it; `down` parks a healthy one instead of removing it. The caller closes the pool at the end of the run.
   */
  readonly pool?: TopologyPool<LocalDriver>
}

/** The local driver: topology, dataplane and agents for one scenario, removed at down. */
export class LocalDriver implements Driver {
  info: DriverInfo = { name: 'local', cni: 'netpol-harness local nftables dataplane', versions: {} }
  /** Agents answer overlapping rounds: a 200 ms sample interval holds with a 500 ms timeout. */
  readonly sampleConcurrency = 3
  private readonly exec: Exec
  private sid = newSessionId()
  /** The scenario's pool key when its topology may be handed on (reuse.ts). */
  private key?: PoolKey
  /** Something the driver did failed (an agent, the dataplane, a chaos action): its topology is never handed on. */
  private failed = false
  private plan?: TopologyPlan
  private current?: ClusterState
  /** The agent process of each node (by node namespace) and of the externals (by the fabric's). */
  private processes = new Map<string, Agent>()
  /** Which agent serves and probes for each pod and external (by endpoint id), while it is served. */
  private agents = new Map<string, Agent>()
  private claimed = false
  private dataplane?: LocalDataplane
  private scenario?: Scenario
  /** Every address ever given to a pod in this cluster (a recreated pod never gets an old one back). */
  private used = new Set<string>()
  /** Pods being deleted and created again: their probes fail as a real pod's would, without failing the run. */
  private recreating = new Set<string>()

  constructor(private readonly opts: LocalDriverOptions = {}) {
    this.exec = opts.exec ?? defaultExec
  }

  async up(scenario: Scenario, signal: AbortSignal): Promise<void> {
    const key = poolKey(scenario, this.opts.nodes ?? 2)
    const parked = this.opts.pool?.take(key)
    this.key = key
    if (parked) return this.adopt(parked, scenario)
    await this.build(scenario, signal)
  }

  /** What each endpoint of the scenario serves (pods: every probed port; externals: their own ports), SCTP aside. */
  private servePortsOf(scenario: Scenario): (id: string) => ServedPort[] {
    return (id) => {
      const pod = scenario.pods.find((p) => podId(p) === id)
      const all = pod ? uniqueTargets(scenario) : scenario.externals.find((e) => e.name === id)!.ports
      return all.filter((t) => t.protocol !== 'SCTP').map((t) => ({ port: t.port, protocol: t.protocol }))
    }
  }

  /**
   * Takes over a parked topology and resets it to a fresh cluster's state. One of another layout (on the same nodes,
   * `reuse.ts`) is reconciled first: the pods and externals this scenario does not have are removed (their endpoints
   * in the agents, their namespaces, links and routes), the ones it has and the topology not (or with other addresses
   * or on another node) added. Then, as for the same layout: the dataplane programmed from scratch (its table
   * replaced) from the new scenario's initial state, packet loss as the run asked, and every node's conntrack
   * flushed, so no flow of the previous scenario can decide a verdict here.
   */
  private async adopt(from: LocalDriver, scenario: Scenario): Promise<void> {
    const t0 = Date.now()
    this.info = from.info
    this.sid = from.sid
    this.plan = from.plan
    this.processes = from.processes
    this.agents = from.agents
    this.claimed = true
    from.claimed = false
    from.processes = new Map()
    from.agents = new Map()
    this.scenario = scenario
    this.current = initialState(scenario)
    for (const e of [...scenario.pods, ...scenario.externals]) for (const ip of e.ips ?? [e.ip]) this.used.add(ip)
    this.servePorts = this.servePortsOf(scenario)
    await this.guard(async () => {
      const fresh = planTopology(scenario, this.sid, this.opts.nodes ?? 2)
      checkPlan(fresh)
      const r = reconcilePlan(from.plan!, fresh)
      if (!r) throw new InfraError(`the parked topology nph-${this.sid}-* has other nodes than ${scenario.name} needs`)
      const removed = [...r.removedPods, ...r.removedExternals]
      const added = [...r.addedPods, ...r.addedExternals]
      // Their sockets closed first: they would keep a removed namespace alive, and answer for a removed endpoint.
      await Promise.all(
        removed.map(async (e) => {
          await this.agents.get(e.id)?.send({ cmd: 'unserve', identity: e.id }, 15000)
          this.agents.delete(e.id)
        }),
      )
      await reconcileTopology(r, this.exec)
      const plan = (this.plan = r.plan)
      this.dataplane = this.newDataplane(plan)
      // The layout leaves the served ports out (reuse.ts): a kept endpoint serving other ports than this scenario's is
      // served again (its agent closes the old sockets and binds the new ones), so what listens is this scenario's.
      const ports = (serve: (id: string) => readonly { port: number; protocol: string }[], id: string) =>
        serve(id)
          .map((t) => `${t.port}/${t.protocol}`)
          .sort()
          .join(',')
      const reserve = [...plan.pods, ...plan.externals].filter(
        (e) => !added.includes(e) && ports(from.servePorts, e.id) !== ports(this.servePorts, e.id),
      )
      const limit = pLimit(64)
      await Promise.all([
        ...reserve.map((e) => limit(() => this.startAgent(e))),
        ...added.map((e) => limit(() => this.startAgent(e, e.node ? e.ips : undefined))),
      ])
      await this.dataplane.start()
      // A chaos step's packet loss ends with its action; removed here too in case it was cut short.
      if (!this.opts.faults?.lossPercent) await Promise.all(plan.nodes.map((n) => this.dataplane!.setLoss(n.ns, 0)))
      await Promise.all([...this.processes.values()].map((a) => a.send({ cmd: 'flush-conntrack' }, 15000)))
      const what = `${plan.nodes.length} nodes, ${plan.pods.length} pods, ${plan.externals.length} externals`
      const served = reserve.length ? `, ${reserve.length} endpoints serving other ports` : ''
      this.opts.log?.(
        removed.length || added.length
          ? `topology reconciled (namespaces nph-${this.sid}-*): ${what}; ${r.removedPods.length} pods removed, ${r.addedPods.length} added${r.removedExternals.length || r.addedExternals.length ? `, ${r.removedExternals.length} externals removed, ${r.addedExternals.length} added` : ''} in ${secs(Date.now() - t0)}${served}`
          : `topology reused (namespaces nph-${this.sid}-*): ${what}, reset in ${secs(Date.now() - t0)}${served}`,
      )
    })
  }

  /** `nft -f` in a node's namespace: by its agent (libnftables in-process) unless that is not available here. */
  private nftInAgents = true

  private newDataplane(plan: TopologyPlan): LocalDataplane {
    return new LocalDataplane(plan, () => this.current!, this.current!, {
      exec: this.exec,
      resyncMs: this.opts.resyncMs ?? 2000,
      faults: this.opts.faults,
      nft: async (ns, script) => {
        const agent = this.processes.get(ns)
        if (this.nftInAgents && agent?.running) {
          try {
            return (await agent.send({ cmd: 'nft', script }, 30000)).output ?? ''
          } catch (e) {
            if (!/no libnftables/.test((e as Error).message)) throw e
            this.nftInAgents = false
          }
        }
        return execOrThrow(this.exec, ['ip', 'netns', 'exec', ns, 'nft', '-f', '-'], { input: script })
      },
    })
  }

  /** Runs a driver operation; if it throws, this topology is never handed on to another scenario. */
  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (e) {
      this.failed = true
      throw e
    }
  }

  /** Builds the scenario's own topology: namespaces, links, dataplane, agents. */
  private async build(scenario: Scenario, signal: AbortSignal): Promise<void> {
    const versions = await preflight(this.exec)
    this.info = { ...this.info, versions: { ...versions, node: process.version } }
    const stale = await cleanupSessions(this.exec)
    if (stale.length) this.opts.log?.(`removed ${stale.length} namespaces left by an earlier run that did not finish`)
    const plan = planTopology(scenario, this.sid, this.opts.nodes ?? 2)
    checkPlan(plan)
    claimSession(this.sid)
    this.claimed = true
    this.plan = plan
    this.current = initialState(scenario)
    this.scenario = scenario
    for (const e of [...scenario.pods, ...scenario.externals]) for (const ip of e.ips ?? [e.ip]) this.used.add(ip)
    const t0 = Date.now()
    await buildTopology(plan, this.exec, { podSides: false })
    const tLinks = Date.now()
    signal.throwIfAborted()
    // One agent process per node, serving and probing for all its pods, and one for the externals; the node agents
    // also apply their node's rulesets (libnftables in-process), so they start before the dataplane.
    const servePorts = this.servePortsOf(scenario)
    const burst = launchBurst(plan.nodes.length + (plan.externals.length ? 1 : 0))
    const python = (await findPython(this.exec))?.executable
    for (const n of plan.nodes) this.processes.set(n.ns, new Agent(n.ns, burst, python))
    if (plan.externals.length) this.processes.set(plan.fabricNs, new Agent(plan.fabricNs, burst, python))
    await Promise.all([...this.processes.values()].map((a) => a.started(60000)))
    const tAgents = Date.now()
    this.dataplane = this.newDataplane(plan)
    await this.dataplane.start()
    const tDataplane = Date.now()
    const limit = pLimit(64)
    this.servePorts = servePorts
    // A resolver in the scenario (kube-system/kube-dns): its pods answer DNS for every Service (ClusterIPs as planned).
    const services = scenario.services ?? []
    if (services.some((x) => x.namespace === 'kube-system' && x.name === 'kube-dns')) this.records = serviceRecords(services, scenario.pods)
    await Promise.all([...plan.pods, ...plan.externals].map((e) => limit(() => this.startAgent(e, e.node ? e.ips : undefined))))
    await this.programServices()
    this.opts.log?.(
      `topology up (namespaces nph-${this.sid}-*): ${plan.nodes.length} nodes, ${plan.pods.length} pods, ${plan.externals.length} externals in ${secs(Date.now() - t0)} (links ${secs(tLinks - t0)}, dataplane ${secs(tDataplane - tAgents)}, agents ${secs(tAgents - tLinks + Date.now() - tDataplane)})`,
    )
  }

  /** The session id naming this driver's namespaces (`nph-<sid>-*`; a topology taken over keeps its own). */
  get session(): string {
    return this.sid
  }

  /**
   * Where the scenario's pods and externals are (namespaces, links), once up: `planTopology`'s for a topology built
   * or taken over as it was, another once reconciled from another layout (`reconcilePlan`).
   */
  get topology(): TopologyPlan | undefined {
    return this.plan
  }

  /** The agent processes' ids (the bench reads their CPU time). */
  agentPids(): number[] {
    return [...this.processes.values()].flatMap((a) => (a.pid ? [a.pid] : []))
  }

  private servePorts: (id: string) => ServedPort[] = () => []

  /** DNAT entries of the Services (services-nat.ts), planned at up from the scenario's pods and again when one is recreated. */
  private nat: NatEntry[] = []

  /** The Services' names and ClusterIPs every agent answers DNS queries with, when a resolver is declared. */
  private records?: Record<string, string[]>

  /** NodePort DNAT entries (services-nat.ts), planned with `nat`. */
  private nodePorts: NodePortEntry[] = []

  /**
   * A `service-ip` probe: to the backend's Service ClusterIP, marked so the pod's NAT picks that backend. A
   * `node-port` probe: to the node port of the node `entryNode` picks, its DSCP value pinning the backend.
   */
  private serviceConnect(c: ProbeConnection): ConnectSpec | undefined {
    if (c.target.via === 'node-port') {
      const e = nodePortEntryFor(this.nodePorts, c.to, c.target)
      const node = e && entryNode(e, this.plan?.nodes ?? [])
      // No entry: as for service-ip below, probe an address nothing answers on.
      if (!e || !node) return { key: c.key, ip: '10.96.255.255', port: c.target.port, protocol: c.target.protocol }
      return { key: c.key, ip: node.ip, port: e.nodePort, protocol: c.target.protocol, tos: e.dscp << 2 }
    }
    if (c.target.via !== 'service-ip' && c.target.via !== 'service-name') return undefined
    const e = natEntryFor(this.nat, c.to, c.target)
    // service-name: the agent asks the scenario's resolver (kube-system/kube-dns) for the name, a real query from the
    // client's namespace; without one the name is resolved here, as the agent's answer would be (docs/services.md).
    const [ns, svc] = e?.service.split('/') ?? []
    // The lookup goes in the cell's family (the evaluator's dnsTarget): an AAAA query to the resolver's IPv6 ClusterIP.
    const v6 = e?.family === 'IPv6'
    const resolver =
      this.records && e ? this.records[serviceName('kube-system', 'kube-dns')]?.find((a) => a.includes(':') === v6) : undefined
    if (resolver && c.target.via === 'service-name')
      return {
        key: c.key,
        ip: e!.clusterIP,
        port: c.target.port,
        protocol: c.target.protocol,
        mark: e!.mark,
        resolve: { name: serviceName(ns, svc), server: resolver, ...(v6 ? { aaaa: true } : {}) },
      }
    // No entry: the evaluator found a backend the NAT did not (never, as both resolve alike); probe nothing real.
    return {
      key: c.key,
      ip: e?.clusterIP ?? '10.96.255.255',
      port: c.target.port,
      protocol: c.target.protocol,
      ...(e ? { mark: e.mark } : {}),
    }
  }

  /** The ClusterIP its NAT gave a Service (`namespace/name`), undefined when it has no backend; the kube rehearsal's API reads it. */
  clusterIP(service: string): string | undefined {
    return this.clusterIPs(service)[0]
  }

  /** Every ClusterIP its NAT gave a Service, one per family (IPv4 first), as `spec.clusterIPs` lists them. */
  clusterIPs(service: string): string[] {
    const ips = [...new Set(this.nat.filter((e) => e.service === service).map((e) => e.clusterIP))]
    return ips.sort((a, b) => Number(a.includes(':')) - Number(b.includes(':')))
  }

  /** The pod `id` as it is now (a recreated pod has new addresses). */
  private podNow(id: string): Pod {
    return this.current!.pods.find((x) => podId(x) === id)!
  }

  /** Programs every pod's namespace with the Services' NAT (replacing what was there). */
  private async programServices(): Promise<void> {
    const services = this.current?.services ?? []
    if (!services.length || !this.plan) return
    this.nat = planServiceNat(services, this.current!.pods)
    const beforeDnat = this.opts.faults?.modes?.includes('policy-before-dnat')
    const dropHairpin = this.opts.hairpin === 'dropped'
    const plan = this.plan
    const nodeOf = (id: string) => plan.pods.find((p) => p.id === id)?.node?.name
    this.nodePorts = planNodePorts(services, this.current!.pods, nodeOf) ?? []
    const noSnat = this.opts.faults?.modes?.includes('nodeport-no-snat')
    const limit = pLimit(16)
    const nft = (ns: string, input: string) => limit(() => execOrThrow(this.exec, ['ip', 'netns', 'exec', ns, 'nft', '-f', '-'], { input }))
    await Promise.all([
      ...plan.pods.map((p) => nft(p.ns, serviceNatScript(this.nat, beforeDnat, dropHairpin ? addressesOf(this.podNow(p.id)) : []))),
      ...(this.nodePorts.length ? plan.nodes.map((n) => nft(n.ns, nodePortScript(n, this.nodePorts, noSnat))) : []),
    ])
  }

  /** Every agent answered `serve` only once all its sockets were bound, so what it serves is known to listen. */
  listening(destination: string, target: Target): boolean {
    return (
      this.agents.has(destination) && this.servePorts(destination).some((t) => t.port === target.port && t.protocol === target.protocol)
    )
  }

  /**
   * Has the agent of a pod's node (or of the externals) serve it on each family it has an address of, after
   * setting up a new pod's side of its link with `setupIps` (pods only).
   */
  private async startAgent(e: EndpointPlan, setupIps?: readonly string[], ips: readonly string[] = e.ips): Promise<void> {
    const agent = this.processes.get(e.node?.ns ?? this.plan!.fabricNs)
    if (!agent) throw new InfraError(`no agent process for ${e.id}`)
    const listen = this.servePorts(e.id)
    const families = [...new Set(ips.map(ipFamilyOf))]
    const of = (f: IPFamily) => setupIps?.find((ip) => ipFamilyOf(ip) === f)
    const [ip, ip6] = [of('IPv4'), of('IPv6')]
    const setup: NonNullable<Extract<AgentCommand, { cmd: 'serve' }>['setup']> = {
      gateway: GATEWAY,
      ...(ip ? { ip } : {}),
      ...(ip6 ? { ip6, gateway6: GATEWAY6 } : {}),
    }
    await agent.send(
      {
        cmd: 'serve',
        identity: e.id,
        netns: `/run/netns/${e.ns}`,
        listen,
        ...(families.includes('IPv6') ? { families } : {}),
        ...(setupIps ? { setup } : {}),
        ...(this.records ? { dns: this.records } : {}),
      },
      15000,
    )
    this.agents.set(e.id, agent)
  }

  async apply(actions: readonly Action[]): Promise<void> {
    if (!this.current || !this.dataplane) throw new InfraError('apply before up')
    for (const a of actions) this.current = applyAction(this.current, a)
    await this.guard(() => this.dataplane!.changed())
  }

  chaosUnsupported(): string | undefined {
    return undefined
  }

  /** IPv6, too many nodes, chaos on nodes this cluster does not have: see `supports.ts`. */
  scenarioUnsupported(scenario: Scenario): string | undefined {
    return localScenarioUnsupported(scenario, this.opts.nodes ?? 2)
  }

  chaos(action: InfraChaos, signal: AbortSignal): Promise<void> {
    return this.guard(() => this.chaosAction(action, signal))
  }

  private async chaosAction(action: InfraChaos, signal: AbortSignal): Promise<void> {
    const dp = this.dataplane
    if (!dp || !this.plan || !this.current) throw new InfraError('chaos before up')
    const wait = (ms: number) => sleep(ms, signal)
    switch (action.action) {
      case 'restart-agent': {
        const nodes = dp.nodes(action.node)
        nodes.forEach((ns) => dp.stopAgent(ns))
        await wait(action.downForMs)
        await Promise.all(nodes.map((ns) => dp.startAgent(ns)))
        return
      }
      case 'flush-dataplane':
        await Promise.all(dp.nodes(action.node).map((ns) => dp.flush(ns)))
        return
      case 'packet-loss': {
        const nodes = dp.nodes(action.node)
        await Promise.all(nodes.map((ns) => dp.setLoss(ns, action.percent)))
        await wait(action.forMs)
        await Promise.all(nodes.map((ns) => dp.setLoss(ns, this.opts.faults?.lossPercent ?? 0)))
        return
      }
      case 'restart-node': {
        const plan = this.plan
        const nodes = dp.nodes(action.node).map((ns) => plan.nodes.find((n) => n.ns === ns)!)
        const ipsOf = (p: EndpointPlan) => {
          const pod = this.current!.pods.find((x) => podId(x) === p.id)
          return pod ? addressesOf(pod) : p.ips
        }
        await Promise.all(nodes.map((n) => restartNodeLinks(plan, n, this.exec, action.downForMs, ipsOf, signal)))
        return
      }
      case 'recreate-pod':
        return this.recreatePod(podId({ namespace: action.namespace, name: action.pod }))
      default:
        return assertNever(action, 'chaos action')
    }
  }

  /** Deletes a pod and creates it again with the same labels and a new address, as a Deployment would. */
  private async recreatePod(id: string): Promise<void> {
    const plan = this.plan!
    const p = plan.pods.find((x) => x.id === id)
    const pod = this.current!.pods.find((x) => podId(x) === id)
    if (!p || !pod) throw new InfraError(`no pod ${id}`)
    // A new address of each family the pod has, from that family's pod CIDR.
    const cidrs = this.scenario?.podCIDRs ?? [this.scenario?.podCIDR ?? DEFAULT_POD_CIDR]
    const oldIps = addressesOf(pod)
    const newIps = oldIps.map((old) => {
      const cidr = cidrs.find((c) => ipFamilyOf(c) === ipFamilyOf(old)) ?? cidrs[0]
      const [ip] = allocateAddresses(cidr, 1, this.used)
      this.used.add(ip)
      return ip
    })
    this.recreating.add(id)
    try {
      // Its sockets closed first: they would keep the old namespace alive.
      await this.agents.get(id)?.send({ cmd: 'unserve', identity: id }, 15000)
      this.agents.delete(id)
      // Delete the veth from the node's side first: a namespace's deletion frees its links only lazily.
      await execOrThrow(this.exec, ['ip', '-n', p.node!.ns, 'link', 'del', p.hostIf!])
      await execOrThrow(this.exec, ['ip', 'netns', 'del', p.ns])
      await rebuildPod(plan, p, oldIps, newIps, this.exec)
      const moved: Pod = { ...pod, ip: newIps[0], ...(pod.ips ? { ips: newIps } : {}) }
      this.current = { ...this.current!, pods: this.current!.pods.map((x) => (x === pod ? moved : x)) }
      await this.startAgent(p, undefined, newIps)
      // Its backend address changed and its namespace is new: every pod's NAT again.
      await this.programServices()
    } finally {
      this.recreating.delete(id)
    }
    await this.dataplane!.changed()
  }

  /** The cluster now, with the nodes' own addresses (what a NodePort backend sees after SNAT). */
  state(): ClusterState {
    if (!this.current) throw new InfraError('state before up')
    if (!this.plan) return this.current
    // The same object while nothing changed: the chaos sampler tells changes by identity.
    if (this.withNodes?.of !== this.current)
      this.withNodes = { of: this.current, state: { ...this.current, nodes: this.plan.nodes.map((n) => ({ name: n.name, ip: n.ip })) } }
    return this.withNodes.state
  }

  /** `state()`'s last answer and the state it was made from. */
  private withNodes?: { of: ClusterState; state: ClusterState }

  unsupported(target: Target): string | undefined {
    if (target.protocol === 'SCTP') return 'this kernel has no SCTP sockets (local driver)'
    // ClusterIP and name probes run through the pods' own NAT, NodePort probes through the nodes' (services-nat.ts);
    // over IPv6 ClusterIPs and names (AAAA records), not NodePorts (nodes have IPv4 addresses).
    if (target.via && (target.family !== 'IPv6' || target.via !== 'node-port')) return undefined
    return viaUnsupported(target, 'local')
  }

  /** One `probe` command per source agent, all its connections in parallel, each hedged (unless `opts.single`). */
  probe(connections: readonly ProbeConnection[], timeoutMs: number, _signal?: AbortSignal, opts?: ProbeOptions): Promise<RawOutcome[]> {
    const attempts = opts?.single ? 1 : (this.opts.attempts ?? 3)
    return probeBySource(connections, async (from, conns) => {
      const connect = conns.map((c) => this.serviceConnect(c) ?? connectSpec(c))
      const gone = (): RawOutcome[] =>
        connect.map((c) => ({ key: c.key, outcome: 'error', latencyMs: 0, detail: `${from} is being recreated` }))
      const agent = this.agents.get(from)
      if (this.recreating.has(from)) return gone()
      if (!agent) throw new InfraError(`no agent for ${from}`)
      try {
        // Slack for a loaded machine, more for a big round: each agent paces all its sources' attempts (launchBurst).
        const budget = timeoutMs + 10000 + Math.round((5 * connections.length) / Math.max(1, this.processes.size))
        const r = await agent.send({ cmd: 'probe', from, timeoutMs, connect, attempts }, budget)
        return echoAnswers(conns, r.results ?? [])
      } catch (e) {
        if (this.recreating.has(from)) return gone()
        this.failed = true
        throw e
      }
    })
  }

  /**
   * Ends the scenario: a healthy topology whose layout may be shared is parked in the pool for the next scenario of
   * the same layout (`reuse.ts`); any other is removed.
   */
  async down(): Promise<void> {
    this.dataplane?.close()
    // A resync in flight must land before another scenario programs this topology, not after.
    await this.dataplane?.idle()
    const healthy =
      this.claimed &&
      !this.failed &&
      !this.dataplane?.failed &&
      this.processes.size > 0 &&
      [...this.processes.values()].every((a) => a.running)
    if (this.opts.pool && this.key !== undefined && healthy && this.opts.pool.park(this.key, this)) return
    await this.destroy()
  }

  /** Kills the agents and removes every namespace of the topology. */
  async destroy(): Promise<void> {
    this.dataplane?.close()
    await Promise.all([...this.processes.values()].map((a) => a.stop()))
    this.processes.clear()
    this.agents.clear()
    if (this.claimed) {
      await cleanupSessions(this.exec, { only: this.sid })
      releaseSession(this.sid)
      this.claimed = false
    }
  }
}

/**
 * An ICMP echo is answered by a kernel, not by our server, so the agent says which address replied: the address
 * probed is the destination's own (every address of the topology is one endpoint's), anything else stays as is and
 * is an error (answered by someone else). TCP and UDP outcomes name the identity the server sent.
 * @internal exported for its test
 */
export function echoAnswers(conns: readonly ProbeConnection[], results: readonly RawOutcome[]): RawOutcome[] {
  const icmp = new Map(conns.filter((c) => isIcmp(c.target)).map((c) => [c.key, c]))
  if (icmp.size === 0) return [...results]
  return results.map((r) => {
    const c = icmp.get(r.key)
    return c && r.outcome === 'connected' && r.answeredBy === c.ip ? { ...r, answeredBy: c.to } : r
  })
}

/** Every address of a pod, primary first. */
function addressesOf(p: Pod): readonly string[] {
  return p.ips ?? [p.ip]
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

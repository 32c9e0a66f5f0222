// Why: the `local` driver: a "cluster" of network namespaces with an nftables dataplane, run for real.
import pLimit from 'p-limit'
import { InfraError } from '../../errors.js'
import type { Target } from '../../model/cluster.js'
import type { Action, Scenario } from '../../model/scenario.js'
import type { ClusterState } from '../../model/state.js'
import { applyAction, initialState } from '../../scenario/apply-actions.js'
import type { Driver, DriverInfo, ProbeConnection } from '../driver.js'
import type { ConnectSpec, RawOutcome } from './agent-protocol.js'
import { Agent } from './agents.js'
import { cleanupSessions } from './cleanup.js'
import { type Faults, compileRulesets } from './compile-nft.js'
import { type Exec, defaultExec } from './exec.js'
import { claimSession, newSessionId, releaseSession } from './names.js'
import { preflight } from './preflight.js'
import { type TopologyPlan, buildTopology, checkPlan, planTopology } from './topology.js'

export interface LocalDriverOptions {
  readonly nodes?: number
  readonly faults?: Faults
  readonly exec?: Exec
  /** Progress lines (topology up, agents started). */
  readonly log?: (line: string) => void
}

export class LocalDriver implements Driver {
  info: DriverInfo = { name: 'local', cni: 'netpol-harness local nftables dataplane', versions: {} }
  private readonly exec: Exec
  private readonly sid = newSessionId()
  private plan?: TopologyPlan
  private current?: ClusterState
  private agents = new Map<string, Agent>()
  private programmed = new Map<string, string>()
  private claimed = false
  /** The state at `up`: what a dataplane with stale labels keeps using. */
  private initial?: ClusterState
  private late?: { timer: NodeJS.Timeout; error?: unknown }

  constructor(private readonly opts: LocalDriverOptions = {}) {
    this.exec = opts.exec ?? defaultExec
  }

  async up(scenario: Scenario, signal: AbortSignal): Promise<void> {
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
    this.initial = this.current
    const t0 = Date.now()
    await buildTopology(plan, this.exec)
    signal.throwIfAborted()
    await this.program()
    // One agent per pod and per external: it serves the probe targets and probes on command.
    const servePorts = (id: string): { port: number; protocol: Target['protocol'] }[] => {
      const pod = scenario.pods.find((p) => `${p.namespace}/${p.name}` === id)
      const all = pod ? uniqueTargets(scenario) : scenario.externals.find((e) => e.name === id)!.ports
      return all.filter((t) => t.protocol !== 'SCTP').map((t) => ({ port: t.port, protocol: t.protocol }))
    }
    const limit = pLimit(8)
    await Promise.all(
      [...plan.pods, ...plan.externals].map((e) =>
        limit(async () => {
          const agent = new Agent(e.ns)
          this.agents.set(e.id, agent)
          await agent.send({ cmd: 'serve', identity: e.id, listen: servePorts(e.id) }, 15000)
        }),
      ),
    )
    this.opts.log?.(`topology up (namespaces nph-${this.sid}-*): ${plan.nodes.length} nodes, ${plan.pods.length} pods, ${plan.externals.length} externals in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  }

  /** Compiles the desired state and programs every node whose ruleset changed, each in one nft transaction. */
  private async program(): Promise<void> {
    let state = this.current!
    if (this.opts.faults?.modes?.includes('stale-labels')) {
      // The bug: label changes never reach the dataplane.
      const was = new Map(this.initial!.pods.map((p) => [`${p.namespace}/${p.name}`, p.labels]))
      state = { ...state, namespaces: this.initial!.namespaces, pods: state.pods.map((p) => ({ ...p, labels: was.get(`${p.namespace}/${p.name}`) ?? p.labels })) }
    }
    const rulesets = compileRulesets(state, this.plan!, this.opts.faults)
    await Promise.all(
      [...rulesets].map(async ([ns, script]) => {
        if (this.programmed.get(ns) === script) return
        const r = await this.exec('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: script })
        if (r.exitCode !== 0) throw new InfraError(`nft failed in ${ns}: ${r.stderr}\n--- ruleset ---\n${script}`)
        this.programmed.set(ns, script)
      }),
    )
  }

  async apply(actions: readonly Action[]): Promise<void> {
    if (!this.current) throw new InfraError('apply before up')
    if (this.late?.error) throw this.late.error
    for (const a of actions) this.current = applyAction(this.current, a)
    const lateMs = this.opts.faults?.lateMs ?? 0
    if (lateMs <= 0) return this.program()
    // The bug: changes are accepted at once but reach the dataplane late.
    if (this.late) clearTimeout(this.late.timer)
    const late: { timer: NodeJS.Timeout; error?: unknown } = { timer: setTimeout(() => void this.program().catch((e) => (late.error = e)), lateMs) }
    this.late = late
  }

  state(): ClusterState {
    if (!this.current) throw new InfraError('state before up')
    return this.current
  }

  unsupported(target: Target): string | undefined {
    return target.protocol === 'SCTP' ? 'this kernel has no SCTP sockets (local driver)' : undefined
  }

  async probe(connections: readonly ProbeConnection[], timeoutMs: number): Promise<RawOutcome[]> {
    const bySource = new Map<string, ConnectSpec[]>()
    for (const c of connections) {
      const list = bySource.get(c.from) ?? []
      list.push({ key: c.key, ip: c.ip, port: c.target.port, protocol: c.target.protocol })
      bySource.set(c.from, list)
    }
    const results = await Promise.all(
      [...bySource].map(async ([from, connect]) => {
        const agent = this.agents.get(from)
        if (!agent) throw new InfraError(`no agent for ${from}`)
        const r = await agent.send({ cmd: 'probe', timeoutMs, connect }, timeoutMs + 10000)
        return r.results ?? []
      }),
    )
    return results.flat()
  }

  async down(): Promise<void> {
    if (this.late) clearTimeout(this.late.timer)
    await Promise.all([...this.agents.values()].map((a) => a.stop()))
    this.agents.clear()
    if (this.claimed) {
      await cleanupSessions(this.exec, { only: this.sid })
      releaseSession(this.sid)
      this.claimed = false
    }
  }
}

function uniqueTargets(s: Scenario): Target[] {
  const seen = new Map<string, Target>()
  for (const t of [...s.probe.targets, ...s.steps.flatMap((st) => st.probe.targets)]) seen.set(`${t.port}/${t.protocol}`, t)
  return [...seen.values()]
}

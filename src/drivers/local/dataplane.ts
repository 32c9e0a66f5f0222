// Why: the local CNI agent, one per node as calico-node is: it programs the node's nftables from the desired
// state, resyncs periodically (repairing flushed rules), can be stopped and started (rules stay while it is
// down; changes made meanwhile land when it returns), and injects packet loss. Faults switch on known bugs.
import { InfraError } from '../../errors.js'
import { podId } from '../../model/cluster.js'
import type { ClusterState } from '../../model/state.js'
import { type Faults, TABLE, compileRulesets } from './compile-nft.js'
import { type Exec, execOrThrow } from '../exec.js'
import type { TopologyPlan } from './topology.js'

const LOSS_TABLE = 'nphloss'

/**
 * Every this many resyncs a node is re-programmed in full even when its table looks intact (at 2 s: every 30 s).
 * @internal exported for its test
 */
export const FULL_REFRESH_EVERY = 15

/** The forward chain of a compiled script (the dispatch to the per-pod chains). */
function forwardChain(script: string): string {
  const start = script.indexOf('  chain forward {')
  return script.slice(start, script.indexOf('\n  }', start))
}

/** What identifies a forward chain, as compiled or as `nft list chain` prints it: its conntrack rule and its jumps. */
function dispatchRules(text: string): string {
  const jumps = text.match(/\bjump [\w-]+/g) ?? []
  return `${/ct state established,related accept/.test(text)} ${jumps.sort().join(' ')}`
}

/**
 * How long an agent with the fail-open-on-restart bug leaves its node unprogrammed after starting.
 * @internal exported for its test
 */
export const FAIL_OPEN_RESTART_MS = 1500

/** How the node agents run commands, how often they resync, which bugs they have. */
export interface DataplaneOptions {
  readonly exec: Exec
  /** Periodic resync of every running node agent (0: never): unchanged and intact nodes are left alone. */
  readonly resyncMs: number
  readonly faults?: Faults
  /**
   * Runs an nft script in a node's namespace and returns its output; default: `ip netns exec <ns> nft -f -`. The
   * driver passes its node agents' in-process libnftables (agent-py.ts), which saves starting a process per change.
   */
  readonly nft?: (ns: string, script: string) => Promise<string>
}

/** The node agents of one local cluster: program, resync, stop and start, flush, packet loss. */
export class LocalDataplane {
  private readonly programmed = new Map<string, string>()
  private readonly stopped = new Set<string>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private resyncTimer?: NodeJS.Timeout
  /** With the late-programming bug: the state the agents know, each change reaching them `lateMs` after it was made. */
  private known?: ClusterState
  private error?: unknown
  private busy: Promise<void> = Promise.resolve()
  private compiled?: { state: ClusterState; rulesets: Map<string, string> }
  private resyncs = 0

  /** `desired` is what the API server holds now; `initial` is the state at start (for the stale-labels bug). */
  constructor(
    private readonly plan: TopologyPlan,
    private readonly desired: () => ClusterState,
    private readonly initial: ClusterState,
    private readonly opts: DataplaneOptions,
  ) {}

  private has(mode: NonNullable<Faults['modes']>[number]): boolean {
    return !!this.opts.faults?.modes?.includes(mode)
  }

  /** What the agents know of the desired state: all of it, or with the late-programming bug, what has reached them. */
  private source(): ClusterState {
    return this.opts.faults?.lateMs ? (this.known ?? this.initial) : this.desired()
  }

  /** The state the (possibly buggy) agent compiles from. */
  private view(): ClusterState {
    let state = this.source()
    if (this.has('stale-labels')) {
      const was = new Map(this.initial.pods.map((p) => [podId(p), p.labels]))
      state = {
        ...state,
        namespaces: this.initial.namespaces,
        pods: state.pods.map((p) => ({ ...p, labels: was.get(podId(p)) ?? p.labels })),
      }
    }
    if (this.has('stale-addresses')) {
      const was = new Map(this.initial.pods.map((p) => [podId(p), p]))
      state = {
        ...state,
        pods: state.pods.map((p) => {
          const old = was.get(podId(p))
          return old ? { ...p, ip: old.ip, ...(old.ips ? { ips: old.ips } : {}) } : p
        }),
      }
    }
    return state
  }

  /** The rulesets for the current desired state, compiled again only when the state changed (it is immutable). */
  private compile(): Map<string, string> {
    const state = this.source()
    if (this.compiled?.state !== state) this.compiled = { state, rulesets: compileRulesets(this.view(), this.plan, this.opts.faults) }
    return this.compiled.rulesets
  }

  /** One transaction at a time per dataplane: a resync never interleaves with a change. */
  private serial(run: () => Promise<void>): Promise<void> {
    const next = this.busy.then(run, run)
    this.busy = next.catch(() => {})
    return next
  }

  private async program(ns: string, script: string): Promise<void> {
    await this.run(ns, script, true)
    this.programmed.set(ns, script)
  }

  /** Runs an nft script in a node's namespace (through the driver's runner when it has one); returns its output. */
  private async run(ns: string, script: string, ruleset = false): Promise<string> {
    if (this.opts.nft) return this.opts.nft(ns, script)
    return execOrThrow(this.opts.exec, ['ip', 'netns', 'exec', ns, 'nft', '-f', '-'], {
      input: script,
      ...(ruleset ? { context: `--- ruleset ---\n${script}` } : {}),
    })
  }

  /** Programs every running node whose ruleset changed (or all of them, `force`), each in one nft transaction. */
  sync(force = false): Promise<void> {
    return this.serial(async () => {
      await Promise.all(
        [...this.compile()].map(async ([ns, script]) => {
          if (this.stopped.has(ns) || (!force && this.programmed.get(ns) === script)) return
          await this.program(ns, script)
        }),
      )
    })
  }

  /**
   * The periodic resync: a node whose ruleset is unchanged and whose table still dispatches (its forward chain
   * holds every rule it was given: a flushed or deleted table does not) is left alone; others are re-programmed.
   * Every FULL_REFRESH_EVERY-th resync re-programs every running node anyway, as Felix refreshes its rules.
   */
  resync(): Promise<void> {
    return this.serial(async () => {
      const full = ++this.resyncs % FULL_REFRESH_EVERY === 0
      await Promise.all(
        [...this.compile()].map(async ([ns, script]) => {
          if (this.stopped.has(ns)) return
          if (!full && this.programmed.get(ns) === script && (await this.intact(ns, script))) return
          await this.program(ns, script)
        }),
      )
    })
  }

  /** Does the node's forward chain hold exactly the dispatch rules of `script`? (A cheap read-back.) */
  private async intact(ns: string, script: string): Promise<boolean> {
    let listed: string
    if (this.opts.nft) {
      const out = await this.opts.nft(ns, `list chain inet ${TABLE} forward\n`).catch(() => undefined)
      if (out === undefined) return false
      listed = out
    } else {
      const r = await this.opts.exec('ip', ['netns', 'exec', ns, 'nft', 'list', 'chain', 'inet', TABLE, 'forward'])
      if (r.exitCode !== 0) return false
      listed = r.stdout
    }
    return dispatchRules(listed) === dispatchRules(forwardChain(script))
  }

  /** First programming, then periodic resyncs. */
  async start(): Promise<void> {
    await this.sync(true)
    if (this.opts.faults?.lossPercent) await Promise.all(this.plan.nodes.map((n) => this.setLoss(n.ns, this.opts.faults!.lossPercent!)))
    if (this.opts.resyncMs > 0)
      this.resyncTimer = setInterval(() => void this.resync().catch((e) => (this.error ??= e)), this.opts.resyncMs)
  }

  /**
   * The API server accepted a change: the agents program it. With the late-programming bug the change reaches
   * the agents `lateMs` later, and nothing programs it before, the periodic resync and an agent restart included.
   */
  async changed(): Promise<void> {
    if (this.error) throw this.error
    const lateMs = this.opts.faults?.lateMs ?? 0
    if (lateMs <= 0) return this.sync()
    const state = this.desired()
    this.later(() => {
      this.known = state
      void this.sync().catch((e) => (this.error ??= e))
    }, lateMs)
  }

  /** True when a change or a resync failed to program a node (the driver then never hands this topology on). */
  get failed(): boolean {
    return this.error !== undefined
  }

  /** Node namespaces an action names: `all`, or the node's name. */
  nodes(ref: string): string[] {
    const list = ref === 'all' ? this.plan.nodes : this.plan.nodes.filter((n) => n.name === ref)
    if (list.length === 0)
      throw new InfraError(`no node "${ref}" in this cluster (nodes: ${this.plan.nodes.map((n) => n.name).join(', ')})`)
    return list.map((n) => n.ns)
  }

  /** Stops a node's agent: what it programmed stays in place. */
  stopAgent(ns: string): void {
    this.stopped.add(ns)
  }

  /** Starts a node's agent again: it programs the current desired state at once (a buggy one fails open first). */
  async startAgent(ns: string): Promise<void> {
    if (this.has('fail-open-on-restart')) {
      await this.nft(ns, `flush table inet ${TABLE}\n`)
      this.programmed.delete(ns)
      await new Promise<void>((resolve) => this.later(resolve, FAIL_OPEN_RESTART_MS))
    }
    this.stopped.delete(ns)
    this.programmed.delete(ns)
    await this.sync()
  }

  /** Removes every rule of a node's table, as `nft flush` by hand would; the agent's resync repairs it. */
  async flush(ns: string): Promise<void> {
    await this.nft(ns, `flush table inet ${TABLE}\n`)
  }

  /** Random loss of `percent` % of forwarded packets on a node (0 removes it). */
  async setLoss(ns: string, percent: number): Promise<void> {
    const body =
      percent > 0
        ? `table inet ${LOSS_TABLE} {\n  chain loss {\n    type filter hook forward priority -10; policy accept;\n    numgen random mod 100 < ${Math.round(percent)} drop\n  }\n}\n`
        : ''
    await this.nft(ns, `table inet ${LOSS_TABLE}\ndelete table inet ${LOSS_TABLE}\n${body}`)
  }

  private async nft(ns: string, script: string): Promise<void> {
    await this.run(ns, script)
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
  }

  /** Settles once the transaction in flight (a change, a resync) is done: after `close`, nothing programs any more. */
  async idle(): Promise<void> {
    await this.busy
  }

  /** Stops every timer; the namespaces (and their tables) are removed by the driver. */
  close(): void {
    if (this.resyncTimer) clearInterval(this.resyncTimer)
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }
}

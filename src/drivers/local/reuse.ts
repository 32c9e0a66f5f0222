// Why: topology reuse across the scenarios of one run (issue 14). Setting up namespaces, links and agents was most
// of a local scenario's time, and many scenarios (the 41 upstream ones in 3 layouts) lay out the very same pods: a
// scenario that ends cleanly parks its topology here, and the next one with the same layout takes it over after a
// reset (its dataplane programmed from scratch, conntrack flushed, packet loss removed), instead of building its own.
// A scenario of another layout on the same nodes takes a spare over and reconciles it (pods removed and added).
import { podId } from '../../model/cluster.js'
import type { Scenario } from '../../model/scenario.js'
import { planTopology } from './topology.js'

/** Chaos that changes the topology itself (addresses, links): a scenario using it never hands its topology on. */
const TOPOLOGY_CHAOS: ReadonlySet<string> = new Set(['recreate-pod', 'restart-node'])

/**
 * Pure: what must be equal for two scenarios to share a topology, or undefined when the scenario's topology must
 * not be shared: the node count, every pod in order (id, addresses, pinned node: the same namespaces, links and
 * routes) and every external with its ports. Scenarios with Services (their NAT lives in every pod's namespace) or
 * with chaos that changes the topology are never shared. Labels, policies and probe settings are the dataplane's and
 * the runner's, and the ports the pods serve are the agents' (the scenario taking a topology over has its agents
 * serve its own ports): they may differ.
 */
export function layoutKey(s: Scenario, nodes: number): string | undefined {
  if (s.services?.length) return undefined
  if (s.steps.some((st) => st.chaos?.some((c) => TOPOLOGY_CHAOS.has(c.action)))) return undefined
  return JSON.stringify({
    nodes,
    pods: s.pods.map((p) => [podId(p), p.ips ?? [p.ip], p.node ?? null]),
    externals: s.externals.map((e) => [e.name, e.ips ?? [e.ip], e.ports.map((t) => `${t.port}/${t.protocol}`)]),
  })
}

/** What the pool knows of a scenario's topology. */
export interface PoolKey {
  /** `layoutKey`: equal keys take a topology over as it is. */
  readonly layout: string
  /**
   * What a topology of another layout must share to be reconciled (`baseKey`): the nodes, the fabric and the agents,
   * which are kept; the pods and externals are removed and added.
   */
  readonly base: string
  /** One entry per pod and external (id, addresses, node): the fewer differ, the less a reconcile changes. */
  readonly parts: readonly string[]
}

/**
 * Pure: the part of a topology kept when another layout takes it over: the nodes by name in order (their namespaces,
 * fabric links and addresses, their agents), whether the fabric and nodes carry IPv6 (addresses, forwarding), and
 * whether there are externals (their agent runs in the fabric's namespace).
 */
function baseKey(s: Scenario, nodes: number): string {
  const plan = planTopology(s, '000000', nodes)
  return JSON.stringify({ nodes: plan.nodes.map((n) => n.name), v6: plan.v6, externals: plan.externals.length > 0 })
}

/** Pure: the scenario's pool key, or undefined when its topology must not be shared (`layoutKey`). */
export function poolKey(s: Scenario, nodes: number): PoolKey | undefined {
  const layout = layoutKey(s, nodes)
  if (layout === undefined) return undefined
  const plan = planTopology(s, '000000', nodes)
  const parts = [...plan.pods, ...plan.externals].map((e) => JSON.stringify([e.id, e.ips, e.node?.name ?? null]))
  return { layout, base: baseKey(s, nodes), parts }
}

/** What a pool keeps: a topology that can be taken down for good. */
export interface Parkable {
  /** Removes the topology for good (agents, namespaces). */
  destroy(): Promise<void>
}

interface Parked<T> {
  readonly key: PoolKey
  readonly t: T
}

/** How many entries of one list are not in the other, both ways. */
function difference(a: readonly string[], b: readonly string[]): number {
  const sa = new Set(a)
  const sb = new Set(b)
  return a.filter((x) => !sb.has(x)).length + b.filter((x) => !sa.has(x)).length
}

/**
 * The topologies parked between scenarios of one run. One scenario at a time owns a topology: `take` removes it from
 * the pool. A scenario takes a topology of its own layout when one is parked, else a spare of the same base (another
 * layout on the same nodes) to reconcile, the one differing in the fewest pods. `close` (at the end of the run, also
 * after an interrupt) destroys what is left.
 */
export class TopologyPool<T extends Parkable> {
  private parked: Parked<T>[] = []
  /** Scenarios of each layout and of each base that have not started yet (when the run's scenarios were given). */
  private readonly pending?: { layout: Map<string, number>; base: Map<string, number> }
  /** At most this many spares (parked topologies no scenario of their layout is still to take). */
  private readonly spares: number
  private closed = false
  /** Topologies removed because no scenario still to start could use them, while the run goes on. */
  private dropping: Promise<void>[] = []
  private dropError?: unknown
  /** How many scenarios took a parked topology of their own layout over. */
  reused = 0
  /** How many scenarios took a parked topology of another layout over and reconciled it. */
  reconciled = 0

  /**
   * `expected`: the keys of the run's scenarios, so a topology is parked only while a scenario still to start can take
   * it over (of its layout, or of its base as a spare); absent: always parked. `spares`: how many topologies at most
   * are kept for scenarios of another layout (one per scenario that can run at once; default 1).
   */
  constructor(expected?: readonly (PoolKey | undefined)[], opts: { spares?: number } = {}) {
    this.spares = opts.spares ?? 1
    if (!expected) return
    this.pending = { layout: new Map(), base: new Map() }
    for (const k of expected) if (k) this.count(k, 1)
  }

  private count(k: PoolKey, by: number): void {
    if (!this.pending) return
    this.pending.layout.set(k.layout, (this.pending.layout.get(k.layout) ?? 0) + by)
    this.pending.base.set(k.base, (this.pending.base.get(k.base) ?? 0) + by)
  }

  /** The parked topologies no scenario of their own layout still to start needs (kept for another layout). */
  private spareList(): Parked<T>[] {
    if (!this.pending) return [...this.parked]
    const wanted = new Map(this.pending.layout)
    const spare: Parked<T>[] = []
    for (const p of this.parked) {
      const n = wanted.get(p.key.layout) ?? 0
      if (n > 0) wanted.set(p.key.layout, n - 1)
      else spare.push(p)
    }
    return spare
  }

  /**
   * A scenario starts: a parked topology it may take over, now the caller's (of its layout, else a spare of its base
   * to reconcile); undefined when none is parked.
   */
  take(key: PoolKey | undefined): T | undefined {
    if (key === undefined) return undefined
    this.count(key, -1)
    const exact = [...this.parked].reverse().find((p) => p.key.layout === key.layout)
    const chosen =
      exact ??
      this.spareList()
        .filter((p) => p.key.base === key.base)
        .map((p) => ({ p, d: difference(p.key.parts, key.parts) }))
        .sort((a, b) => a.d - b.d)[0]?.p
    if (!chosen) return undefined
    this.parked = this.parked.filter((p) => p !== chosen)
    if (exact) this.reused++
    else this.reconciled++
    return chosen.t
  }

  /**
   * Parks a topology for a later scenario: of its layout, or (as one of at most `spares` spares) of its base. False
   * (the caller destroys it) once the pool is closed or when no scenario still to start could take it over. Parked
   * topologies no scenario still to start can use any more are removed here, and so is a spare of a base fewer
   * scenarios still to start share when the bound is reached.
   */
  park(key: PoolKey, t: T): boolean {
    if (this.closed) return false
    if (!this.pending) {
      this.parked.push({ key, t })
      return true
    }
    const pending = this.pending
    const useless = (k: PoolKey) => (pending.layout.get(k.layout) ?? 0) <= 0 && (pending.base.get(k.base) ?? 0) <= 0
    for (const p of this.parked.filter((x) => useless(x.key))) this.drop(p)
    if (useless(key)) return false
    const ofLayout = this.parked.filter((p) => p.key.layout === key.layout).length
    if ((pending.layout.get(key.layout) ?? 0) <= ofLayout) {
      // No scenario of its own layout would take it: a spare, within the bound. At the bound, it replaces the spare
      // fewer scenarios still to start could take over (another base's), if any.
      const spares = this.spareList()
      if (spares.length >= this.spares) {
        const fits = (k: PoolKey) => pending.base.get(k.base) ?? 0
        const victim = spares.sort((a, b) => fits(a.key) - fits(b.key))[0]
        if (!victim || fits(victim.key) >= fits(key)) return false
        this.drop(victim)
      }
    }
    this.parked.push({ key, t })
    return true
  }

  private drop(p: Parked<T>): void {
    this.parked = this.parked.filter((x) => x !== p)
    this.dropping.push(p.t.destroy().catch((e: unknown) => void (this.dropError ??= e)))
  }

  /** How many topologies are parked now. @internal exported for its test */
  get size(): number {
    return this.parked.length
  }

  /** Destroys every parked topology; nothing is parked after this. */
  async close(): Promise<void> {
    this.closed = true
    const all = this.parked.map((p) => p.t)
    this.parked = []
    // Every one to its end, even when one fails (Ctrl-C must not exit with teardowns still running).
    const ends = await Promise.allSettled([...all.map((t) => t.destroy()), ...this.dropping])
    const failed = ends.find((e): e is PromiseRejectedResult => e.status === 'rejected')
    if (failed) throw failed.reason
    if (this.dropError) throw this.dropError
  }
}

// Why: topology reuse across the scenarios of one run (issue 14). Setting up namespaces, links and agents was most
// of a local scenario's time, and many scenarios (the 41 upstream ones in 3 layouts) lay out the very same pods: a
// scenario that ends cleanly parks its topology here, and the next one with the same layout takes it over after a
// reset (its dataplane programmed from scratch, conntrack flushed, packet loss removed), instead of building its own.
import { podId } from '../../model/cluster.js'
import type { Scenario } from '../../model/scenario.js'

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

/** What a pool keeps: a topology that can be taken down for good. */
export interface Parkable {
  /** Removes the topology for good (agents, namespaces). */
  destroy(): Promise<void>
}

/**
 * The topologies parked between scenarios of one run, by layout key. One scenario at a time owns a topology: `take`
 * removes it from the pool. `close` (at the end of the run, also after an interrupt) destroys what is left.
 */
export class TopologyPool<T extends Parkable> {
  private readonly parked = new Map<string, T[]>()
  /** Scenarios of each layout that have not started yet (when the run's scenarios were given). */
  private readonly pending?: Map<string, number>
  private closed = false
  /** How many scenarios took a parked topology over. */
  reused = 0

  /**
   * `expected`: the layout keys of the run's scenarios, so a topology is parked only while a scenario of its layout
   * is still to start (others are removed at once, not kept to the end of the run); absent: always parked.
   */
  constructor(expected?: readonly (string | undefined)[]) {
    if (!expected) return
    this.pending = new Map()
    for (const k of expected) if (k !== undefined) this.pending.set(k, (this.pending.get(k) ?? 0) + 1)
  }

  /** A scenario of this layout starts: a parked topology of it, now the caller's; undefined when none is parked. */
  take(key: string | undefined): T | undefined {
    if (key === undefined) return undefined
    if (this.pending) this.pending.set(key, (this.pending.get(key) ?? 0) - 1)
    const list = this.parked.get(key)
    const t = list?.pop()
    if (t) this.reused++
    return t
  }

  /**
   * Parks a topology for the next scenario of its layout; false (the caller destroys it) once the pool is closed or
   * when no scenario of that layout is still to start.
   */
  park(key: string, t: T): boolean {
    if (this.closed || (this.pending && (this.pending.get(key) ?? 0) <= 0)) return false
    this.parked.set(key, [...(this.parked.get(key) ?? []), t])
    return true
  }

  /** Destroys every parked topology; nothing is parked after this. */
  async close(): Promise<void> {
    this.closed = true
    const all = [...this.parked.values()].flat()
    this.parked.clear()
    await Promise.all(all.map((t) => t.destroy()))
  }
}

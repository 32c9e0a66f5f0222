// Why: what only a driver with access to the nodes can add to the kube driver (kind: Docker): node names, node
// faults, Calico's agent frozen in place, and the external hosts.
import type { Target } from '../../model/cluster.js'
import type { Scenario } from '../../model/scenario.js'
import type { InfraChaos } from '../driver.js'

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
  execExternal(
    name: string,
    command: readonly string[],
    timeoutMs: number,
  ): Promise<{ stdout: string; stderr: string; exitCode?: number; error?: string }>
  downExternals(): Promise<void>
  /** Keeps Calico's agent stopped (not restarted) on these nodes for `forMs`, then lets it go on: restart-agent's downtime. */
  freezeAgent?(nodes: readonly string[], forMs: number, signal: AbortSignal): Promise<void>
  /** Was the external's server seen listening on `target` after it started? */
  listening?(external: string, target: Target): boolean
  diagnostics(): Promise<string[]>
}

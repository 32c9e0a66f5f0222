// Why: what the runner needs from any cluster (local namespaces, kind, an existing cluster).
import type { Target } from '../model/cluster.js'
import type { Action, Scenario } from '../model/scenario.js'
import type { ClusterState } from '../model/state.js'
import type { RawOutcome } from '../model/observation.js'

/** One connection of a probe round: from a source endpoint to a destination address and target. */
export interface ProbeConnection {
  readonly key: string
  readonly from: string
  readonly to: string
  readonly ip: string
  readonly target: Target
}

/** What the driver reports about itself for the report. */
export interface DriverInfo {
  readonly name: 'local' | 'kind' | 'kube'
  readonly cni: string
  readonly versions: Readonly<Record<string, string>>
}

export interface Driver {
  readonly info: DriverInfo
  /** Creates the scenario's namespaces, pods, externals and probe servers. */
  up(scenario: Scenario, signal: AbortSignal): Promise<void>
  /** Applies one step's actions; resolves once the cluster accepted them (not once they are enforced). */
  apply(actions: readonly Action[], signal: AbortSignal): Promise<void>
  /** The cluster as it is now: pods with their addresses and labels, namespaces, policies. */
  state(): ClusterState
  /** Runs one probe round: one command per source, every connection of a source in parallel. Never throws for a blocked connection. */
  probe(connections: readonly ProbeConnection[], timeoutMs: number, signal: AbortSignal): Promise<RawOutcome[]>
  /** Targets this driver cannot probe at all (reported `unsupported`). */
  unsupported(target: Target): string | undefined
  /** Removes everything `up` created. Safe to call twice. */
  down(): Promise<void>
}

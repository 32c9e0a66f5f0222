// Why: what the runner needs from any cluster (local namespaces, kind, an existing cluster).
import type { ProbeProtocol, Target } from '../model/cluster.js'
import type { Action, ChaosAction, Scenario } from '../model/scenario.js'
import type { ClusterState } from '../model/state.js'
import type { RawOutcome } from '../model/observation.js'

/** What a probe of any driver reports for one connection (defined with the observation it becomes). */
export type { RawOutcome }

/** How a probe round is sent, beyond its connections and timeout. */
export interface ProbeOptions {
  /**
   * One connection per cell, never hedged (a driver that hedges, the local one, sends more only while unanswered):
   * a block is then that one connection unanswered for the whole timeout, dated by its send (time to enforce of a
   * cell that opens, docs/reports.md). Drivers that send one anyway ignore it.
   */
  readonly single?: boolean
}

/** One connection of a probe round: from a source endpoint to a destination address and target. */
export interface ProbeConnection {
  readonly key: string
  readonly from: string
  readonly to: string
  readonly ip: string
  readonly target: Target
}

/** One connection as a prober attempts it (the local agent, the kube probe script); `key` comes back with the result. */
export interface ConnectSpec {
  readonly key: string
  readonly ip: string
  /** 0 for an ICMP echo. */
  readonly port: number
  readonly protocol: ProbeProtocol
  /** Local driver, through a Service: the socket mark that pins the backend in the pod's NAT (docs/services.md). */
  readonly mark?: number
  /** Local driver, through a NodePort: the IP TOS byte (DSCP << 2) that pins the backend in the node's NAT. */
  readonly tos?: number
  /**
   * Local driver, `service-name`: resolve `name` with a DNS query to `server` (UDP 53) first and connect to its answer:
   * an A record, or an AAAA record when `aaaa` (an IPv6 cell, asked of the resolver's IPv6 ClusterIP).
   */
  readonly resolve?: { readonly name: string; readonly server: string; readonly aaaa?: boolean }
}

/** What the driver reports about itself for the report. */
export interface DriverInfo {
  readonly name: 'local' | 'kind' | 'kube'
  readonly cni: string
  readonly versions: Readonly<Record<string, string>>
  /** Seconds per setup phase (kind: create, images, Calico install, ready), when the driver built a cluster. */
  readonly timings?: Readonly<Record<string, number>>
}

/** Faults a driver performs itself; relabels and policy churn go through `apply` and need no driver support. */
export type InfraChaos = Exclude<ChaosAction, { action: 'relabel' | 'policy-churn' }>

/** A cluster the runner can set up, change, probe, break and tear down, whatever it is made of. */
export interface Driver {
  readonly info: DriverInfo
  /**
   * How many chaos sample rounds may be in flight at once (default 1: a round starts only when the previous one is
   * done). The local driver's agents take overlapping rounds cheaply; on a cluster every round is one exec per
   * source pod, and overlapping execs pile up on the API server and kubelets.
   */
  readonly sampleConcurrency?: number
  /** Creates the scenario's namespaces, pods, externals and probe servers. */
  up(scenario: Scenario, signal: AbortSignal): Promise<void>
  /** Applies one step's actions; resolves once the cluster accepted them (not once they are enforced). */
  apply(actions: readonly Action[], signal: AbortSignal): Promise<void>
  /** The cluster as it is now: pods with their addresses and labels, namespaces, policies. */
  state(): ClusterState
  /** Runs one probe round: one command per source, every connection of a source in parallel. Never throws for a blocked connection. */
  probe(connections: readonly ProbeConnection[], timeoutMs: number, signal: AbortSignal, opts?: ProbeOptions): Promise<RawOutcome[]>
  /**
   * Has the driver seen `destination`'s server listening on `target` (pods: a readiness check per port; externals:
   * checked after start)? Only then is a refused connection evidence of a REJECT rule; otherwise it means nothing
   * was there, a probe error. Absent: nothing is known to listen.
   */
  listening?(destination: string, target: Target): boolean
  /**
   * Why this driver cannot run `scenario` at all (address family, node names it does not have), or undefined. Asked
   * before anything of the scenario is created; the scenario is reported `unsupported` and the run goes on.
   */
  scenarioUnsupported?(scenario: Scenario): string | undefined
  /** Targets this driver cannot probe at all (reported `unsupported`; `viaUnsupported` for targets through a Service). */
  unsupported(target: Target): string | undefined
  /** Why this driver cannot inject a fault (reported `unsupported`), or undefined. */
  chaosUnsupported(action: InfraChaos): string | undefined
  /** Injects a fault and resolves when it is over (the agent back, the node up, the loss lifted). */
  chaos(action: InfraChaos, signal: AbortSignal): Promise<void>
  /** What to put in the report when a scenario failed (logs, events); optional. */
  diagnostics?(): Promise<string[]>
  /** Removes everything `up` created. Safe to call twice. */
  down(): Promise<void>
}

/** The node names a scenario's chaos steps refer to (`all` left out), each once, in order. */
export function chaosNodeRefs(s: Scenario): string[] {
  const refs = s.steps.flatMap((st) => (st.chaos ?? []).flatMap((c) => ('node' in c && c.node !== 'all' ? [c.node] : [])))
  return [...new Set(refs)]
}

/**
 * Why a driver cannot probe through a Service yet (docs/services.md): the evaluator predicts these cells, but no
 * driver has the per-backend NAT probing yet, so they are reported `unsupported` rather than probed on the pod address.
 */
export function viaUnsupported(target: Target, driver: string): string | undefined {
  return target.via
    ? `probing ${target.via} is not built in the ${driver} driver yet (docs/services.md); the cell is predicted only`
    : undefined
}

// Why: the run report, the public, versioned JSON contract (ARCHITECTURE.md 3.4). Add fields; never change them.
import type { IPFamily, ProbeProtocol, ServiceHop, Via } from '../model/cluster.js'
import type { Classification, Counts } from '../compare/classification.js'
import type { Attempt, ObservationResult } from '../model/observation.js'
import type { IntentVerdict } from '../model/scenario.js'

/** report.json's version: 2 records a cell's explanation structured (1 had prose; read.ts still reads it). */
export const SCHEMA_VERSION = 2

/** A rule the evaluator points at: indices are 0-based as in the YAML; a null peer or port: the rule has none (all match). */
export interface RuleRef {
  readonly kind: 'NetworkPolicy'
  /** `namespace/name` of the policy. */
  readonly policy: string
  readonly direction: 'ingress' | 'egress'
  readonly rule: number
  readonly peer: number | null
  readonly port: number | null
}

/** One direction of the evaluator's decision: egress of the source, or ingress of the destination. */
export interface DirectionExplanation {
  readonly direction: 'ingress' | 'egress'
  readonly endpoint: string
  /** false for an external host: no policy applies to it. */
  readonly applicable: boolean
  /** Policies that isolate the endpoint in this direction (empty: not isolated). */
  readonly isolatedBy: readonly string[]
  readonly allowed: boolean
  /** The first rule that allows the connection, if any. */
  readonly allowedBy?: RuleRef
  /** Every rule of the isolating policies, and whether its peer and its port matched. */
  readonly checks: readonly { readonly ref: RuleRef; readonly peerMatched: boolean; readonly portMatched: boolean }[]
  /** Set when a cluster-scoped policy selects the endpoint in this direction: which tier decided, through which rules. */
  readonly tiers?: TierExplanation
  /** Set when a Calico policy selects the endpoint in this direction (docs/calico-policy.md). */
  readonly calico?: CalicoExplanation
}

/** One Calico rule that matched on the way through the tiers (`rule` 0-based; absent for the Kubernetes NetworkPolicies together). */
export interface CalicoRuleHit {
  readonly tier: string
  readonly policy: string
  readonly order?: number
  readonly rule?: number
  readonly action: 'Allow' | 'Deny' | 'Pass' | 'Log'
}

/** How a direction went through Calico's tiers: the matching rules in order and what decided (a rule, a tier's end, the profile). */
export interface CalicoExplanation {
  readonly hits: readonly CalicoRuleHit[]
  readonly decidedBy:
    | { readonly kind: 'rule' }
    | { readonly kind: 'end-of-tier'; readonly tier: string; readonly action: 'Deny' | 'Pass' }
    | { readonly kind: 'profile' }
  readonly tiers: readonly string[]
}

/** One cluster-policy rule that matched on the way through the tiers (indices 0-based as in the YAML). */
export interface TierRuleHit {
  readonly kind: 'ClusterNetworkPolicy' | 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy'
  readonly tier: 'Admin' | 'Baseline'
  /** `cnp/name`, `anp/name` or `banp/default`. */
  readonly policy: string
  readonly priority?: number
  readonly rule: number
  readonly ruleName?: string
  readonly action: 'Accept' | 'Deny' | 'Pass'
  readonly peer: number
  readonly port: number | null
}

/** Where a direction was decided among the tiers, and the rules that matched on the way (an Admin Pass, then the deciding one). */
export interface TierExplanation {
  readonly decidedIn: 'Admin' | 'NetworkPolicy' | 'Baseline' | 'default'
  readonly hits: readonly TierRuleHit[]
}

/**
 * The Service hop of a cell probed through a Service (docs/services.md): DNAT to the backend's port, SNAT if any, the
 * name lookup. The model's hop but its `hairpin` flag: a hairpin cell's explanation is a kind of its own.
 */
export type ServiceHopReport = Omit<ServiceHop, 'hairpin'>

/**
 * The evaluator's account of a cell: a pod to itself (always allowed), or the decision of both directions.
 * `text` is the prose of a schemaVersion 1 report read back; runs never write it.
 */
export type CellExplanation =
  | { readonly kind: 'self' }
  | {
      readonly kind: 'policies'
      readonly egress: DirectionExplanation
      readonly ingress: DirectionExplanation
      /** A cell probed through a Service: the hop policies were judged after. */
      readonly service?: ServiceHopReport
    }
  | { readonly kind: 'hairpin'; readonly service: ServiceHopReport }
  | { readonly kind: 'text'; readonly text: string }

/** One cell of a step: intent, prediction, observation with every attempt, and the judgement. */
export interface CellReport {
  readonly from: string
  readonly to: string
  /** 0 for an ICMP echo (`protocol: ICMP`), which has no port. */
  readonly port: number
  readonly protocol: ProbeProtocol
  /** The address family probed (dual-stack scenarios; absent: the scenario's one family). */
  readonly family?: IPFamily
  /** How the cell was probed when not on the pod's address: through the Service that `to` backs (docs/services.md). */
  readonly via?: Exclude<Via, 'pod-ip'>
  /** What the scenario's author meant (absent when the step says nothing about the cell). */
  readonly intent?: IntentVerdict
  readonly prediction: 'allow' | 'deny'
  readonly observation: {
    readonly result: ObservationResult
    readonly latencyMs?: number
    readonly answeredBy?: string
    readonly detail?: string
    /** Every attempt: one per probe round, then the re-probes of a disagreement. */
    readonly attempts: readonly Attempt[]
  }
  readonly classification: Classification
  readonly intentViolation: boolean
  /**
   * Milliseconds from the step's changes being submitted (before the driver's apply; after the faults in a chaos
   * step) to the start of the first attempt from which the cell stays agreeing; null if it never did.
   */
  readonly timeToEnforceMs: number | null
  /** Set when the step changed the cell's prediction: it was probed on the short enforcement cadence (attempts of round 0). */
  readonly flips?: boolean
  /** For a cell that flips: enforcement happened within this many ms before `timeToEnforceMs` (the gap to the attempt before). */
  readonly timeToEnforceResolutionMs?: number
  /** The evaluator's account, for problem cells (renderers turn it into prose). */
  readonly explanation?: CellExplanation
}

/** A window during a fault when observation disagreed with prediction the same way. */
export interface DisagreementWindow {
  readonly kind: 'fail-open' | 'fail-closed'
  /** Milliseconds since the step's changes were accepted. */
  readonly startMs: number
  readonly endMs: number
  /** How many cells disagreed at some point in the window. */
  readonly cells: number
}

/** A fault injected during a step (chaos steps) and what continuous probing saw meanwhile. */
export interface ChaosReport {
  readonly action: string
  readonly target?: string
  readonly startMs: number
  readonly endMs: number
  /** From the fault's end to agreement again; null if it never came back. */
  readonly recoveryMs: number | null
  readonly windows: readonly DisagreementWindow[]
  /** How many consecutive fail-closed samples of a cell made a fail-closed window (from the loss seen; docs/chaos.md). */
  readonly failClosedEvidence?: number
  /** Set when the driver cannot inject this fault; nothing else is then meaningful. */
  readonly unsupported?: string
  /** maxFailOpen (always, default 0) / maxFailClosed / maxRecovery (when the scenario states them). */
  readonly invariants?: readonly {
    readonly name: string
    readonly limitMs: number
    readonly observedMs: number | null
    readonly passed: boolean
  }[]
}

/**
 * A cell Calico's staged policies would change if enforced (docs/calico-policy.md). They change no cell: the cell is
 * predicted and probed as `now`; this is the preview. Information, never a failure.
 */
export interface StagedCellReport extends Pick<CellReport, 'from' | 'to' | 'port' | 'protocol' | 'family' | 'via'> {
  /** The prediction (what was probed). */
  readonly now: 'allow' | 'deny'
  /** The prediction with the staged policies enforced. */
  readonly wouldBe: 'allow' | 'deny'
  /** The staged policies whose enforcement alone would change the cell (`staged-gnp/name`, ...); empty: only together. */
  readonly policies: readonly string[]
}

/** One step of a scenario: its rounds, time to enforce, counts, every cell, and chaos when it injected faults. */
export interface StepReport {
  readonly index: number
  readonly name: string
  readonly targets: readonly { port: number; protocol: ProbeProtocol; family?: IPFamily; via?: Exclude<Via, 'pod-ip'> }[]
  readonly timeoutMs: number
  /** Milliseconds the driver took to accept the step's changes. */
  readonly applyMs: number
  readonly rounds: number
  readonly converged: boolean
  /**
   * Milliseconds from the changes being submitted to enforcement: the slowest time to enforce of the cells that flip
   * (or that disagreed at first), else the first round where every cell agreed; null if never.
   */
  readonly timeToEnforceMs: number | null
  /** How precisely `timeToEnforceMs` is known (the resolution of the cell that set it), when a flipping cell set it. */
  readonly timeToEnforceResolutionMs?: number
  /** The step's time-to-enforce limit: a cell that flips later than this is `slow` (absent in chaos steps). */
  readonly enforceWithinMs?: number
  readonly durationMs: number
  readonly counts: Counts
  readonly cells: readonly CellReport[]
  /**
   * Present when allowed connections that worked in this step sometimes failed (packet loss, a loaded machine):
   * the share of their attempts lost, and how many fail-closed attempts in a row it took to call one blocked.
   */
  readonly loss?: { readonly share: number; readonly failClosedEvidence: number }
  /** Faults injected during the step, if it is a chaos step. */
  readonly chaos?: readonly ChaosReport[]
  /** Present when the step's state has Calico staged policies: the cells they would change (empty: none). */
  readonly staged?: readonly StagedCellReport[]
  /** The run was interrupted while this step probed: cells carry the attempts of the rounds completed (none: `skipped`). */
  readonly interrupted?: true
}

/** One scenario: its steps, or why it could not finish. */
export interface ScenarioReport {
  readonly name: string
  readonly file: string
  readonly description?: string
  readonly tags: readonly string[]
  /** The scenario's address families, primary first (absent in reports written before families). */
  readonly ipFamilies?: readonly IPFamily[]
  readonly setupMs: number
  readonly durationMs: number
  readonly steps: readonly StepReport[]
  /** Set when the scenario could not finish (infrastructure failure). */
  readonly error?: string
  /** Set when the driver cannot run this scenario at all (e.g. IPv6 on a single-stack cluster); nothing of it was created. */
  readonly unsupported?: string
}

/** What ended a run early: a signal, a closed output pipe (EPIPE), or `lost` (no report.json was written: SIGKILL or a crash). */
export type InterruptedBy = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'EPIPE' | 'lost'

/** The run in numbers, and its exit code. */
export interface Summary {
  readonly scenarios: number
  readonly steps: number
  readonly cells: number
  readonly counts: Counts
  readonly probesPerSecond: number
  readonly exitCode: number
}

/** A whole run: the versioned contract of report.json (docs/report.schema.json). */
export interface RunReport {
  readonly schemaVersion: typeof SCHEMA_VERSION
  readonly runId: string
  readonly startedAt: string
  readonly finishedAt: string
  readonly durationMs: number
  readonly harness: { readonly name: 'netpol-harness'; readonly version: string; readonly node: string }
  readonly driver: {
    readonly name: string
    readonly cni: string
    readonly versions: Readonly<Record<string, string>>
    readonly timings?: Readonly<Record<string, number>>
    /** Whether `--driver` named the driver or `auto` chose it (absent in reports written before it existed). */
    readonly chosenBy?: 'flag' | 'auto'
    /** Why: `--driver kind`, or what `auto` found (`kind not usable here ...`). */
    readonly reason?: string
  }
  /** Every option that changes what a run does (docs/reports.md); the optional ones are absent in older reports. */
  readonly options: {
    readonly settleMs: number
    readonly reprobes: number
    readonly roundIntervalMs: number
    /** The default time-to-enforce limit per step (absent in reports written before it existed). */
    readonly enforceWithinMs?: number
    /** Denied cells' timeout: `factor` x p99 of the round's allowed latencies, at least `floorMs`; null: off (absent before it existed). */
    readonly adaptiveTimeout?: { readonly factor: number; readonly floorMs: number } | null
    /** How many scenarios ran at once (absent: one). */
    readonly parallel?: number
    /** `--hairpin`: how the dataplane treats a pod reaching itself through its Service (absent: before it existed, allowed). */
    readonly hairpin?: 'allowed' | 'dropped'
    /** What `--driver` said (`auto` included); the driver used is `driver.name`. */
    readonly driverRequested?: 'local' | 'kind' | 'kube' | 'auto'
    /** `--tags` / `--skip`: the scenario selection (empty: none). */
    readonly tags?: readonly string[]
    readonly skipTags?: readonly string[]
    /** Local driver: the injected dataplane faults as `--fault` specs, normalised (empty: none; absent under other drivers). */
    readonly faults?: readonly string[]
    /** Local driver: nodes pods are spread over, and the agents' full re-programming period. */
    readonly nodes?: number
    readonly resyncMs?: number
    /** Kind driver: the cluster as asked for. */
    readonly kind?: {
      readonly name: string
      readonly workers: number
      readonly calicoVersion: string
      readonly dataplane: 'iptables' | 'nftables'
      /** `dual`: a dual-stack cluster (--ip-family dual); absent: IPv4. */
      readonly ipFamily?: 'dual'
      /** --kube-proxy-mode as asked for; absent: the dataplane's (the mode found is in the driver versions, `kubeProxyMode`). */
      readonly kubeProxyMode?: 'iptables' | 'ipvs' | 'nftables'
      readonly image?: string
      readonly calicoManifest?: string
      readonly calicoSha256?: string
      readonly waitSeconds: number
      readonly keep: boolean
    }
    /** Kube driver: the context (as resolved), the kubeconfig given, and whether a foreign cluster was allowed. */
    readonly kube?: { readonly context: string; readonly kubeconfig?: string; readonly allowExistingCluster: boolean }
  }
  readonly summary: Summary
  readonly scenarios: readonly ScenarioReport[]
  readonly diagnostics: readonly string[]
  /** Set when the run ended early: by what, and what that means for this report. */
  readonly interrupted?: { readonly by: InterruptedBy; readonly detail: string }
}

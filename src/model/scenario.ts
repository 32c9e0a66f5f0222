// Why: a validated scenario (ARCHITECTURE.md 3.2) after parsing: tagged unions, defaults resolved.
import type { External, IPFamily, Labels, Namespace, Pod, ProbeProtocol, Service, Target, Via } from './cluster.js'
import type { CalicoKind, CalicoObject } from './calico.js'
import type { ClusterPolicy, ClusterPolicyKind } from './cluster-policy.js'
import type { NetworkPolicy } from './policy.js'

/** How a step probes: which targets, and how long one connection may take. */
export interface ProbeSpec {
  readonly targets: readonly Target[]
  readonly timeoutMs: number
}

/** Where an object was written: its file, the YAML document's index in that file, and the path inside it. */
export interface SourceRef {
  readonly file: string
  readonly doc: number
  readonly path: readonly (string | number)[]
}

/** One change a step makes to the cluster, applied in order. */
export type Action =
  | { readonly kind: 'apply-policy'; readonly policy: NetworkPolicy; readonly source?: SourceRef }
  | { readonly kind: 'delete-policy'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'apply-cluster-policy'; readonly policy: ClusterPolicy; readonly source?: SourceRef }
  | { readonly kind: 'delete-cluster-policy'; readonly policyKind: ClusterPolicyKind; readonly name: string }
  /** A projectcalico.org/v3 object: parsed, and `raw` exactly as the user wrote it (what the kube driver sends). */
  | { readonly kind: 'apply-calico'; readonly object: CalicoObject; readonly raw: unknown; readonly source?: SourceRef }
  | { readonly kind: 'delete-calico'; readonly calicoKind: CalicoKind; readonly namespace?: string; readonly name: string }
  | { readonly kind: 'set-pod-labels'; readonly namespace: string; readonly pod: string; readonly labels: Labels }
  | { readonly kind: 'set-namespace-labels'; readonly namespace: string; readonly labels: Labels }

/** What the author says a cell must be. */
export type IntentVerdict = 'allow' | 'deny'

/** `ns/pod` with `*` for either part, an external's name, or `*` for every endpoint. */
/** `ns/pod`, an external name, with `*` wildcards. */
export type EndpointPattern = string

/** One `expect` rule: pattern, optional port and protocol, the intended verdict. */
export interface ExpectRule {
  readonly from: EndpointPattern
  readonly to: EndpointPattern
  readonly port?: number
  readonly protocol?: ProbeProtocol
  /** Only cells of this family (dual-stack scenarios). */
  readonly family?: IPFamily
  /** Only cells probed this way (absent: every way). */
  readonly via?: Via
  readonly verdict: IntentVerdict
}

/** What the scenario's author means a step to do. */
export interface Expect {
  readonly default?: IntentVerdict
  readonly rules: readonly ExpectRule[]
}

/** `all` or a node name (`node-1`, or a name pods are pinned to). */
export type NodeRef = string

/** A fault injected while a step is probed continuously (a tagged union: every driver handles each or says unsupported). */
export type ChaosAction =
  | { readonly action: 'restart-agent'; readonly node: NodeRef; readonly downForMs: number }
  | { readonly action: 'flush-dataplane'; readonly node: NodeRef }
  | { readonly action: 'recreate-pod'; readonly namespace: string; readonly pod: string }
  | { readonly action: 'relabel'; readonly change: Extract<Action, { kind: 'set-pod-labels' | 'set-namespace-labels' }> }
  | { readonly action: 'restart-node'; readonly node: NodeRef; readonly downForMs: number }
  | { readonly action: 'policy-churn'; readonly policies: readonly NetworkPolicy[]; readonly times: number; readonly intervalMs: number }
  | { readonly action: 'packet-loss'; readonly node: NodeRef; readonly percent: number; readonly forMs: number }

/** How a chaos step probes while the faults last and until agreement returns. */
export interface DuringSpec {
  readonly intervalMs: number
  /** Timeout of one sample connection. */
  readonly timeoutMs: number
  /** How long after the faults end agreement may take before the step gives up. */
  readonly settleMs: number
  /** Cells sampled (`from`/`to` patterns, optional port/protocol); all cells when empty. */
  readonly cells: readonly {
    readonly from: EndpointPattern
    readonly to: EndpointPattern
    readonly port?: number
    readonly protocol?: ProbeProtocol
    readonly family?: IPFamily
  }[]
}

/** Limits for a chaos step; absent ones are not checked, but maxFailOpen defaults to 0. */
export interface Invariants {
  readonly maxFailOpenMs?: number
  readonly maxFailClosedMs?: number
  readonly maxRecoveryMs?: number
}

/** One step of a scenario: its changes, probe targets, intent and chaos. */
export interface Step {
  readonly name: string
  readonly actions: readonly Action[]
  readonly probe: ProbeSpec
  readonly expect?: Expect
  /** Faults injected, in order, after the step's actions (chaos steps). */
  readonly chaos?: readonly ChaosAction[]
  readonly during?: DuringSpec
  readonly invariants?: Invariants
}

/** A validated scenario file, ready to run. */
export interface Scenario {
  readonly name: string
  readonly file: string
  readonly description?: string
  readonly tags: readonly string[]
  readonly namespaces: readonly Namespace[]
  readonly pods: readonly Pod[]
  readonly externals: readonly External[]
  /** Services (absent when the scenario declares none). */
  readonly services?: readonly Service[]
  readonly probe: ProbeSpec
  readonly steps: readonly Step[]
  /** Where pod addresses come from (a recreated pod gets a new one from here); the primary family's in a dual-stack scenario. */
  readonly podCIDR?: string
  /** The address families of the scenario, primary first (absent: written before families, the one of its addresses). */
  readonly ipFamilies?: readonly IPFamily[]
  /** Every family's pod CIDR, `podCIDR` first (dual-stack scenarios). */
  readonly podCIDRs?: readonly string[]
}

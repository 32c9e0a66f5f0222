// Why: a validated scenario (ARCHITECTURE.md 3.2) after parsing: tagged unions, defaults resolved.
import type { ContainerPort, External, Labels, Namespace, Protocol, Target } from './cluster.js'
import type { NetworkPolicy } from './policy.js'

/** A probe pod as the scenario declares it; `ip` is resolved (declared or allocated). */
export interface PodSpec {
  readonly namespace: string
  readonly name: string
  readonly labels: Labels
  readonly ip: string
  readonly node?: string
  readonly ports: readonly ContainerPort[]
}

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
  | { readonly kind: 'set-pod-labels'; readonly namespace: string; readonly pod: string; readonly labels: Labels }
  | { readonly kind: 'set-namespace-labels'; readonly namespace: string; readonly labels: Labels }

export type IntentVerdict = 'allow' | 'deny'

/** `ns/pod` with `*` for either part, an external's name, or `*` for every endpoint. */
export type EndpointPattern = string

export interface ExpectRule {
  readonly from: EndpointPattern
  readonly to: EndpointPattern
  readonly port?: number
  readonly protocol?: Protocol
  readonly verdict: IntentVerdict
}

/** What the scenario's author means a step to do. */
export interface Expect {
  readonly default?: IntentVerdict
  readonly rules: readonly ExpectRule[]
}

export interface Step {
  readonly name: string
  readonly actions: readonly Action[]
  readonly probe: ProbeSpec
  readonly expect?: Expect
}

export interface Scenario {
  readonly name: string
  readonly file: string
  readonly description?: string
  readonly tags: readonly string[]
  readonly namespaces: readonly Namespace[]
  readonly pods: readonly PodSpec[]
  readonly externals: readonly External[]
  readonly probe: ProbeSpec
  readonly steps: readonly Step[]
}

// Why: what `lint` reads and what it says: a set of objects that live together, and findings about them.
import type { ContainerPort, Labels } from '../model/cluster.js'
import type { CalicoObject } from '../model/calico.js'
import type { ClusterPolicy } from '../model/cluster-policy.js'
import type { NetworkPolicy } from '../model/policy.js'
import type { SourceRef } from '../model/scenario.js'

/** How bad a finding is, in ascending order. */
export type Severity = 'info' | 'warning' | 'error'
/** All severities, least first. */
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error']

/** A policy with where it was written. */
export interface LintPolicy {
  readonly policy: NetworkPolicy
  readonly source: SourceRef
}

/** A namespace lint knows of (declared in a scenario, a Namespace object, or named by a policy). */
export interface LintNamespace {
  readonly name: string
  readonly labels: Labels
  readonly source: SourceRef
}

/** A pod, or the pod template of a workload (Deployment, StatefulSet, ...), that policies may select. */
export interface LintWorkload {
  readonly namespace: string
  readonly name: string
  readonly labels: Labels
  readonly ports: readonly ContainerPort[]
}

/** Objects that live in one cluster at one moment: a scenario step, or a folder of manifests. */
export interface LintSet {
  readonly namespaces: readonly LintNamespace[]
  /** Undefined when the input says nothing about pods (policies only): rules that need pods then stay quiet. */
  readonly workloads: readonly LintWorkload[] | undefined
  readonly policies: readonly LintPolicy[]
  /** Cluster-scoped policies (ClusterNetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy); absent: none. */
  readonly clusterPolicies?: readonly LintClusterPolicy[]
  /** Calico objects (docs/calico-policy.md); absent: none. */
  readonly calico?: readonly LintCalico[]
}

/** A Calico object with where it was written. */
export interface LintCalico {
  readonly object: CalicoObject
  readonly source: SourceRef
}

/** A cluster-scoped policy with where it was written. */
export interface LintClusterPolicy {
  readonly policy: ClusterPolicy
  readonly source: SourceRef
}

/** What lint can be told. */
export interface LintOptions {
  /** Labels that mark an edge tier (allowed to take traffic from anywhere): `key=value`, any matches. */
  readonly edgeLabels: readonly (readonly [string, string])[]
}

/** Every lint rule's id (as used by --disable and in SARIF). */
export type RuleId =
  | 'no-default-deny'
  | 'ingress-from-anywhere'
  | 'egress-blocks-dns'
  | 'selects-no-pod'
  | 'peer-selects-nothing'
  | 'named-port-unknown'
  | 'except-outside-cidr'
  | 'rules-ignored-by-policy-types'
  | 'empty-selector-surprise'
  | 'peers-or-not-and'
  | 'shadowed-rule'
  | 'cluster-policy-same-priority'
  | 'admin-deny-shadows-allow'
  | 'pass-with-nothing-below'
  | 'calico-deny-shadows-all'
  | 'calico-pass-with-nothing-after'
  | 'calico-order-tie'
  | 'calico-selects-nothing'

/** One finding: a rule, where, what and how to fix it. */
export interface Finding {
  readonly rule: RuleId
  readonly severity: Severity
  readonly message: string
  readonly hint: string
  readonly source: SourceRef
}

/** A finding rule: its id, default severity, one-line description, and the check. */
export interface Rule {
  readonly id: RuleId
  readonly severity: Severity
  readonly description: string
  check(set: LintSet, opts: LintOptions): Omit<Finding, 'rule' | 'severity'>[]
}

/** A location inside a policy's source. */
export function at(p: LintPolicy, ...path: (string | number)[]): SourceRef {
  return { ...p.source, path: [...p.source.path, ...path] }
}

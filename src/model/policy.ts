// Why: networking.k8s.io/v1 NetworkPolicy, as the API defines it (after validation, before defaulting).
import type { Labels, Protocol } from './cluster.js'

/** One matchExpressions term: key, operator and values. */
export interface LabelSelectorRequirement {
  readonly key: string
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'
  readonly values?: readonly string[]
}

/** matchLabels AND matchExpressions; empty selects everything. */
export interface LabelSelector {
  readonly matchLabels?: Labels
  readonly matchExpressions?: readonly LabelSelectorRequirement[]
}

/** A CIDR minus its excepts. */
export interface IPBlock {
  readonly cidr: string
  readonly except?: readonly string[]
}

/** One `from`/`to` entry: pods, namespaces (both: AND) or an ipBlock. */
export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector
  readonly namespaceSelector?: LabelSelector
  readonly ipBlock?: IPBlock
}

/** A rule port: protocol (TCP when omitted), number or name, optional endPort. */
export interface NetworkPolicyPort {
  readonly protocol?: Protocol
  readonly port?: number | string
  readonly endPort?: number
}

/** An ingress rule: who may connect (`from`) on which ports. */
export interface NetworkPolicyIngressRule {
  readonly from?: readonly NetworkPolicyPeer[]
  readonly ports?: readonly NetworkPolicyPort[]
}

/** An egress rule: where the pod may connect (`to`) on which ports. */
export interface NetworkPolicyEgressRule {
  readonly to?: readonly NetworkPolicyPeer[]
  readonly ports?: readonly NetworkPolicyPort[]
}

/** The directions a policy isolates. */
export type PolicyType = 'Ingress' | 'Egress'

/** Which pods the policy selects, which directions it isolates, and its rules. */
export interface NetworkPolicySpec {
  readonly podSelector: LabelSelector
  readonly policyTypes?: readonly PolicyType[]
  readonly ingress?: readonly NetworkPolicyIngressRule[]
  readonly egress?: readonly NetworkPolicyEgressRule[]
}

/** A NetworkPolicy; `scenario/policy-schema.ts` is typed to yield exactly this, so validation needs no cast. */
export interface NetworkPolicy {
  readonly apiVersion: 'networking.k8s.io/v1'
  readonly kind: 'NetworkPolicy'
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Labels; readonly annotations?: Labels }
  readonly spec: NetworkPolicySpec
}

/** `namespace/name` of a policy (or of a reference to one, such as a step's `delete` entry), as reports print it. */
export function policyId(p: { readonly metadata: { readonly namespace: string; readonly name: string } }): string {
  return `${p.metadata.namespace}/${p.metadata.name}`
}

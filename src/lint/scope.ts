// Why: which workloads a policy or a peer selects, and what stands for them when the input names no pods.
import { NAMESPACE_NAME_LABEL, type Labels } from '../model/cluster.js'
import type { LabelSelector, NetworkPolicy, NetworkPolicyPeer } from '../model/policy.js'
import { matchesSelector } from '../evaluator/index.js'
import type { LintOptions, LintSet, LintWorkload } from './model.js'

/** True when a selector has no terms (selects everything). */
export function isEmptySelector(s: LabelSelector | undefined): boolean {
  return !!s && Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0
}

/** Labels of a namespace as lint knows them (always with its name label). */
function namespaceLabels(set: LintSet, name: string): Labels {
  return set.namespaces.find((n) => n.name === name)?.labels ?? { [NAMESPACE_NAME_LABEL]: name }
}

/** Workloads of a namespace, or undefined when the input says nothing about that namespace's pods. */
export function workloadsIn(set: LintSet, namespace: string): LintWorkload[] | undefined {
  const list = set.workloads?.filter((w) => w.namespace === namespace)
  return list && list.length > 0 ? list : undefined
}

/** The workloads a policy selects; undefined when the namespace's pods are unknown. */
export function selectedWorkloads(set: LintSet, policy: NetworkPolicy): LintWorkload[] | undefined {
  return workloadsIn(set, policy.metadata.namespace)?.filter((w) => matchesSelector(policy.spec.podSelector, w.labels))
}

/** Labels that satisfy a selector: a stand-in pod for a policy when no pods are known. */
function representativeLabels(s: LabelSelector): Labels {
  const out: Record<string, string> = { ...(s.matchLabels ?? {}) }
  for (const r of s.matchExpressions ?? []) {
    if (r.operator === 'In') out[r.key] = r.values![0]
    else if (r.operator === 'Exists') out[r.key] = 'x'
  }
  return out
}

/** The pods a policy governs: the known ones it selects, or one stand-in built from its selector. */
export function subjects(set: LintSet, policy: NetworkPolicy): LintWorkload[] {
  const known = selectedWorkloads(set, policy)
  if (known) return known
  return [
    {
      namespace: policy.metadata.namespace,
      name: `<pods selected by ${policy.metadata.name}>`,
      labels: representativeLabels(policy.spec.podSelector),
      ports: [],
    },
  ]
}

/**
 * Known workloads in the namespaces `namespaces` picks (a namespace selector, or one namespace by name) whose labels
 * `pods` selects (absent: every pod there).
 */
export function workloadsSelected(set: LintSet, namespaces: LabelSelector | string, pods?: LabelSelector): LintWorkload[] {
  return (set.workloads ?? []).filter(
    (w) =>
      (typeof namespaces === 'string' ? w.namespace === namespaces : matchesSelector(namespaces, namespaceLabels(set, w.namespace))) &&
      (!pods || matchesSelector(pods, w.labels)),
  )
}

/** Known workloads a selector peer of `policy` matches (ipBlock peers match none here). */
export function peerWorkloads(set: LintSet, policy: NetworkPolicy, peer: NetworkPolicyPeer): LintWorkload[] {
  return peer.ipBlock ? [] : workloadsSelected(set, peer.namespaceSelector ?? policy.metadata.namespace, peer.podSelector)
}

const EDGE_WORDS = new Set([
  'edge',
  'web',
  'frontend',
  'front-end',
  'ingress',
  'gateway',
  'public',
  'lb',
  'loadbalancer',
  'load-balancer',
  'proxy',
])

/** True when labels mark an edge tier: the `--edge-label`s if given, else a value such as web, frontend, ingress, gateway. */
export function isEdge(labels: Labels, opts: LintOptions): boolean {
  if (opts.edgeLabels.length) return opts.edgeLabels.some(([k, v]) => labels[k] === v)
  return Object.values(labels).some((v) => EDGE_WORDS.has(v.toLowerCase()))
}

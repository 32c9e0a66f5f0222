// Why: egress isolation that silently breaks name resolution, the most common default-deny-egress outage.
import { effectivePolicyTypes, matchesSelector } from '../../evaluator/index.js'
import { portMatches } from '../../evaluator/ports.js'
import type { Protocol } from '../../model/cluster.js'
import type { NetworkPolicyPeer, NetworkPolicyPort } from '../../model/policy.js'
import { type LintPolicy, type LintSet, type LintWorkload, type Rule, at } from '../model.js'
import { peerWorkloads, subjects } from '../scope.js'

/** True when a rule's ports admit DNS on `protocol` (a named port counts when its name says dns). */
function admitsDns(ports: readonly NetworkPolicyPort[] | undefined, protocol: Protocol): boolean {
  if (!ports || ports.length === 0) return true
  return ports.some((p) =>
    typeof p.port === 'string'
      ? (p.protocol ?? 'TCP') === protocol && p.port.includes('dns')
      : portMatches(p, { port: 53, protocol }, undefined),
  )
}

const DNS_NAME = /(^|[-/])(kube-dns|coredns|dns)([-]|$)/

/** Could a rule's peers include a DNS server? Own-namespace pod peers only where DNS pods run in that namespace. */
function peersMayReachDns(set: LintSet, lp: LintPolicy, peers: readonly NetworkPolicyPeer[] | undefined): boolean {
  if (!peers || peers.length === 0) return true
  return peers.some(
    (p) =>
      p.ipBlock ||
      p.namespaceSelector ||
      peerWorkloads(set, lp.policy, p).some((w) => DNS_NAME.test(w.name) || Object.values(w.labels).some((v) => DNS_NAME.test(v))),
  )
}

/** Pods isolated for egress with no egress rule open to port 53 (UDP, and TCP for large answers). */
export const egressBlocksDns: Rule = {
  id: 'egress-blocks-dns',
  severity: 'warning',
  description: 'egress isolation that blocks DNS (UDP and TCP port 53)',
  check(set) {
    const isolating = set.policies.filter((lp) => effectivePolicyTypes(lp.policy).has('Egress'))
    const seen = new Set<string>()
    const out = []
    for (const lp of isolating) {
      for (const pod of subjects(set, lp.policy)) {
        const key = `${pod.namespace}/${pod.name}`
        if (seen.has(key)) continue
        seen.add(key)
        const governing = isolating.filter(
          (q) => q.policy.metadata.namespace === pod.namespace && matchesSelector(q.policy.spec.podSelector, pod.labels),
        )
        const rules = governing.flatMap((q) => (q.policy.spec.egress ?? []).filter((r) => peersMayReachDns(set, q, r.to)))
        const missing = (['UDP', 'TCP'] as const).filter((proto) => !rules.some((r) => admitsDns(r.ports, proto)))
        if (missing.length === 0) continue
        out.push({ pod, lp: governing[0], missing })
      }
    }
    // One finding per policy that first isolates the pods, naming them all.
    const byPolicy = new Map<string, { lp: (typeof out)[number]['lp']; pods: LintWorkload[]; missing: Set<string> }>()
    for (const f of out) {
      const k = `${f.lp.policy.metadata.namespace}/${f.lp.policy.metadata.name}`
      const e = byPolicy.get(k) ?? { lp: f.lp, pods: [], missing: new Set<string>() }
      e.pods.push(f.pod)
      f.missing.forEach((m) => e.missing.add(m))
      byPolicy.set(k, e)
    }
    return [...byPolicy.values()].map((e) => ({
      message: `${e.lp.policy.metadata.namespace}/${e.lp.policy.metadata.name} isolates egress of ${e.pods.map((p) => p.name).join(', ')} and nothing allows DNS (${[...e.missing].map((m) => `${m} 53`).join(' and ')}): name lookups will fail`,
      hint: 'add an egress rule to your DNS pods (e.g. namespaceSelector kubernetes.io/metadata.name: kube-system, podSelector k8s-app: kube-dns) on port 53 for UDP and TCP',
      source: at(e.lp, 'spec', e.lp.policy.spec.policyTypes ? 'policyTypes' : 'egress'),
    }))
  },
}

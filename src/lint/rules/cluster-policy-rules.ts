// Why: mistakes with cluster-scoped policy (docs/cluster-policy.md): equal priorities whose order is undefined, an
// Admin Deny that silently overrides a namespace's own allow, and a Pass that has nothing below it to decide.
import { effectivePolicyTypes, matchesSelector } from '../../evaluator/index.js'
import { type TierPeer, type TieredPolicy, tieredView } from '../../model/cluster-policy.js'
import type { LintClusterPolicy, LintPolicy, LintSet, LintWorkload, Rule } from '../model.js'
import { peerWorkloads, workloadsSelected } from '../scope.js'
import { rulesOf, ties } from './walk.js'

type Dir = 'ingress' | 'egress'
type Found = ReturnType<Rule['check']>[number]

/** The known workloads a cluster policy's subject selects; undefined when the input names no pods. */
function subjectWorkloads(set: LintSet, v: TieredPolicy): LintWorkload[] | undefined {
  const { namespaces, pods } = v.subject
  return set.workloads && workloadsSelected(set, namespaces ?? pods!.namespaceSelector, pods?.podSelector)
}

/** The known workloads a cluster-policy peer selects (networks, nodes, domainNames: none known). */
function tierPeerWorkloads(set: LintSet, p: TierPeer): LintWorkload[] {
  return 'namespaces' in p
    ? workloadsSelected(set, p.namespaces)
    : 'pods' in p
      ? workloadsSelected(set, p.pods.namespaceSelector, p.pods.podSelector)
      : []
}

/** Whether NetworkPolicy `np` isolates workload `w` in direction `dir` (no workload: whether it isolates any pod in `dir`). */
function isolates(np: LintPolicy, dir: Dir, w?: LintWorkload): boolean {
  return (
    effectivePolicyTypes(np.policy).has(dir === 'ingress' ? 'Ingress' : 'Egress') &&
    (!w || (np.policy.metadata.namespace === w.namespace && matchesSelector(np.policy.spec.podSelector, w.labels)))
  )
}

const id = (w: LintWorkload) => `${w.namespace}/${w.name}`
const views = (set: LintSet): { lp: LintClusterPolicy; v: TieredPolicy }[] =>
  (set.clusterPolicies ?? []).map((lp) => ({ lp, v: tieredView(lp.policy) }))

/** Two policies of one tier with the same priority whose subjects overlap, with rules in a common direction. */
export const clusterPolicySamePriority: Rule = {
  id: 'cluster-policy-same-priority',
  severity: 'warning',
  description: 'two cluster policies of one tier with the same priority over the same pods',
  check: (set) =>
    ties(
      views(set),
      (a, b) => a.v.tier === b.v.tier && a.v.priority !== undefined && a.v.priority === b.v.priority,
      (x) => x.v,
      (x) => subjectWorkloads(set, x.v),
    ).map(({ a, b, dirs, both }) => ({
      message: `${a.v.id} and ${b.v.id} are both ${a.v.tier} tier at priority ${a.v.priority} with ${dirs.join(' and ')} rules${both ? ` over the same pods (${both.slice(0, 3).map(id).join(', ')})` : ''}: which applies first is undefined`,
      hint: `give ${b.v.id} a priority other than ${a.v.priority}`,
      source: { ...b.lp.source, path: [...b.lp.source.path, 'spec', 'priority'] },
    })),
}

/** An Admin Deny rule that matches traffic a namespace's NetworkPolicy rule explicitly allows, for known pods. */
export const adminDenyShadowsAllow: Rule = {
  id: 'admin-deny-shadows-allow',
  severity: 'warning',
  description: "an Admin Deny overrides a namespace's NetworkPolicy allow",
  check(set) {
    if (!set.workloads) return []
    const out: Found[] = []
    for (const { lp, v } of views(set)) {
      if (v.tier !== 'Admin') continue
      const subject = subjectWorkloads(set, v) ?? []
      for (const dir of ['ingress', 'egress'] as Dir[])
        for (const rule of v[dir]) {
          if (rule.action !== 'Deny' || rule.ports !== null) continue
          const denied = rule.peers.flatMap((p) => tierPeerWorkloads(set, p))
          for (const np of set.policies) {
            const selected = subject.filter((w) => isolates(np, dir, w))
            if (selected.length === 0) continue
            const ns = np.policy.metadata.namespace
            for (const r of rulesOf([np]).filter((x) => x.direction === dir)) {
              const allowed = (r.peers ?? []).flatMap((p) => peerWorkloads(set, np.policy, p))
              const both = allowed.find((w) => denied.includes(w))
              if (!both) continue
              out.push({
                message: `${v.id} ${dir} rule ${rule.index} (Admin, Deny) denies ${dir === 'ingress' ? `${id(both)} -> ${id(selected[0])}` : `${id(selected[0])} -> ${id(both)}`}, which ${ns}/${np.policy.metadata.name} ${dir} rule ${r.index} allows: the NetworkPolicy allow never takes effect`,
                hint: `put a Pass for the traffic ${ns} may decide on before the Deny, or narrow the Deny`,
                source: { ...lp.source, path: [...lp.source.path, 'spec', dir, rule.index] },
              })
            }
          }
        }
    }
    return out
  },
}

/** An Admin Pass whose subject has no NetworkPolicy isolating it and no Baseline policy selecting it: an allow in disguise. */
export const passWithNothingBelow: Rule = {
  id: 'pass-with-nothing-below',
  severity: 'info',
  description: 'a Pass with no NetworkPolicy or Baseline policy below it',
  check(set) {
    const all = views(set)
    const out: Found[] = []
    for (const { lp, v } of all) {
      for (const dir of ['ingress', 'egress'] as Dir[]) {
        const pass = v[dir].find((r) => r.action === 'Pass')
        if (!pass) continue
        const type = dir === 'ingress' ? 'Ingress' : 'Egress'
        const subject = subjectWorkloads(set, v)
        const below = (w?: LintWorkload) =>
          set.policies.some((np) => isolates(np, dir, w)) ||
          all.some((o) => o.v.tier === 'Baseline' && o.v[dir].length > 0 && (!w || (subjectWorkloads(set, o.v) ?? []).includes(w)))
        const lonely = v.tier === 'Baseline' ? (subject ?? []) : subject ? subject.filter((w) => !below(w)) : below() ? [] : [undefined]
        if (lonely.length === 0) continue
        const who = lonely[0]
          ? ` for ${lonely
              .slice(0, 3)
              .map((w) => id(w!))
              .join(', ')}`
          : ''
        out.push({
          message: `${v.id} ${dir} rule ${pass.index} passes${who}, but ${v.tier === 'Baseline' ? 'nothing comes after the Baseline tier' : `no NetworkPolicy isolates it for ${type} and no Baseline policy selects it`}: the Pass allows`,
          hint: 'use Accept if allowing is meant, or add the NetworkPolicy or Baseline policy that should decide',
          source: { ...lp.source, path: [...lp.source.path, 'spec', dir, pass.index, 'action'] },
        })
      }
    }
    return out
  },
}

// Why: mistakes with Calico's own policies (docs/calico-policy.md): a Deny that matches everything in an earlier
// tier or place shadows every later policy of the pods it selects, a Pass with nothing after it is an allow in
// disguise, equal orders leave the order to the names, and selectors that match no known pod or network set.
import { type Labels, NAMESPACE_NAME_LABEL } from '../../model/cluster.js'
import {
  BUILTIN_TIERS,
  type CalicoEntity,
  type CalicoPolicy,
  type CalicoRule,
  K8S_NP_ORDER,
  calicoId,
  compareOrdered,
  isStaged,
  workloadLabels,
} from '../../model/calico.js'
import { calicoSelects } from '../../model/calico-selector.js'
import type { LintCalico, LintSet, LintWorkload, Rule } from '../model.js'
import { ties } from './walk.js'

type Found = ReturnType<Rule['check']>[number]
type Dir = 'ingress' | 'egress'
const TYPE = { ingress: 'Ingress', egress: 'Egress' } as const

const nsLabels = (set: LintSet, ns: string): Labels => set.namespaces.find((n) => n.name === ns)?.labels ?? { [NAMESPACE_NAME_LABEL]: ns }
const wid = (w: LintWorkload) => `${w.namespace}/${w.name}`

/** The enforced Calico policies of a set, with their tier's order, in evaluation order. */
function policies(set: LintSet): { lp: LintCalico; p: CalicoPolicy; tierOrder: number | undefined }[] {
  const tiers = new Map<string, number | undefined>(BUILTIN_TIERS.map((t) => [t.name, t.order]))
  for (const o of set.calico ?? []) if (o.object.kind === 'Tier') tiers.set(o.object.name, o.object.order)
  return (set.calico ?? [])
    .filter((lp): lp is LintCalico & { object: CalicoPolicy } => 'selector' in lp.object && !isStaged(lp.object))
    .map((lp) => ({ lp, p: lp.object, tierOrder: tiers.get(lp.object.tier) }))
    .sort(
      (a, b) =>
        compareOrdered({ order: a.tierOrder, name: a.p.tier }, { order: b.tierOrder, name: b.p.tier }) ||
        compareOrdered({ order: a.p.order, name: a.p.name }, { order: b.p.order, name: b.p.name }),
    )
}

/** The known workloads a Calico policy selects; undefined when the input names no pods. */
function selected(set: LintSet, p: CalicoPolicy): LintWorkload[] | undefined {
  if (!set.workloads) return undefined
  return set.workloads.filter((w) => {
    if (p.namespace !== undefined && w.namespace !== p.namespace) return false
    const labels = workloadLabels(w, nsLabels(set, w.namespace), 'default')
    if (!calicoSelects(p.selector, { labels, namespaced: true })) return false
    return !p.namespaceSelector || calicoSelects(p.namespaceSelector, { labels: nsLabels(set, w.namespace), namespaced: true })
  })
}

const matchesAll = (r: CalicoRule) => {
  const empty = (e: CalicoEntity) => Object.keys(e).every((k) => k === 'text')
  return r.protocol === undefined && r.notProtocol === undefined && r.ipVersion === undefined && empty(r.source) && empty(r.destination)
}

/** Where Kubernetes NetworkPolicies sit among Calico's policies: the `default` tier, at order 1000 (K8S_NP_ORDER). */
const K8S_PLACE = { tier: { order: 1_000_000, name: 'default' }, policy: { order: K8S_NP_ORDER, name: 'knp.default.' } }

/** What a "nothing after it" rule says about one rule of a policy, given what decides after it for its pods (if anything). */
type AfterFinding = (x: {
  p: CalicoPolicy
  dir: Dir
  ri: number
  mine: LintWorkload[] | undefined
  later: string | undefined
}) => Pick<Found, 'message' | 'hint'> | undefined

/**
 * The shape both "what comes after" rules share: for each enforced policy and direction, the rule `pick` chooses
 * (-1: none), then what decides next for the policy's pods in that direction (a later Calico policy selecting one of
 * them, or a Kubernetes NetworkPolicy of their namespaces placed later; `tierOnly`: only in later tiers, as after a
 * Pass), and the finding `say` makes of it.
 */
function afterRule(set: LintSet, pick: (rules: readonly CalicoRule[]) => number, tierOnly: boolean, say: AfterFinding): Found[] {
  const all = policies(set)
  const out: Found[] = []
  all.forEach(({ lp, p, tierOrder }, i) => {
    const tier = { order: tierOrder, name: p.tier }
    const mine = selected(set, p)
    for (const dir of ['ingress', 'egress'] as Dir[]) {
      const ri = pick(p[dir])
      if (ri < 0 || !p.types.includes(TYPE[dir])) continue
      const later = all.slice(i + 1).find(({ p: q, tierOrder: qo }) => {
        if (!q.types.includes(TYPE[dir])) return false
        if (tierOnly && compareOrdered({ order: qo, name: q.tier }, tier) <= 0) return false
        const theirs = selected(set, q)
        return !mine || !theirs || theirs.some((w) => mine.includes(w))
      })
      const tierCmp = compareOrdered(K8S_PLACE.tier, tier)
      const npLater = tierCmp > 0 || (!tierOnly && tierCmp === 0 && compareOrdered(K8S_PLACE.policy, p) > 0)
      const np = npLater && mine ? set.policies.find((n) => mine.some((w) => w.namespace === n.policy.metadata.namespace)) : undefined
      const what = later ? calicoId(later.p) : np ? `${np.policy.metadata.namespace}/${np.policy.metadata.name}` : undefined
      const f = say({ p, dir, ri, mine, later: what })
      if (f) out.push({ ...f, source: { ...lp.source, path: [...lp.source.path, 'spec', dir, ri] } })
    }
  })
  return out
}

/** A Deny that matches every connection, with later policies (of its tier or later tiers) for the same pods. */
export const calicoDenyShadowsAll: Rule = {
  id: 'calico-deny-shadows-all',
  severity: 'warning',
  description: 'a Calico Deny that matches everything shadows every later policy of the pods it selects',
  check: (set) =>
    afterRule(
      set,
      (rules) => {
        const ri = rules.findIndex((r) => r.action !== 'Log')
        return ri >= 0 && rules[ri].action === 'Deny' && matchesAll(rules[ri]) ? ri : -1
      },
      false,
      ({ p, dir, ri, later }) =>
        later === undefined
          ? undefined
          : {
              message: `${calicoId(p)} ${dir} rule ${ri} denies everything in tier ${p.tier}: ${later} (later) never decides for the pods it selects`,
              hint: 'narrow the Deny (source/destination, protocol), or Pass what later policies should decide',
            },
    ),
}

/** A Pass rule for pods that no later tier selects: it simply allows. */
export const calicoPassWithNothingAfter: Rule = {
  id: 'calico-pass-with-nothing-after',
  severity: 'info',
  description: 'a Calico Pass with no later tier selecting the pods: it allows',
  check: (set) =>
    !set.workloads
      ? []
      : afterRule(
          set,
          (rules) => rules.findIndex((r) => r.action === 'Pass'),
          true,
          ({ p, dir, ri, mine, later }) =>
            later
              ? undefined
              : {
                  message: `${calicoId(p)} ${dir} rule ${ri} Passes ${mine?.length ? `${mine.slice(0, 3).map(wid).join(', ')}` : 'its pods'} to later tiers, but none selects them: the Pass allows`,
                  hint: 'use Allow if that is meant, or add the policy that should decide',
                },
        ),
}

/** Two policies of one tier with the same order over the same pods: their order is decided by name. */
export const calicoOrderTie: Rule = {
  id: 'calico-order-tie',
  severity: 'warning',
  description: 'two Calico policies of one tier with the same order over the same pods: the names decide',
  check: (set) =>
    ties(
      policies(set),
      (a, b) => a.p.tier === b.p.tier && a.p.order === b.p.order,
      (x) => x.p,
      (x) => selected(set, x.p),
    ).map(({ a, b, both }) => ({
      message: `${calicoId(a.p)} and ${calicoId(b.p)} are both in tier ${a.p.tier} at order ${a.p.order ?? 'none'}${both ? ` over ${both.slice(0, 3).map(wid).join(', ')}` : ''}: ${a.p.name} applies first only because of its name`,
      hint: `give ${b.p.name} its own order`,
      source: { ...b.lp.source, path: [...b.lp.source.path, 'spec', 'order'] },
    })),
}

/** A policy selector, or a rule selector, that matches no known pod (or network set). */
export const calicoSelectsNothing: Rule = {
  id: 'calico-selects-nothing',
  severity: 'warning',
  description: 'a Calico selector that matches no known pod or network set',
  check(set) {
    if (!set.workloads) return []
    const out: Found[] = []
    const sets = (set.calico ?? []).flatMap((c) =>
      c.object.kind === 'NetworkSet' || c.object.kind === 'GlobalNetworkSet' ? [c.object] : [],
    )
    for (const { lp, p } of policies(set)) {
      if ((selected(set, p) ?? []).length === 0)
        out.push({
          message: `${calicoId(p)} selects no pod (selector ${p.selectorText})`,
          hint: 'fix the selector to match the pods it is meant for',
          source: { ...lp.source, path: [...lp.source.path, 'spec', 'selector'] },
        })
      for (const dir of ['ingress', 'egress'] as Dir[])
        p[dir].forEach((r, ri) => {
          for (const side of ['source', 'destination'] as const) {
            const sel = r[side].selector
            if (!sel) continue
            const any =
              set.workloads!.some((w) => calicoSelects(sel, { labels: workloadLabels(w, nsLabels(set, w.namespace), 'default') })) ||
              sets.some((s) => calicoSelects(sel, { labels: s.labels }))
            if (!any)
              out.push({
                message: `${calicoId(p)} ${dir} rule ${ri} ${side} selector ${r[side].text.selector} matches no pod or network set`,
                hint: 'fix the labels',
                source: { ...lp.source, path: [...lp.source.path, 'spec', dir, ri, side, 'selector'] },
              })
          }
        })
    }
    return out
  },
}

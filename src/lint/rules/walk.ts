// Why: visit every rule of every policy with its direction and its YAML path, the same way in every lint rule.
import type { NetworkPolicyPeer, NetworkPolicyPort } from '../../model/policy.js'
import type { LintPolicy, LintWorkload } from '../model.js'

/** Which rules of a policy a walk visits. */
export type Direction = 'ingress' | 'egress'

/** One rule of one policy, direction-neutral: `peers` is `from` or `to`. */
export interface RuleView {
  readonly lp: LintPolicy
  readonly direction: Direction
  readonly index: number
  readonly peers: readonly NetworkPolicyPeer[] | undefined
  readonly ports: readonly NetworkPolicyPort[] | undefined
  /** YAML key of the peer list: `from` or `to`. */
  readonly peersKey: 'from' | 'to'
}

/** Every ingress and egress rule of the given policies. */
export function rulesOf(policies: readonly LintPolicy[]): RuleView[] {
  return policies.flatMap((lp) => [
    ...(lp.policy.spec.ingress ?? []).map((r, index): RuleView => ({
      lp,
      direction: 'ingress',
      index,
      peers: r.from,
      ports: r.ports,
      peersKey: 'from',
    })),
    ...(lp.policy.spec.egress ?? []).map((r, index): RuleView => ({
      lp,
      direction: 'egress',
      index,
      peers: r.to,
      ports: r.ports,
      peersKey: 'to',
    })),
  ])
}

/** Two policies of one tier at the same place in it, which the lint rules about ties report. */
export interface Tie<P> {
  readonly a: P
  readonly b: P
  /** The directions both have rules in. */
  readonly dirs: Direction[]
  /** The known pods both select; undefined when the input names no pods. */
  readonly both: LintWorkload[] | undefined
}

/**
 * Every pair (in input order) that `tied` says stands at the same place, with rules in a common direction, over pods
 * both select (or pods unknown): where which applies first is left to chance or to names.
 */
export function ties<P>(
  all: readonly P[],
  tied: (a: P, b: P) => boolean,
  rules: (p: P) => { readonly ingress: readonly unknown[]; readonly egress: readonly unknown[] },
  selected: (p: P) => LintWorkload[] | undefined,
): Tie<P>[] {
  const out: Tie<P>[] = []
  for (const [i, a] of all.entries())
    for (const b of all.slice(i + 1)) {
      if (!tied(a, b)) continue
      const dirs = (['ingress', 'egress'] as const).filter((d) => rules(a)[d].length > 0 && rules(b)[d].length > 0)
      if (dirs.length === 0) continue
      const sa = selected(a)
      const sb = selected(b)
      const both = sa && sb ? sa.filter((w) => sb.includes(w)) : undefined
      if (both && both.length === 0) continue
      out.push({ a, b, dirs, both })
    }
  return out
}

// Why: visit every rule of every policy with its direction and its YAML path, the same way in every lint rule.
import type { NetworkPolicyPeer, NetworkPolicyPort } from '../../model/policy.js'
import type { LintPolicy } from '../model.js'

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

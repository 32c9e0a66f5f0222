// Why: the registry of lint rules, in the order they are documented.
import type { Rule, RuleId } from './model.js'
import { adminDenyShadowsAllow, clusterPolicySamePriority, passWithNothingBelow } from './rules/cluster-policy-rules.js'
import { calicoDenyShadowsAll, calicoOrderTie, calicoPassWithNothingAfter, calicoSelectsNothing } from './rules/calico-rules.js'
import { egressBlocksDns } from './rules/dns-rules.js'
import { ingressFromAnywhere } from './rules/exposure-rules.js'
import { noDefaultDeny } from './rules/namespace-rules.js'
import { exceptOutsideCidr, namedPortUnknown, rulesIgnoredByPolicyTypes } from './rules/never-match-rules.js'
import { peerSelectsNothing, selectsNoPod } from './rules/selection-rules.js'
import { shadowedRule } from './rules/shadow-rules.js'
import { emptySelectorSurprise, peersOrNotAnd } from './rules/surprise-rules.js'

/** Every lint rule, in the order findings are listed. */
export const RULES: readonly Rule[] = [
  noDefaultDeny,
  ingressFromAnywhere,
  egressBlocksDns,
  selectsNoPod,
  peerSelectsNothing,
  namedPortUnknown,
  exceptOutsideCidr,
  rulesIgnoredByPolicyTypes,
  emptySelectorSurprise,
  peersOrNotAnd,
  shadowedRule,
  clusterPolicySamePriority,
  adminDenyShadowsAllow,
  passWithNothingBelow,
  calicoDenyShadowsAll,
  calicoPassWithNothingAfter,
  calicoOrderTie,
  calicoSelectsNothing,
]

/** Rules that report a gap (something missing): in a scenario, only a gap at every step is reported. */
export const GAP_RULES: ReadonlySet<RuleId> = new Set(['no-default-deny'])

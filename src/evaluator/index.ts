// Why: the evaluator's public surface (pure: imports nothing that touches the outside world).
export { compile, effectivePolicyTypes, type Endpoint, type Model } from './compile.js'
export { predict, predictModel, type PredictOptions, type Verdict } from './predict.js'
export { explainCell, describePeer, describeSelector, type Explanation, type DirectionDecision, type RuleRef } from './explain.js'
export { matchesSelector } from './selectors.js'
export { serviceHop, type HairpinMode } from './services.js'
/** The cluster-policy tiers' part of an explanation. */
export type { TierDecision, TierHit } from './tiers.js'
/** The Calico tiers' part of an explanation. */
export type { CalicoDecision, CalicoHit } from './calico.js'

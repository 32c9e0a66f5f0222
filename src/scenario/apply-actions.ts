// Why: what the API server does with a step's actions, as a pure function over ClusterState.
import type { CalicoObject } from '../model/calico.js'
import type { Action, ChaosAction, Scenario } from '../model/scenario.js'
import type { ClusterState } from '../model/state.js'
import { assertNever } from '../util/assert-never.js'

/** The cluster a scenario starts from: its namespaces, pods, externals and Services, no policies. */
export function initialState(s: Scenario): ClusterState {
  return { namespaces: s.namespaces, pods: s.pods, externals: s.externals, policies: [], ...(s.services ? { services: s.services } : {}) }
}

/** Applies one action (apply replaces a policy of the same namespace/name, or cluster policy of the same kind/name, keeping its place). */
export function applyAction(state: ClusterState, action: Action): ClusterState {
  switch (action.kind) {
    case 'apply-policy': {
      const { namespace, name } = action.policy.metadata
      const i = state.policies.findIndex((p) => p.metadata.namespace === namespace && p.metadata.name === name)
      const policies = [...state.policies]
      if (i >= 0) policies[i] = action.policy
      else policies.push(action.policy)
      return { ...state, policies }
    }
    case 'delete-policy':
      return {
        ...state,
        policies: state.policies.filter((p) => !(p.metadata.namespace === action.namespace && p.metadata.name === action.name)),
      }
    case 'apply-cluster-policy': {
      const { kind, metadata } = action.policy
      const list = [...(state.clusterPolicies ?? [])]
      const i = list.findIndex((p) => p.kind === kind && p.metadata.name === metadata.name)
      if (i >= 0) list[i] = action.policy
      else list.push(action.policy)
      return { ...state, clusterPolicies: list }
    }
    case 'delete-cluster-policy':
      return {
        ...state,
        clusterPolicies: (state.clusterPolicies ?? []).filter((p) => !(p.kind === action.policyKind && p.metadata.name === action.name)),
      }
    case 'apply-calico': {
      const o = action.object
      const same = (x: CalicoObject) =>
        x.kind === o.kind &&
        x.name === o.name &&
        ('namespace' in x ? x.namespace : undefined) === ('namespace' in o ? o.namespace : undefined)
      const list = [...(state.calico ?? [])]
      const i = list.findIndex(same)
      if (i >= 0) list[i] = o
      else list.push(o)
      return { ...state, calico: list }
    }
    case 'delete-calico':
      return {
        ...state,
        calico: (state.calico ?? []).filter(
          (x) =>
            !(x.kind === action.calicoKind && x.name === action.name && ('namespace' in x ? x.namespace : undefined) === action.namespace),
        ),
      }
    case 'set-pod-labels':
      return {
        ...state,
        pods: state.pods.map((p) => (p.namespace === action.namespace && p.name === action.pod ? { ...p, labels: action.labels } : p)),
      }
    case 'set-namespace-labels':
      return { ...state, namespaces: state.namespaces.map((n) => (n.name === action.namespace ? { ...n, labels: action.labels } : n)) }
    default:
      return assertNever(action, 'action')
  }
}

/** What a step's chaos leaves behind in the API: relabels, and policy churn's final set (faults leave nothing). */
export function chaosEffects(chaos: readonly ChaosAction[] | undefined): Action[] {
  return (chaos ?? []).flatMap((c): Action[] => {
    if (c.action === 'relabel') return [c.change]
    if (c.action === 'policy-churn') return c.policies.map((policy) => ({ kind: 'apply-policy', policy }))
    return []
  })
}

/** The cluster state after each step (its actions, then its chaos), in order. */
export function stepStates(s: Scenario): ClusterState[] {
  let state = initialState(s)
  return s.steps.map((step) => {
    for (const a of [...step.actions, ...chaosEffects(step.chaos)]) state = applyAction(state, a)
    return state
  })
}

// Why: selectors that select nothing: a policy that protects no pod, a peer that admits no pod.
import { matchesSelector } from '../../evaluator/index.js'
import { describePeer, describeSelector } from '../../evaluator/index.js'
import { type Rule, at } from '../model.js'
import { peerWorkloads, selectedWorkloads, workloadsIn } from '../scope.js'
import { rulesOf } from './walk.js'

/** A policy whose podSelector matches no pod of its namespace (only where that namespace's pods are known). */
export const selectsNoPod: Rule = {
  id: 'selects-no-pod',
  severity: 'warning',
  description: 'a policy whose podSelector selects no pod',
  check(set) {
    return set.policies
      .filter((lp) => selectedWorkloads(set, lp.policy)?.length === 0)
      .map((lp) => ({
        message: `${lp.policy.metadata.namespace}/${lp.policy.metadata.name} selects no pod (podSelector ${describeSelector(lp.policy.spec.podSelector)}; pods here: ${workloadsIn(
          set,
          lp.policy.metadata.namespace,
        )!
          .map((w) => w.name)
          .join(', ')})`,
        hint: 'check the label keys and values against the pods (kubectl get pods --show-labels); a typo makes the policy protect nothing',
        source: at(lp, 'spec', 'podSelector'),
      }))
  },
}

/** A selector peer that matches no known pod (or no known namespace), so the rule admits nobody through it. */
export const peerSelectsNothing: Rule = {
  id: 'peer-selects-nothing',
  severity: 'info',
  description: 'a podSelector/namespaceSelector peer that matches no pod',
  check(set) {
    if (!set.workloads || set.workloads.length === 0) return []
    return rulesOf(set.policies).flatMap((r) =>
      (r.peers ?? []).flatMap((peer, j) => {
        if (peer.ipBlock || peerWorkloads(set, r.lp.policy, peer).length > 0) return []
        const noNamespace = peer.namespaceSelector && !set.namespaces.some((n) => matchesSelector(peer.namespaceSelector!, n.labels))
        return [
          {
            message: `${r.direction} rule ${r.index} of ${r.lp.policy.metadata.namespace}/${r.lp.policy.metadata.name}: peer ${describePeer(peer)} matches ${noNamespace ? 'no namespace' : 'no pod'}`,
            hint: 'check the labels; a peer that matches nothing admits nobody',
            source: at(r.lp, 'spec', r.direction, r.index, r.peersKey, j),
          },
        ]
      }),
    )
  },
}

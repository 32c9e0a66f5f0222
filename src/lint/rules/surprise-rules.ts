// Why: selectors that mean something other than what they look like (empty selectors, OR where AND was meant).
import { describeSelector } from '../../evaluator/index.js'
import { type Rule, at } from '../model.js'
import { isEmptySelector } from '../scope.js'
import { rulesOf } from './walk.js'

/** A peer `podSelector: {}` alone: every pod of the policy's own namespace, not of the cluster. */
export const emptySelectorSurprise: Rule = {
  id: 'empty-selector-surprise',
  severity: 'info',
  description: "a peer podSelector: {} that reaches only the policy's own namespace",
  check(set) {
    return rulesOf(set.policies).flatMap((r) =>
      (r.peers ?? []).flatMap((peer, j) => {
        if (!isEmptySelector(peer.podSelector) || peer.namespaceSelector) return []
        return [
          {
            message: `${r.direction} rule ${r.index} of ${r.lp.policy.metadata.namespace}/${r.lp.policy.metadata.name}: podSelector: {} means every pod of namespace ${r.lp.policy.metadata.namespace} only, not every pod of the cluster`,
            hint: 'if you meant every pod in every namespace, add namespaceSelector: {} to the same peer',
            source: at(r.lp, 'spec', r.direction, r.index, r.peersKey, j),
          },
        ]
      }),
    )
  },
}

/** A rule listing a namespaceSelector-only peer and a podSelector-only peer: two peers (OR), often meant as one (AND). */
export const peersOrNotAnd: Rule = {
  id: 'peers-or-not-and',
  severity: 'info',
  description: 'separate namespaceSelector and podSelector peers (OR) where one peer with both (AND) may be meant',
  check(set) {
    return rulesOf(set.policies).flatMap((r) => {
      const peers = r.peers ?? []
      const nsOnly = peers.findIndex((p) => p.namespaceSelector && !p.podSelector && !isEmptySelector(p.namespaceSelector))
      const podOnly = peers.findIndex((p) => p.podSelector && !p.namespaceSelector && !isEmptySelector(p.podSelector))
      if (nsOnly < 0 || podOnly < 0) return []
      return [
        {
          message: `${r.direction} rule ${r.index} of ${r.lp.policy.metadata.namespace}/${r.lp.policy.metadata.name} lists two peers, so it admits every pod of namespaces ${describeSelector(peers[nsOnly].namespaceSelector!)} OR pods ${describeSelector(peers[podOnly].podSelector!)} of its own namespace`,
          hint: 'for pods with those labels in those namespaces, write one peer with both selectors (drop the "-" before podSelector)',
          source: at(r.lp, 'spec', r.direction, r.index, r.peersKey, Math.max(nsOnly, podOnly)),
        },
      ]
    })
  },
}

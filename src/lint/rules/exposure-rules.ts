// Why: policies that open more than their author likely meant: the internet into inner tiers.
import { effectivePolicyTypes } from '../../evaluator/index.js'
import { parseCidr } from '../../evaluator/ip.js'
import { type Rule, at } from '../model.js'
import { isEdge, subjects } from '../scope.js'
import { rulesOf } from './walk.js'

/** Ingress from 0.0.0.0/0 (or ::/0) to pods that are not an edge tier. */
export const ingressFromAnywhere: Rule = {
  id: 'ingress-from-anywhere',
  severity: 'warning',
  description: 'ingress from 0.0.0.0/0 or ::/0 to pods that are not an edge tier',
  check(set, opts) {
    return rulesOf(set.policies)
      .filter((r) => r.direction === 'ingress' && effectivePolicyTypes(r.lp.policy).has('Ingress'))
      .flatMap((r) =>
        (r.peers ?? []).flatMap((peer, j) => {
          if (!peer.ipBlock || parseCidr(peer.ipBlock.cidr)[1] !== 0) return []
          const inner = subjects(set, r.lp.policy).filter((w) => !isEdge(w.labels, opts))
          if (inner.length === 0) return []
          return [
            {
              message: `${r.lp.policy.metadata.namespace}/${r.lp.policy.metadata.name} admits ${peer.ipBlock.cidr} (the whole internet) into ${inner.map((w) => w.name).join(', ')}, which is not an edge tier`,
              hint: 'narrow the cidr to your load balancers or office ranges, or select only edge pods (label them, or pass --edge-label key=value)',
              source: at(r.lp, 'spec', 'ingress', r.index, 'from', j, 'ipBlock', 'cidr'),
            },
          ]
        }),
      )
  },
}

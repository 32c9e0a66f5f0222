// Why: rules that add nothing because a broader rule for the same pods already allows all they allow.
import { isDeepStrictEqual } from 'node:util'
import { effectivePolicyTypes } from '../../evaluator/index.js'
import { isStrictSubnet, parseCidr } from '../../evaluator/ip.js'
import type { NetworkPolicyPeer, NetworkPolicyPort } from '../../model/policy.js'
import { type Rule, at } from '../model.js'
import { isEmptySelector } from '../scope.js'
import { type RuleView, rulesOf } from './walk.js'

function peerCovers(a: NetworkPolicyPeer, b: NetworkPolicyPeer): boolean {
  if (isDeepStrictEqual(a, b)) return true
  if (a.ipBlock && b.ipBlock) {
    if (a.ipBlock.except?.length) return false
    const outer = parseCidr(a.ipBlock.cidr)
    const inner = parseCidr(b.ipBlock.cidr)
    return isStrictSubnet(inner, outer) || (outer[1] === inner[1] && inner[0].kind() === outer[0].kind() && inner[0].match(outer))
  }
  if (a.ipBlock || b.ipBlock) return false
  // Every pod of every namespace, or every pod of the own namespace.
  if (isEmptySelector(a.namespaceSelector) && (!a.podSelector || isEmptySelector(a.podSelector))) return true
  return !a.namespaceSelector && isEmptySelector(a.podSelector) && !b.namespaceSelector
}

function portCovers(a: NetworkPolicyPort, b: NetworkPolicyPort): boolean {
  if ((a.protocol ?? 'TCP') !== (b.protocol ?? 'TCP')) return false
  if (a.port === undefined) return true
  if (b.port === undefined) return false
  if (typeof a.port === 'string' || typeof b.port === 'string') return a.port === b.port
  return a.port <= b.port && (a.endPort ?? a.port) >= (b.endPort ?? b.port)
}

/** True when rule `a` allows everything rule `b` allows (same direction, same selected pods). */
function covers(a: RuleView, b: RuleView): boolean {
  const peersOk = !a.peers?.length || (!!b.peers?.length && b.peers.every((pb) => a.peers!.some((pa) => peerCovers(pa, pb))))
  const portsOk = !a.ports?.length || (!!b.ports?.length && b.ports.every((pb) => a.ports!.some((pa) => portCovers(pa, pb))))
  return peersOk && portsOk
}

/** A rule made redundant by a broader one among policies with the same namespace and podSelector. */
export const shadowedRule: Rule = {
  id: 'shadowed-rule',
  severity: 'info',
  description: 'a rule shadowed by a broader rule for the same pods',
  check(set) {
    const rules = rulesOf(set.policies).filter((r) =>
      effectivePolicyTypes(r.lp.policy).has(r.direction === 'ingress' ? 'Ingress' : 'Egress'),
    )
    const same = (a: RuleView, b: RuleView) =>
      a.direction === b.direction &&
      a.lp.policy.metadata.namespace === b.lp.policy.metadata.namespace &&
      isDeepStrictEqual(a.lp.policy.spec.podSelector, b.lp.policy.spec.podSelector)
    return rules.flatMap((b, ib) => {
      const by = rules.find((a, ia) => a !== b && same(a, b) && covers(a, b) && (!covers(b, a) || ia < ib))
      if (!by) return []
      const name = (r: RuleView) => `${r.direction} rule ${r.index} of ${r.lp.policy.metadata.namespace}/${r.lp.policy.metadata.name}`
      return [
        {
          message: `${name(b)} is shadowed by ${name(by)}, which already allows every peer and port it allows`,
          hint: 'remove the narrower rule, or narrow the broader one if it allows more than intended',
          source: at(b.lp, 'spec', b.direction, b.index),
        },
      ]
    })
  },
}

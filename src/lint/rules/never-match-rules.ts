// Why: rules that can never match: ignored by policyTypes, named ports nobody has, excepts outside their cidr.
import { effectivePolicyTypes } from '../../evaluator/index.js'
import { isStrictSubnet, parseCidr } from '../../evaluator/ip.js'
import { type Rule, at } from '../model.js'
import { peerWorkloads, selectedWorkloads } from '../scope.js'
import { rulesOf } from './walk.js'

/** `ingress` rules in a policy whose explicit policyTypes lacks Ingress (and the same for egress). */
export const rulesIgnoredByPolicyTypes: Rule = {
  id: 'rules-ignored-by-policy-types',
  severity: 'warning',
  description: 'ingress or egress rules that policyTypes makes the API ignore',
  check(set) {
    return set.policies.flatMap((lp) => {
      const types = effectivePolicyTypes(lp.policy)
      return (['ingress', 'egress'] as const)
        .filter((d) => (lp.policy.spec[d] ?? []).length > 0 && !types.has(d === 'ingress' ? 'Ingress' : 'Egress'))
        .map((d) => ({
          message: `${lp.policy.metadata.namespace}/${lp.policy.metadata.name} has ${d} rules but policyTypes is [${[...types].join(', ')}], so they are ignored`,
          hint: `add ${d === 'ingress' ? 'Ingress' : 'Egress'} to policyTypes, or remove the ${d} rules`,
          source: at(lp, 'spec', d),
        }))
    })
  },
}

/** A named port that no possible destination pod declares (name and protocol), so the port entry never matches. */
export const namedPortUnknown: Rule = {
  id: 'named-port-unknown',
  severity: 'warning',
  description: 'a named port that no destination pod has',
  check(set) {
    if (!set.workloads || set.workloads.length === 0) return []
    return rulesOf(set.policies).flatMap((r) => {
      const dests =
        r.direction === 'ingress'
          ? selectedWorkloads(set, r.lp.policy)
          : r.peers?.length
            ? r.peers.flatMap((p) => peerWorkloads(set, r.lp.policy, p))
            : set.workloads
      if (!dests) return []
      return (r.ports ?? []).flatMap((p, k) => {
        if (typeof p.port !== 'string') return []
        const protocol = p.protocol ?? 'TCP'
        if (dests.some((w) => w.ports.some((cp) => cp.name === p.port && cp.protocol === protocol))) return []
        return [
          {
            message: `${r.direction} rule ${r.index} of ${r.lp.policy.metadata.namespace}/${r.lp.policy.metadata.name} names port "${p.port}"/${protocol}, which no ${r.direction === 'ingress' ? 'selected' : 'destination'} pod declares${dests.length ? ` (checked ${dests.map((w) => w.name).join(', ')})` : ''}`,
            hint: 'named ports resolve on the destination pod by name AND protocol; fix the name, the protocol, or use the number',
            source: at(r.lp, 'spec', r.direction, r.index, 'ports', k, 'port'),
          },
        ]
      })
    })
  },
}

/** An `except` that is not strictly inside its `cidr`: the API server rejects the policy. */
export const exceptOutsideCidr: Rule = {
  id: 'except-outside-cidr',
  severity: 'error',
  description: 'an ipBlock except that is not inside its cidr',
  check(set) {
    return rulesOf(set.policies).flatMap((r) =>
      (r.peers ?? []).flatMap((peer, j) =>
        (peer.ipBlock?.except ?? []).flatMap((ex, k) => {
          if (isStrictSubnet(parseCidr(ex), parseCidr(peer.ipBlock!.cidr))) return []
          return [
            {
              message: `except ${ex} is not strictly inside cidr ${peer.ipBlock!.cidr}: it can never carve anything out, and the API server rejects the policy`,
              hint: 'an except must be a smaller range inside the cidr; remove it or fix the addresses',
              source: at(r.lp, 'spec', r.direction, r.index, r.peersKey, j, 'ipBlock', 'except', k),
            },
          ]
        }),
      ),
    )
  },
}

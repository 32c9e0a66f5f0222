// Why: gaps at namespace level: a namespace whose pods accept everything because nothing isolates them.
import { effectivePolicyTypes } from '../../evaluator/index.js'
import type { Rule } from '../model.js'
import { isEmptySelector, workloadsIn } from '../scope.js'

/** A namespace (with pods, when pods are known) where no `podSelector: {}` policy isolates every pod for ingress. */
export const noDefaultDeny: Rule = {
  id: 'no-default-deny',
  severity: 'warning',
  description: 'a namespace without a default-deny ingress policy',
  check(set) {
    return set.namespaces
      .filter((ns) => set.workloads === undefined || workloadsIn(set, ns.name))
      .filter(
        (ns) =>
          !set.policies.some(
            ({ policy: p }) =>
              p.metadata.namespace === ns.name && isEmptySelector(p.spec.podSelector) && effectivePolicyTypes(p).has('Ingress'),
          ),
      )
      .map((ns) => ({
        message: `namespace "${ns.name}" has no default-deny ingress policy: no policy isolates all of its pods, so any pod no policy selects accepts traffic from everywhere`,
        hint: `add a NetworkPolicy in ${ns.name} with podSelector: {} and policyTypes: [Ingress] and no ingress rules, then allow what is needed`,
        source: ns.source,
      }))
  },
}

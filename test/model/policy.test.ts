// policyId: the one way a policy (or a reference to one) is named.
import t from 'tap'
import { type NetworkPolicy, policyId } from '../../src/model/policy.js'

const deny: NetworkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'deny', namespace: 'prod' },
  spec: { podSelector: {} },
}
t.equal(policyId(deny), 'prod/deny', 'a policy')
t.equal(policyId({ metadata: { namespace: 'prod', name: 'deny' } }), 'prod/deny', "a reference (a step's delete entry)")

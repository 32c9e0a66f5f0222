// What Calico's staged policies would change (resources/staged*networkpolicy.mdx): the cells that differ with them
// enforced, and which staged policy alone would change each (none named when only several together do).
import t from 'tap'
import { parse } from 'yaml'
import { predict } from '../../src/evaluator/index.js'
import { stagedChanges } from '../../src/evaluator/staged.js'
import type { Target } from '../../src/model/cluster.js'
import type { CalicoObject } from '../../src/model/calico.js'
import type { ClusterState } from '../../src/model/state.js'
import { calicoSchema } from '../../src/scenario/calico-schema.js'
import { baseState } from '../helpers/state.js'

const TCP80: Target = { port: 80, protocol: 'TCP' }

function cal(...docs: string[]): CalicoObject[] {
  return docs.map((d) => calicoSchema.parse({ apiVersion: 'projectcalico.org/v3', ...parse(d) }).object)
}

function changes(calico: CalicoObject[]) {
  const s: ClusterState = { ...baseState(), calico }
  return stagedChanges(s, [TCP80], predict(s, [TCP80]))?.map((c) => [c.from, c.to, c.now, c.wouldBe, c.policies])
}

const denyBToA = (kind: string, name: string) =>
  `kind: ${kind}\nmetadata: {name: ${name}, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Deny, source: {selector: pod == 'b'}}]}`

t.test('no staged policy: undefined; staged ones that change nothing: an empty list', async (t) => {
  t.equal(changes([]), undefined)
  t.same(
    changes(cal("kind: StagedNetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {selector: pod == 'a', ingress: [{action: Allow}]}")),
    [],
  )
})

t.test('each cell names the staged policies that alone would change it', async (t) => {
  t.same(
    changes(
      cal(
        denyBToA('StagedNetworkPolicy', 'deny-b'),
        "kind: StagedGlobalNetworkPolicy\nmetadata: {name: iso-xa}\nspec: {selector: pod == 'a' && projectcalico.org/namespace == 'x', types: [Ingress]}",
        'kind: StagedKubernetesNetworkPolicy\nmetadata: {name: iso-z, namespace: z}\nspec: {podSelector: {}, policyTypes: [Ingress]}',
      ),
    )?.filter(([from]) => from === 'x/b'),
    [
      ['x/b', 'x/a', 'allow', 'deny', ['staged-np/x/deny-b', 'staged-gnp/iso-xa']],
      ['x/b', 'z/a', 'allow', 'deny', ['staged-knp/z/iso-z']],
    ],
  )
})

t.test('a cell only several staged policies together change names none of them', async (t) => {
  // Two enforced policies isolating x/a (end of the default tier: Deny); deleting either alone leaves the other.
  const got = changes(
    cal(
      denyBToA('NetworkPolicy', 'one'),
      denyBToA('NetworkPolicy', 'two'),
      'kind: StagedNetworkPolicy\nmetadata: {name: one, namespace: x}\nspec: {stagedAction: Delete}',
      'kind: StagedNetworkPolicy\nmetadata: {name: two, namespace: x}\nspec: {stagedAction: Delete}',
    ),
  )
  t.same(
    got?.filter(([, to]) => to === 'x/a').map(([from, , ...rest]) => [from, ...rest]),
    ['x/b', 'y/a', 'z/a', 'ext', 'ext6'].map((from) => [from, 'deny', 'allow', []]),
  )
})

// Cluster policies on a shared cluster: labelled with the run, never applied over someone else's, deleted at down
// (ours only), and a crashed run's removed by the next run's cleanup while a live run's stay.
import t from 'tap'
import { RUN_LABEL } from '../../../src/drivers/kube/manifests.js'
import { HOST_LABEL, PID_LABEL, hostLabel } from '../../../src/drivers/kube/owner.js'
import { InfraError } from '../../../src/errors.js'
import { CLUSTER_POLICY_KINDS, type ClusterPolicy } from '../../../src/model/cluster-policy.js'
import type { Action } from '../../../src/model/scenario.js'
import { loadScenarios } from '../../../src/scenario/load.js'
import { FakeKube } from '../../helpers/fake-kube.js'
import { kubeDriver } from '../../helpers/kube-driver.js'

const [scenario] = loadScenarios(['scenarios/cluster-policy/isolation.yaml'])
const signal = new AbortController().signal
const applies = scenario.steps
  .flatMap((s) => s.actions)
  .filter((a): a is Extract<Action, { kind: 'apply-cluster-policy' }> => a.kind === 'apply-cluster-policy')
const policy = applies[0].policy
const driver = (api: FakeKube, extra = {}) => kubeDriver(api, { clusterPolicyKinds: CLUSTER_POLICY_KINDS, ...extra })
const withLabels = (p: ClusterPolicy, name: string, labels: Record<string, string>) =>
  ({ ...p, metadata: { ...p.metadata, name, labels } }) as ClusterPolicy

t.test('the scenario has a cluster policy to apply', async (t) => {
  t.ok(applies.length > 0)
})

t.test('applied cluster policies carry the run owner labels; down deletes ours and leaves a foreign one of the same kind', async (t) => {
  const api = new FakeKube()
  const foreign = withLabels(policy, 'admins-own', { team: 'net' })
  await api.applyClusterPolicy(foreign)
  const d = driver(api)
  await d.up(scenario, signal)
  await d.apply(applies)
  const ours = api.clusterPolicies.get(`${policy.kind}/${policy.metadata.name}`)!.policy
  t.match(ours.metadata.labels, { [RUN_LABEL]: 'r1', [HOST_LABEL]: hostLabel(), [PID_LABEL]: String(process.pid) })
  t.same(ours.spec, policy.spec, 'the spec is applied as written')
  await d.down()
  t.same([...api.clusterPolicies.keys()], [`${policy.kind}/admins-own`], 'only the foreign policy survives')
  t.same(api.clusterPolicies.get(`${policy.kind}/admins-own`)!.policy, foreign, 'untouched')
})

t.test('a scenario policy named like an existing foreign one is refused, naming it, and nothing is applied', async (t) => {
  const api = new FakeKube()
  const admins = withLabels(policy, policy.metadata.name, { team: 'net' })
  await api.applyClusterPolicy(admins)
  const d = driver(api)
  await d.up(scenario, signal)
  api.calls = []
  const err = await d.apply(applies).then(
    () => undefined,
    (e: unknown) => e,
  )
  t.type(err, InfraError)
  t.match(
    (err as InfraError).message,
    new RegExp(`will not overwrite or delete ${policy.kind} ${policy.metadata.name} in context fake-context-\\d+`),
  )
  t.match((err as InfraError).hint, /rename the .+ in the scenario/)
  t.same(
    api.calls.filter((c) => c.op === 'applyClusterPolicy'),
    [],
    'nothing applied',
  )
  t.same(api.clusterPolicies.get(`${policy.kind}/${policy.metadata.name}`)!.policy, admins, 'the admin policy is as it was')
  await t.rejects(
    d.apply([{ kind: 'delete-cluster-policy', policyKind: policy.kind, name: policy.metadata.name }]),
    InfraError,
    'nor deleted',
  )
  await d.down()
  t.ok(api.clusterPolicies.has(`${policy.kind}/${policy.metadata.name}`), 'down leaves it too')
})

t.test("a crashed run's cluster policies are removed by the next run's cleanup; a live run's stay", async (t) => {
  const api = new FakeKube()
  const owner = (run: string, pid: number) => ({ [RUN_LABEL]: run, [HOST_LABEL]: hostLabel(), [PID_LABEL]: String(pid) })
  await api.applyClusterPolicy(withLabels(policy, 'left-by-dead', owner('dead', 111)))
  await api.applyClusterPolicy(withLabels(policy, 'of-live', owner('live', 222)))
  await api.applyClusterPolicy(withLabels(policy, 'admins-own', { team: 'net' }))
  const lines: string[] = []
  const d = driver(api, { alive: (pid: number) => pid === 222, log: (l: string) => lines.push(l) })
  await d.up(scenario, signal)
  t.same([...api.clusterPolicies.keys()].sort(), [`${policy.kind}/admins-own`, `${policy.kind}/of-live`])
  t.match(lines.join('\n'), new RegExp(`removing ${policy.kind} left-by-dead left by run dead: its process 111 on this host is gone`))
  await d.down()
})

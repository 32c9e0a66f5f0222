// A step's changes as the API server receives them: server-side apply, merge patches that replace every label but
// the harness's own, and no change to a namespace the harness does not own.
import t from 'tap'
import { replaceLabels, sendAction } from '../../../src/drivers/kube/apply.js'
import { RUN_LABEL } from '../../../src/drivers/kube/manifests.js'
import { RunNamespaces } from '../../../src/drivers/kube/namespaces.js'
import { HOST_LABEL, PID_LABEL, hostLabel } from '../../../src/drivers/kube/owner.js'
import type { NetworkPolicy } from '../../../src/model/policy.js'
import type { ClusterState } from '../../../src/model/state.js'
import { FakeKube } from '../../helpers/fake-kube.js'

const state = {
  namespaces: [
    { name: 'x', labels: { 'kubernetes.io/metadata.name': 'x', env: 'dev' } },
    { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  ],
  pods: [{ namespace: 'x', name: 'a', labels: { app: 'a', tier: 'web' }, ip: '10.244.0.10', ports: [] }],
  policies: [],
  externals: [],
} as unknown as ClusterState
const policy = (namespace: string) =>
  ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { namespace, name: 'p' },
    spec: { podSelector: {} },
  }) as unknown as NetworkPolicy

async function setup() {
  const api = new FakeKube()
  api.namespaces.set('kube-system', { 'kubernetes.io/metadata.name': 'kube-system' })
  const namespaces = new RunNamespaces({ api, runId: 'r1' })
  await namespaces.up({ namespaces: state.namespaces } as never, new AbortController().signal)
  await api.createPod('x', { metadata: { name: 'a', labels: { app: 'a', tier: 'web', [RUN_LABEL]: 'r1' } }, spec: { containers: [] } })
  api.calls = []
  return { api, namespaces, ctx: { api, runId: 'r1', namespaces } }
}

t.test('replaceLabels: keys not in the new set are removed (null), ours are kept whatever the step says', async (t) => {
  t.same(replaceLabels({ a: '1', b: '2' }, { a: '3' }, { keep: 'k' }), { b: null, a: '3', keep: 'k' })
  t.same(
    replaceLabels({ a: '1', keep: 'old' }, { keep: 'theirs' }, { keep: 'k' }),
    { a: null, keep: 'k' },
    'the harness label cannot be replaced',
  )
  t.same(replaceLabels({}, {}, {}), {})
})

t.test('policies by server-side apply and deleted by name; one in a foreign namespace is remembered for down', async (t) => {
  const { api, namespaces, ctx } = await setup()
  await sendAction(ctx, state, { kind: 'apply-policy', policy: policy('x') })
  await sendAction(ctx, state, { kind: 'apply-policy', policy: policy('kube-system') })
  await sendAction(ctx, state, { kind: 'delete-policy', namespace: 'x', name: 'p' })
  t.same(
    api.calls.map((c) => c.op),
    ['applyPolicy', 'applyPolicy', 'deletePolicy'],
  )
  await namespaces.down()
  t.ok(
    api.calls.some((c) => c.op === 'deletePolicy' && c.args[0] === 'kube-system'),
    'the foreign one is deleted at down',
  )
})

t.test('labels: pods keep the run and pod labels, our namespaces their owner labels and name', async (t) => {
  const { api, ctx } = await setup()
  await sendAction(ctx, state, { kind: 'set-pod-labels', namespace: 'x', pod: 'a', labels: { app: 'new' } })
  t.same(api.calls[0].args, ['x', 'a', { tier: null, app: 'new', [RUN_LABEL]: 'r1', 'netpol-harness.io/pod': 'a' }])
  await sendAction(ctx, state, { kind: 'set-namespace-labels', namespace: 'x', labels: { team: 'a' } })
  t.same(api.calls[1].args, [
    'x',
    {
      env: null,
      team: 'a',
      [RUN_LABEL]: 'r1',
      [HOST_LABEL]: hostLabel(),
      [PID_LABEL]: String(process.pid),
      'kubernetes.io/metadata.name': 'x',
    },
  ])
})

t.test('a namespace the harness did not create is never relabelled', async (t) => {
  const { api, ctx } = await setup()
  await t.rejects(sendAction(ctx, state, { kind: 'set-namespace-labels', namespace: 'kube-system', labels: { x: 'y' } }), {
    name: 'InfraError',
    message: /will not relabel namespace kube-system/,
  })
  t.same(api.calls, [], 'nothing sent')
})

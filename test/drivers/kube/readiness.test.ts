// Waiting on a cluster: probe pods Ready (or an error naming the ones still waiting), deleted objects really gone,
// and what Ready proves about a pod's servers.
import t from 'tap'
import { readyProvesListening, waitNamespaceGone, waitPodGone, waitPodsReady } from '../../../src/drivers/kube/readiness.js'
import { InfraError } from '../../../src/errors.js'
import { FakeKube } from '../../helpers/fake-kube.js'

const signal = new AbortController().signal
const pod = (name: string) => ({ metadata: { name, labels: {} }, spec: { containers: [] } })

t.test('waitPodsReady: polls until every pod is Ready, returns address and node by pod id', async (t) => {
  const api = new FakeKube()
  await api.createPod('x', pod('a'))
  await api.createPod('y', pod('b'))
  const ready = await waitPodsReady(
    api,
    [
      { namespace: 'x', name: 'a' },
      { namespace: 'y', name: 'b' },
    ],
    5000,
    signal,
  )
  t.same(Object.fromEntries(ready), {
    'x/a': { ip: '10.99.0.100', node: 'fake-worker' },
    'y/b': { ip: '10.99.0.101', node: 'fake-worker' },
  })
  t.ok(api.pods.get('x/a')!.polls >= 2, 'a pod Pending at the first look is asked again')
})

t.test("waitPodsReady: past the timeout, an InfraError naming the pods still waiting and their namespaces' events", async (t) => {
  const api = new FakeKube()
  await api.createPod('x', pod('a'))
  await api.getPod('x', 'a') // Ready at the next look
  const err = await waitPodsReady(
    api,
    [
      { namespace: 'x', name: 'a' },
      { namespace: 'y', name: 'never' },
    ],
    0,
    signal,
  ).catch((e: unknown) => e)
  t.ok(err instanceof InfraError)
  t.match((err as InfraError).message, /^probe pods not Ready after 0 s: y\/never\nNormal Pod\/x in y: Scheduled$/)
  t.match((err as InfraError).hint, /agnhost image/)
})

t.test('waitNamespaceGone and waitPodGone return once the object has gone', async (t) => {
  const api = new FakeKube()
  await api.createNamespace('x', {})
  await api.createPod('x', pod('a'))
  setTimeout(() => void api.deletePod('x', 'a'), 300)
  setTimeout(() => void api.deleteNamespace('x'), 700)
  const t0 = Date.now()
  await waitPodGone(api, 'x', 'a', signal)
  t.notOk(api.pods.has('x/a'))
  await waitNamespaceGone(api, 'x', signal)
  t.notOk(api.namespaces.has('x'))
  t.ok(Date.now() - t0 >= 600, 'waited for both')
})

t.test('Ready proves a server listens only for the targets pods serve, and never for SCTP (porter has no readiness check)', async (t) => {
  const serves = [
    { port: 80, protocol: 'TCP' as const },
    { port: 53, protocol: 'UDP' as const },
    { port: 9000, protocol: 'SCTP' as const },
  ]
  const cases: [number, 'TCP' | 'UDP' | 'SCTP', boolean][] = [
    [80, 'TCP', true],
    [53, 'UDP', true],
    [9000, 'SCTP', false],
    [81, 'TCP', false],
    [80, 'UDP', false],
  ]
  for (const [port, protocol, want] of cases) t.equal(readyProvesListening({ port, protocol }, serves), want, `${port}/${protocol}`)
})

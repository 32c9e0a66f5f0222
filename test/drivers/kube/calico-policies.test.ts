// Calico's own kinds on a shared cluster through the Calico API server (the fake in test/helpers/fake-calico.ts):
// created in dependency order, replaced by name, labelled with the run, never applied over or deleted when someone
// else's, deleted at down (policies before their Tier), a crashed run's removed, and `unsupported` where the cluster
// cannot take them.
import t from 'tap'
import type { CalicoKind, RawCalicoObject } from '../../../src/drivers/kube/calico-kinds.js'
import {
  applyCalicoObjects,
  calicoObjectsUnsupported,
  deleteCalicoObjects,
  tieredNameProblem,
} from '../../../src/drivers/kube/calico-policies.js'
import { RUN_LABEL } from '../../../src/drivers/kube/manifests.js'
import { HOST_LABEL, PID_LABEL, hostLabel } from '../../../src/drivers/kube/owner.js'
import { InfraError } from '../../../src/errors.js'
import { loadScenarios } from '../../../src/scenario/load.js'
import { FakeKube } from '../../helpers/fake-kube.js'
import { kubeDriver } from '../../helpers/kube-driver.js'

const obj = (kind: CalicoKind, name: string, spec: Record<string, unknown> = {}, namespace?: string): RawCalicoObject => ({
  apiVersion: 'projectcalico.org/v3',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec,
})

// As users write them for Calico v3.30/v3.31 (tigera docs reference/resources: tier, globalnetworkpolicy,
// globalnetworkset, networkpolicy): a policy in tier `security` is named `security.<name>`.
const tier = obj('Tier', 'security', { order: 100, defaultAction: 'Pass' })
const guardrail = obj('GlobalNetworkPolicy', 'security.guardrail', {
  tier: 'security',
  order: 10,
  selector: 'all()',
  egress: [{ action: 'Deny', destination: { selector: 'role == "blocked"' } }, { action: 'Pass' }],
})
const externals = obj('GlobalNetworkSet', 'externals', { nets: ['198.51.100.0/24'] })
const appPolicy = obj('NetworkPolicy', 'allow-web', { selector: 'app == "web"', ingress: [{ action: 'Allow' }] }, 'prod')
/** Written in the order a user might (policies first): the driver must still create the Tier and the set first. */
const written = [guardrail, appPolicy, externals, tier]

const creates = (api: FakeKube) =>
  api.calls
    .filter((c) => c.op === 'createCalicoObject')
    .map((c) => `${(c.args[0] as RawCalicoObject).kind}/${(c.args[0] as RawCalicoObject).metadata.name}`)

t.test('the fake refuses a policy before its Tier (so the ordering below is tested against a rule that bites)', async (t) => {
  const api = new FakeKube()
  await t.rejects(api.createCalicoObject(guardrail), { code: 500, message: /StorageError: key not found/ })
})

t.test('objects are created Tier first, then network sets, then policies, labelled with the run, specs as written', async (t) => {
  const api = new FakeKube()
  await applyCalicoObjects(api, 'r1', written)
  t.same(creates(api), ['Tier/security', 'GlobalNetworkSet/externals', 'GlobalNetworkPolicy/security.guardrail', 'NetworkPolicy/allow-web'])
  const gnp = api.calico.get('GlobalNetworkPolicy', 'security.guardrail')!
  t.match(gnp.metadata.labels, { [RUN_LABEL]: 'r1', [HOST_LABEL]: hostLabel(), [PID_LABEL]: String(process.pid) })
  t.same(gnp.spec!.egress, guardrail.spec!.egress, 'rules sent as written')
  t.same(gnp.spec!.types, ['Egress'], 'the server defaulted types from the rules present (egress only -> Egress)')
  const sent = api.calls.find((c) => c.op === 'createCalicoObject' && (c.args[0] as RawCalicoObject).kind === 'NetworkPolicy')!
  t.equal((sent.args[0] as RawCalicoObject).metadata.namespace, 'prod')
  t.same(written[0], guardrail, "the caller's objects are not modified")
})

t.test('a namespaced object without a namespace goes to default; applying again replaces by name, keeping the object', async (t) => {
  const api = new FakeKube()
  const np = obj('NetworkPolicy', 'p', { selector: 'all()' })
  await applyCalicoObjects(api, 'r1', [np])
  const first = await api.readCalicoObject({ kind: 'NetworkPolicy', name: 'p', namespace: 'default' })
  t.ok(first, 'stored in namespace default')
  api.calls = []
  await applyCalicoObjects(api, 'r1', [obj('NetworkPolicy', 'p', { selector: 'app == "x"' })])
  t.same(
    api.calls.map((c) => c.op),
    ['replaceCalicoObject'],
    'a PUT, not a second POST (which would be a 409)',
  )
  t.equal(
    (api.calls[0].args[0] as RawCalicoObject & { metadata: { resourceVersion: string } }).metadata.resourceVersion,
    first!.resourceVersion,
  )
  t.equal(api.calico.get('NetworkPolicy', 'p')!.spec!.selector, 'app == "x"')
  const after = await api.readCalicoObject({ kind: 'NetworkPolicy', name: 'p', namespace: 'default' })
  t.equal(after!.createdAt, first!.createdAt, 'creationTimestamp kept')
})

t.test('one foreign object among several: refused naming it and its owner, and nothing at all is applied', async (t) => {
  const api = new FakeKube()
  await api.calico.createCalicoObject({ ...externals, metadata: { name: 'externals', labels: { team: 'net' } } })
  await api.calico.createCalicoObject({ ...obj('Tier', 'other'), metadata: { name: 'other', labels: { [RUN_LABEL]: 'r0' } } })
  api.calls = []
  const err = await applyCalicoObjects(api, 'r1', [...written, obj('Tier', 'other')]).then(
    () => undefined,
    (e: unknown) => e,
  )
  t.type(err, InfraError)
  t.match((err as InfraError).message, /GlobalNetworkSet externals \(it belongs to someone else: no netpol-harness run label\)/)
  t.match((err as InfraError).message, /will not overwrite or delete Tier other \(it belongs to netpol-harness run r0\)/)
  t.match((err as InfraError).message, /in context fake-context-\d+; nothing was applied/)
  t.match((err as InfraError).hint, /rename them in the scenario/)
  t.same(api.calls, [], 'not even the Tier, which comes first in order, was created')
  t.same(api.calico.get('GlobalNetworkSet', 'externals')!.metadata.labels, { team: 'net' }, 'the foreign set is untouched')
})

t.test('the API server refusing an object stops with its own message', async (t) => {
  const api = new FakeKube()
  // A bare name in a custom tier: Calico v3.30/v3.31 answer "Incorrectly formatted policy name" (a 500 with that text).
  const bare = obj('GlobalNetworkPolicy', 'guardrail', { tier: 'security', selector: 'all()' })
  await t.rejects(applyCalicoObjects(api, 'r1', [tier, bare]), {
    name: 'InfraError',
    message: 'the Calico API server refused GlobalNetworkPolicy guardrail: Incorrectly formatted policy name guardrail',
  })
  t.ok(api.calico.get('Tier', 'security'), 'what came before it was applied')
})

t.test('delete: policies before their Tier (a non-empty Tier cannot go), and never a foreign object', async (t) => {
  const api = new FakeKube()
  await t.rejects(api.deleteCalicoObject({ kind: 'Tier', name: 'default' }), { code: 500 }, 'the default tier cannot be deleted')
  await applyCalicoObjects(api, 'r1', written)
  await t.rejects(
    api.deleteCalicoObject({ kind: 'Tier', name: 'security' }),
    { message: /Cannot delete a non-empty tier/ },
    'the fake bites',
  )
  api.calls = []
  await deleteCalicoObjects(api, 'r1', [
    { kind: 'Tier', name: 'security' },
    { kind: 'GlobalNetworkPolicy', name: 'security.guardrail' },
    { kind: 'NetworkPolicy', name: 'gone-already', namespace: 'prod' },
  ])
  t.same(
    api.calls.map((c) => (c.args[0] as { kind: string; name: string }).name),
    ['security.guardrail', 'security'],
    'the policy first, then its Tier; a missing object is skipped',
  )
  await api.calico.createCalicoObject({ ...obj('NetworkSet', 'admins', {}, 'prod'), metadata: { name: 'admins', namespace: 'prod' } })
  await t.rejects(deleteCalicoObjects(api, 'r1', [{ kind: 'NetworkSet', name: 'admins', namespace: 'prod' }]), {
    name: 'InfraError',
    message: /will not overwrite or delete NetworkSet prod\/admins/,
  })
  t.ok(api.calico.get('NetworkSet', 'admins', 'prod'), 'still there')
})

t.test('tiered names as the pinned releases validate them (libcalico-go lib/names/policy.go, projectcalico/calico#13595)', async (t) => {
  const cases: [RawCalicoObject, string | undefined, boolean][] = [
    [guardrail, 'v3.30.7', true],
    [obj('GlobalNetworkPolicy', 'guardrail', { tier: 'security' }), 'v3.31.7', false],
    [obj('GlobalNetworkPolicy', 'guardrail', { tier: 'security' }), 'v3.32.0', true],
    [obj('NetworkPolicy', 'plain', {}, 'prod'), 'v3.30.7', true],
    [obj('NetworkPolicy', 'default.plain', {}, 'prod'), 'v3.30.7', true],
    [obj('NetworkPolicy', 'a.b', {}, 'prod'), 'v3.30.7', false],
    [obj('StagedNetworkPolicy', 'x', { tier: 'security' }, 'prod'), 'v3.30.7', false],
    [obj('StagedKubernetesNetworkPolicy', 'a.b', {}, 'prod'), 'v3.30.7', true],
    [obj('GlobalNetworkPolicy', 'guardrail', { tier: 'security' }), undefined, true],
  ]
  for (const [o, version, ok] of cases)
    t.equal(tieredNameProblem(o, version) === undefined, ok, `${o.kind} ${o.metadata.name} on ${version}`)
  t.match(
    tieredNameProblem(cases[1][0], 'v3.31.7'),
    /tier security: Calico v3.31.7 requires it to be named security.<name> \(bare names from v3.32\)/,
  )
})

t.test('unsupported: a cluster without the Calico API server, or a name its release refuses', async (t) => {
  t.match(
    calicoObjectsUnsupported(written, [], 'this cluster'),
    /does not serve projectcalico.org\/v3 GlobalNetworkPolicy, NetworkPolicy, GlobalNetworkSet, Tier \(no Calico API server/,
  )
  t.match(
    calicoObjectsUnsupported([tier], ['GlobalNetworkPolicy'], 'x'),
    /does not serve projectcalico.org\/v3 Tier \(it serves GlobalNetworkPolicy\)/,
  )
  t.match(
    calicoObjectsUnsupported([obj('GlobalNetworkPolicy', 'g', { tier: 'security' })], ['GlobalNetworkPolicy'], 'x', 'v3.30.7'),
    /named security.<name>/,
  )
  t.equal(
    calicoObjectsUnsupported(written, ['Tier', 'GlobalNetworkSet', 'GlobalNetworkPolicy', 'NetworkPolicy'], 'x', 'v3.30.7'),
    undefined,
  )
})

const [scenario] = loadScenarios(['scenarios/cluster-policy/isolation.yaml'])
const signal = new AbortController().signal
const driver = (api: FakeKube, extra = {}) =>
  kubeDriver(api, {
    calicoKinds: ['Tier', 'GlobalNetworkSet', 'NetworkSet', 'GlobalNetworkPolicy', 'NetworkPolicy'],
    calicoVersion: 'v3.30.7',
    ...extra,
  })

t.test('the driver: applied objects are deleted at down, policies before the Tier; a foreign one stays', async (t) => {
  const api = new FakeKube()
  await api.calico.createCalicoObject({ ...obj('GlobalNetworkSet', 'admins'), metadata: { name: 'admins', labels: { team: 'net' } } })
  const d = driver(api)
  await d.up(scenario, signal)
  await d.applyCalicoObjects(written)
  t.equal(d.calicoUnsupported(written), undefined)
  t.match(
    d.calicoUnsupported([obj('StagedGlobalNetworkPolicy', 'security.s', { tier: 'security' })]),
    /does not serve projectcalico.org\/v3 StagedGlobalNetworkPolicy/,
  )
  api.calls = []
  await t.rejects(d.applyCalicoObjects([obj('StagedNetworkPolicy', 'x', {}, 'prod')]), {
    name: 'InfraError',
    message: /this cluster does not serve projectcalico.org\/v3 StagedNetworkPolicy/,
  })
  t.same(api.calls, [], 'refused before any request')
  await d.down()
  const deleted = api.calls.filter((c) => c.op === 'deleteCalicoObject').map((c) => (c.args[0] as { kind: string }).kind)
  t.same(deleted.slice(-1), ['Tier'], 'the Tier last')
  t.same(new Set(deleted), new Set(['Tier', 'GlobalNetworkSet', 'GlobalNetworkPolicy', 'NetworkPolicy']))
  t.same(
    [...api.calico.objects.keys()].sort(),
    ['GlobalNetworkSet//admins', 'Tier//default'],
    'only the foreign set and the default tier remain',
  )
})

t.test("up removes a crashed run's Calico objects (its process is gone), keeps a live run's", async (t) => {
  const api = new FakeKube()
  const owned = (o: RawCalicoObject, run: string, pid: number): RawCalicoObject => ({
    ...o,
    metadata: { ...o.metadata, labels: { [RUN_LABEL]: run, [HOST_LABEL]: hostLabel(), [PID_LABEL]: String(pid) } },
  })
  await api.calico.createCalicoObject(owned(tier, 'dead', 111))
  await api.calico.createCalicoObject(owned(guardrail, 'dead', 111))
  await api.calico.createCalicoObject(owned(obj('GlobalNetworkSet', 'live-set'), 'live', 222))
  const lines: string[] = []
  const d = driver(api, { alive: (pid: number) => pid === 222, log: (l: string) => lines.push(l) })
  await d.up(scenario, signal)
  t.notOk(api.calico.get('GlobalNetworkPolicy', 'security.guardrail'), 'the dead run policy is gone')
  t.notOk(api.calico.get('Tier', 'security'), 'and its Tier, after it')
  t.ok(api.calico.get('GlobalNetworkSet', 'live-set'), "the live run's set stays")
  t.match(lines.join('\n'), /removing GlobalNetworkPolicy security.guardrail left by run dead: its process 111 on this host is gone/)
  await d.down()
})

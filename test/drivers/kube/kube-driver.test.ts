// The kube driver against an in-memory API: namespaces and pods labelled with the run, IPs read back,
// server-side apply, label patches, ONE exec per source pod per round, safety, cleanup, chaos.
import t from 'tap'
import type { KubeDriver } from '../../../src/drivers/kube/index.js'
import { RUN_LABEL } from '../../../src/drivers/kube/manifests.js'
import { HOST_LABEL, PID_LABEL, hostLabel } from '../../../src/drivers/kube/owner.js'
import { compile, predictModel } from '../../../src/evaluator/index.js'
import { podId } from '../../../src/model/cluster.js'
import { UsageError } from '../../../src/errors.js'
import { runScenarios } from '../../../src/runner/run.js'
import { DEFAULT_RUN_OPTIONS } from '../../../src/runner/run-step.js'
import { loadScenarios } from '../../../src/scenario/load.js'
import { FakeKube } from '../../helpers/fake-kube.js'
import { kubeDriver } from '../../helpers/kube-driver.js'

const [scenario] = loadScenarios(['scenarios/upstream/allow-from-namespace-selector.yaml'])
const signal = new AbortController().signal

t.test('refuses a cluster it did not create unless allowed, before touching it', async (t) => {
  const api = new FakeKube()
  await t.rejects(kubeDriver(api, { allowExisting: false }).up(scenario, signal), UsageError)
  t.same(api.calls, [])
})

t.test('up: labelled namespaces, agnhost pods per target, the scenario addresses, IPs read back', async (t) => {
  const api = new FakeKube()
  const d = kubeDriver(api)
  await d.up(scenario, signal)
  t.same([...api.namespaces.keys()], ['x', 'y', 'z'])
  t.equal(api.namespaces.get('x')![RUN_LABEL], 'r1')
  const pod = api.pods.get('x/a')!.manifest as unknown as {
    metadata: { labels: Record<string, string>; annotations: Record<string, string> }
    spec: { containers: { name: string; command: string[]; ports: { name: string }[] }[] }
  }
  t.same(
    pod.spec.containers.map((c) => c.name),
    ['cont-80-tcp', 'cont-81-tcp'],
  )
  t.same(pod.spec.containers[0].command, ['/agnhost', 'serve-hostname', '--tcp', '--http=false', '--port', '80'])
  t.equal(pod.spec.containers[0].ports[0].name, 'serve-80-tcp')
  t.equal(pod.metadata.labels.pod, 'a')
  const want = scenario.pods.find((p) => p.namespace === 'x' && p.name === 'a')!.ip
  t.equal(pod.metadata.annotations['cni.projectcalico.org/ipAddrs'], JSON.stringify([want]), 'Calico is asked for the scenario address')
  t.equal(d.state().pods.find((p) => p.name === 'a' && p.namespace === 'x')!.ip, want, 'the state carries the address read back')
  t.equal(d.info.versions.kubernetes, 'v1.35.0-fake')
})

t.test('apply: server-side apply, label patches that replace and keep our labels', async (t) => {
  const api = new FakeKube()
  const d = kubeDriver(api)
  await d.up(scenario, signal)
  await d.apply(scenario.steps[1].actions)
  t.ok(api.policies.size > 0, 'policies applied')
  await d.apply([{ kind: 'set-pod-labels', namespace: 'x', pod: 'a', labels: { app: 'new' } }])
  t.same(api.pods.get('x/a')!.info.labels, { app: 'new', [RUN_LABEL]: 'r1', 'netpol-harness.io/pod': 'a' })
  await d.apply([{ kind: 'set-namespace-labels', namespace: 'y', labels: { 'kubernetes.io/metadata.name': 'y', env: 'qa' } }])
  t.same(api.namespaces.get('y'), {
    [RUN_LABEL]: 'r1',
    [HOST_LABEL]: hostLabel(),
    [PID_LABEL]: String(process.pid),
    'kubernetes.io/metadata.name': 'y',
    env: 'qa',
  })
})

t.test('probe: one exec per source pod per round; exec failures are probe errors, never blocked', async (t) => {
  const api = new FakeKube()
  const d = kubeDriver(api)
  await d.up(scenario, signal)
  api.connects = (_from, _ip, port) => (port === 81 ? 'timeout' : true)
  api.execFails.add('z/c')
  const state = d.state()
  const conns = state.pods.flatMap((from) =>
    state.pods.flatMap((to) =>
      [80, 81].map((port) => ({
        key: `${from.name}${from.namespace}|${podId(to)}|${port}`,
        from: podId(from),
        to: podId(to),
        ip: to.ip,
        target: { port, protocol: 'TCP' as const },
      })),
    ),
  )
  api.calls = []
  const out = await d.probe(conns, 1000)
  t.equal(api.calls.filter((c) => c.op === 'exec').length, 9, 'nine source pods, nine execs for 162 connections')
  const byKey = new Map(out.map((o) => [o.key, o]))
  const ok = conns.find((c) => c.from === 'x/a' && c.target.port === 80)!
  t.same([byKey.get(ok.key)!.outcome, byKey.get(ok.key)!.answeredBy], ['connected', ok.to])
  t.equal(byKey.get(conns.find((c) => c.from === 'x/a' && c.target.port === 81)!.key)!.outcome, 'timeout')
  const failed = out.filter((o) => o.key.startsWith('cz|'))
  t.ok(
    failed.length === 18 && failed.every((o) => o.outcome === 'error' && /exec in z\/c failed: container not found/.test(o.detail ?? '')),
  )
})

t.test('a whole run through the fake: a correct CNI agrees, a CNI that ignores policies fails open', async (t) => {
  const perfect = (api: FakeKube, d: KubeDriver) => (from: string, ip: string, port: number) => {
    const state = d.state()
    const to = state.pods.find((p) => p.ip === ip)!
    const table = predictModel(compile({ ...state, policies: [...api.policies.values()] }), [{ port, protocol: 'TCP' }])
    return table.get(from, podId(to), { port, protocol: 'TCP' }) === 'allow' ? true : ('timeout' as const)
  }
  for (const [name, broken] of [
    ['correct', false],
    ['ignores policies', true],
  ] as const) {
    const api = new FakeKube()
    const report = await runScenarios(
      [scenario],
      () => {
        const d = kubeDriver(api)
        api.connects = broken ? () => true : perfect(api, d)
        return d
      },
      'run',
      { ...DEFAULT_RUN_OPTIONS, settleMs: 300, reprobes: 1, roundIntervalMs: 10 },
      signal,
    )
    const c = report.summary.counts
    if (broken) t.ok(c['fail-open'] > 0 && report.summary.exitCode === 1, `${name}: fail-open found`)
    else t.same([c['fail-open'], c['fail-closed'], report.summary.exitCode], [0, 0, 0], `${name}: everything agrees`)
    t.same(api.active(), [], `${name}: every namespace of the run deleted`)
  }
})

// Issue 12, defect 3. Upstream fact: every cluster has the namespaces default, kube-system, kube-public and
// kube-node-lease, created by the API server's system namespaces controller with only the label
// kubernetes.io/metadata.name (kubernetes/kubernetes pkg/controlplane/controller/systemnamespaces; the label is set on
// every namespace by the NamespaceDefaultLabelName admission, KEP-2161).
const [dns] = loadScenarios(['scenarios/generate/dns.yaml'])
const withSystemNamespaces = () => {
  const api = new FakeKube()
  for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) api.namespaces.set(n, { 'kubernetes.io/metadata.name': n })
  return api
}

t.test('a namespace that exists on every cluster (kube-system) is used, never created, relabelled or deleted', async (t) => {
  const api = withSystemNamespaces()
  const d = kubeDriver(api)
  await d.up(dns, signal)
  t.notOk(
    api.calls.some((c) => c.op === 'createNamespace' && c.args[0] === 'kube-system'),
    'kube-system is not created',
  )
  t.ok(api.pods.has('kube-system/coredns'), 'our probe pod runs in it')
  t.same(
    d.state().namespaces.find((n) => n.name === 'kube-system')!.labels,
    { 'kubernetes.io/metadata.name': 'kube-system' },
    'predicted with its real labels',
  )
  await d.apply([
    {
      kind: 'apply-policy',
      policy: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'p', namespace: 'kube-system' },
        spec: { podSelector: {} },
      } as never,
    },
  ])
  await t.rejects(
    d.apply([{ kind: 'set-namespace-labels', namespace: 'kube-system', labels: { x: 'y' } }]),
    /will not relabel namespace kube-system/,
  )
  await d.down()
  t.ok(api.namespaces.has('kube-system'), 'kube-system is still there')
  t.notOk(
    api.calls.some((c) => c.op === 'deleteNamespace' && c.args[0] === 'kube-system'),
    'never deleted',
  )
  t.notOk(api.pods.has('kube-system/coredns'), 'our pod in it is deleted')
  t.ok(
    api.calls.some((c) => c.op === 'deletePolicy' && c.args[0] === 'kube-system' && c.args[1] === 'p'),
    'our policy in it is deleted',
  )
  t.same(api.active().sort(), ['default', 'kube-node-lease', 'kube-public', 'kube-system'], "only the cluster's own namespaces remain")
})

t.test('a scenario that cannot come up is reported and the run goes on with the next one', async (t) => {
  const api = withSystemNamespaces()
  const [teams] = loadScenarios(['scenarios/isolation/namespace-isolation.yaml'])
  api.namespaces.set('team-a', { 'kubernetes.io/metadata.name': 'team-a', team: 'theirs' }) // someone else's namespace, other labels
  const report = await runScenarios(
    [teams, dns],
    () => kubeDriver(api),
    'run',
    { ...DEFAULT_RUN_OPTIONS, settleMs: 300, reprobes: 1, roundIntervalMs: 10 },
    signal,
  )
  t.same(
    report.scenarios.map((s) => s.name),
    [teams.name, dns.name],
    'both scenarios are in the report',
  )
  t.match(
    report.scenarios[0].error,
    /namespace team-a already exists .* not created by netpol-harness; the scenario gives it labels it does not have/,
  )
  t.ok(report.scenarios[1].steps.length === dns.steps.length && !report.scenarios[1].error, 'the next scenario ran every step')
  t.equal(report.summary.exitCode, 3, 'a scenario that could not run is an infrastructure failure')
})

t.test(
  'a scenario with external hosts is unsupported on an existing cluster: reported as such, nothing created, the run goes on',
  async (t) => {
    const api = withSystemNamespaces()
    const [egress] = loadScenarios(['scenarios/egress/egress-to-database-subnet.yaml'])
    t.ok(egress.externals.length > 0, 'the scenario has external hosts')
    t.equal(kubeDriver(api).scenarioUnsupported(dns), undefined, 'a scenario without externals runs')
    const report = await runScenarios(
      [egress, dns],
      () => kubeDriver(api),
      'run',
      { ...DEFAULT_RUN_OPTIONS, settleMs: 300, reprobes: 1, roundIntervalMs: 10 },
      signal,
    )
    t.match(report.scenarios[0].unsupported, /cannot create external hosts on an existing cluster \(.+\); use --driver kind/)
    t.equal(report.scenarios[0].steps.length, 0)
    t.notOk(report.scenarios[0].error, 'not an infrastructure failure')
    t.ok(report.scenarios[1].steps.length === dns.steps.length && !report.scenarios[1].error, 'the next scenario ran every step')
    t.notOk(
      api.active().some((ns) => egress.namespaces.some((n) => n.name === ns)),
      "none of the unsupported scenario's namespaces was created",
    )
  },
)

t.test('an environment that cannot work stops the run, and every scenario not run is still listed', async (t) => {
  const api = new FakeKube()
  const report = await runScenarios([scenario, dns], () => kubeDriver(api, { allowExisting: false }), 'run', DEFAULT_RUN_OPTIONS, signal)
  t.same(
    report.scenarios.map((s) => [s.name, s.steps.length]),
    [
      [scenario.name, 0],
      [dns.name, 0],
    ],
  )
  t.match(report.scenarios[1].error, /^not run: refusing to use context/)
  t.same(api.calls, [], 'nothing touched')
})

t.test('chaos: restart-agent through the API, node faults only with node access, each said when unsupported', async (t) => {
  const api = new FakeKube()
  const d = kubeDriver(api)
  await d.up(scenario, signal)
  api.pods.set('kube-system/cn-1', {
    manifest: { metadata: { name: 'cn-1', labels: {} }, spec: { containers: [] } },
    polls: 0,
    info: { name: 'cn-1', namespace: 'kube-system', phase: 'Running', ready: true, node: 'w1', labels: { 'k8s-app': 'calico-node' } },
  })
  const origDelete = api.deletePod.bind(api)
  api.deletePod = async (ns: string, name: string) => {
    await origDelete(ns, name)
    if (ns === 'kube-system')
      api.pods.set(`kube-system/${name}-new`, {
        manifest: { metadata: { name: `${name}-new`, labels: {} }, spec: { containers: [] } },
        polls: 0,
        info: {
          name: `${name}-new`,
          namespace: 'kube-system',
          phase: 'Running',
          ready: true,
          node: 'w1',
          labels: { 'k8s-app': 'calico-node' },
        },
      })
  }
  await d.chaos({ action: 'restart-agent', node: 'w1', downForMs: 0 }, signal)
  t.ok(api.pods.has('kube-system/cn-1-new'), 'calico-node replaced')
  t.equal(d.chaosUnsupported({ action: 'restart-agent', node: 'all', downForMs: 0 }), undefined, 'a plain restart needs no node access')
  t.match(d.chaosUnsupported({ action: 'restart-agent', node: 'all', downForMs: 2000 }), /needs access to the nodes to keep the agent down/)
  t.equal(d.chaosUnsupported({ action: 'recreate-pod', namespace: 'x', pod: 'a' }), undefined)
  t.match(d.chaosUnsupported({ action: 'packet-loss', node: 'all', percent: 5, forMs: 100 }), /needs access to the nodes/)
  await t.rejects(d.chaos({ action: 'flush-dataplane', node: 'all' }, signal), /flush-dataplane is not supported by this driver/)
})

t.test('recreate-pod: the pod comes back with its current labels and the state carries its new address', async (t) => {
  const api = new FakeKube()
  const d = kubeDriver(api, { requestIpsIn: [] })
  await d.up(scenario, signal)
  await d.apply([{ kind: 'set-pod-labels', namespace: 'x', pod: 'a', labels: { pod: 'a', role: 'moved' } }])
  const before = d.state().pods.find((p) => p.namespace === 'x' && p.name === 'a')!
  await d.chaos({ action: 'recreate-pod', namespace: 'x', pod: 'a' }, signal)
  const after = d.state().pods.find((p) => p.namespace === 'x' && p.name === 'a')!
  t.not(after.ip, before.ip, 'a new pod, a new address, read back')
  t.equal(after.ip, api.pods.get('x/a')!.info.ip)
  t.same(after.labels, { pod: 'a', role: 'moved' })
  t.match(api.pods.get('x/a')!.info.labels, { pod: 'a', role: 'moved' }, 'created again with the labels it had')
})

// A scenario declaring kube-system/kube-dns stands for the cluster's DNS (docs/services.md, "Names and DNS"). kubeadm's
// CoreDNS addon (kind's too) already runs a Service of that name selecting k8s-app=kube-dns: ours could not be created
// over it, and the scenario's DNS pods (labelled like CoreDNS's) would join it and answer real lookups with agnhost.
t.test('a scenario declaring kube-system/kube-dns is unsupported on a cluster running its own DNS', async (t) => {
  const [withDns] = loadScenarios(['scenarios/egress/dns-under-default-deny.yaml'])
  t.ok(
    withDns.services?.some((s) => s.namespace === 'kube-system' && s.name === 'kube-dns'),
    'the scenario declares kube-dns',
  )
  t.match(kubeDriver(withSystemNamespaces()).scenarioUnsupported(withDns), /kube-system\/kube-dns, which this cluster already runs/)
  t.equal(kubeDriver(withSystemNamespaces()).scenarioUnsupported(dns), undefined, 'pods in kube-system without kube-dns run')
  t.equal(
    kubeDriver(withSystemNamespaces(), { clusterDns: false }).scenarioUnsupported(withDns),
    undefined,
    'a cluster without DNS of its own (the rehearsal) takes the scenario as its DNS',
  )
})

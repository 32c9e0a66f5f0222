// The real thing: kind + Calico, the basics and a chaos scenario, with real agnhost probes. Runs only where
// `kind` and a working Docker engine are present (`npm run test:e2e`, the nightly workflow); says why otherwise.
import t from 'tap'
import { execa } from 'execa'
import { clientNodeApi } from '../../src/drivers/kube/client-node-api.js'
import type { RawCalicoObject } from '../../src/drivers/kube/calico-kinds.js'
import { applyCalicoObjects, deleteRunCalicoObjects } from '../../src/drivers/kube/calico-policies.js'
import { readRunReport } from '../helpers/local-run.js'

async function why(): Promise<string | false> {
  const kind = await execa('kind', ['version'], { reject: false })
  if (kind.exitCode !== 0) return 'kind is not installed (https://kind.sigs.k8s.io); this end-to-end test needs kind and Docker'
  const docker = await execa('docker', ['info'], { reject: false, timeout: 20000 })
  if (docker.exitCode !== 0) return `Docker is not working here (docker info: ${(docker.stderr || docker.stdout).trim().split('\n')[0]})`
  if (process.env.NPH_E2E !== '1') return 'set NPH_E2E=1 to create a kind cluster (npm run test:e2e does); it takes several minutes'
  return false
}
const skip = await why()
if (skip) console.error(`# kind e2e skipped: ${skip}`)

t.test('kind + Calico: the basics agree, an agent restart keeps enforcing', { skip, timeout: 45 * 60000 }, async (t) => {
  const dir = t.testdir()
  const calico = process.env.NPH_CALICO ?? 'v3.30.7'
  const dataplane = process.env.NPH_DATAPLANE ?? 'iptables'
  const image = process.env.NPH_KIND_IMAGE ? ['--kind-image', process.env.NPH_KIND_IMAGE] : []
  const r = await execa(
    process.execPath,
    [
      'dist/src/cli/bin.js',
      'run',
      'scenarios/basics',
      'scenarios/chaos/restart-agent.yaml',
      '--driver',
      'kind',
      '--calico-version',
      calico,
      '--dataplane',
      dataplane,
      '--report-dir',
      dir,
      '--name',
      'nph-e2e',
      ...image,
    ],
    { reject: false, all: true },
  )
  t.equal(r.exitCode, 0, r.all)
  const report = readRunReport(dir)
  t.equal(report.driver.name, 'kind')
  t.ok((report.driver.timings?.installCalico ?? 0) > 0, 'install timings recorded')
  t.equal(report.summary.counts['fail-open'], 0)
  t.equal(report.driver.versions.calico, calico)
  t.match(report.driver.versions.calicoManifest, /sha256:[0-9a-f]{64}$/, 'the installed manifest is recorded with its hash')
  // Calico's own kinds: the API server installed from the vendored apiserver.yaml, and every kind served (discovery).
  t.match(
    report.driver.versions.calicoApi,
    /^Calico API server \(\S+ \S+ sha256:[0-9a-f]{64}.*\); projectcalico\.org\/v3 through the Calico API server \(Tier, GlobalNetworkSet, NetworkSet, GlobalNetworkPolicy, NetworkPolicy, StagedGlobalNetworkPolicy, StagedNetworkPolicy, StagedKubernetesNetworkPolicy\)$/,
  )
  const clusters = await execa('kind', ['get', 'clusters'])
  t.notMatch(clusters.stdout, /^nph-e2e$/m, 'the cluster is deleted after the run')
})

t.test(
  'kind + Calico: its own kinds through the Calico API server, staged ones too, and cleaned up',
  { skip, timeout: 30 * 60000 },
  async (t) => {
    const calico = process.env.NPH_CALICO ?? 'v3.30.7'
    const image = process.env.NPH_KIND_IMAGE ? ['--kind-image', process.env.NPH_KIND_IMAGE] : []
    const name = 'nph-e2e-calico'
    t.teardown(() => execa(process.execPath, ['dist/src/cli/bin.js', 'cluster', 'down', '--name', name], { reject: false }).then(() => {}))
    const up = await execa(
      process.execPath,
      ['dist/src/cli/bin.js', 'cluster', 'up', '--name', name, '--calico-version', calico, ...image],
      {
        reject: false,
        all: true,
      },
    )
    t.equal(up.exitCode, 0, up.all)
    const api = clientNodeApi(`kind-${name}`)
    const all = await api.servedCalicoKinds!()
    t.equal(all.length, 8, `every Calico kind served: ${all.join(', ')}`)
    const v3 = 'projectcalico.org/v3' as const
    // Named as v3.30/v3.31 require (a policy in tier T is T.<name>; docs/calico-policy.md).
    const objects: RawCalicoObject[] = [
      {
        apiVersion: v3,
        kind: 'GlobalNetworkPolicy',
        metadata: { name: 'e2e.guard' },
        spec: { tier: 'e2e', selector: 'e2e == "x"', egress: [{ action: 'Pass' }] },
      },
      {
        apiVersion: v3,
        kind: 'StagedGlobalNetworkPolicy',
        metadata: { name: 'e2e.staged' },
        spec: { tier: 'e2e', selector: 'e2e == "x"', ingress: [{ action: 'Deny' }] },
      },
      {
        apiVersion: v3,
        kind: 'StagedKubernetesNetworkPolicy',
        metadata: { name: 'staged-knp', namespace: 'default' },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      },
      { apiVersion: v3, kind: 'GlobalNetworkSet', metadata: { name: 'e2e-external' }, spec: { nets: ['198.51.100.0/24'] } },
      { apiVersion: v3, kind: 'Tier', metadata: { name: 'e2e' }, spec: { order: 500, defaultAction: 'Pass' } },
    ]
    await applyCalicoObjects(api, 'e2e-run', objects)
    await applyCalicoObjects(api, 'e2e-run', objects) // the second time: replaced by name
    for (const o of objects)
      t.ok(
        await api.readCalicoObject!({ kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace }),
        `${o.kind} ${o.metadata.name} stored`,
      )
    await deleteRunCalicoObjects(api, 'e2e-run', all)
    for (const o of objects)
      t.notOk(
        await api.readCalicoObject!({ kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace }),
        `${o.kind} ${o.metadata.name} deleted`,
      )
  },
)

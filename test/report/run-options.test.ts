// What was tested, in words (issue 15): the first line per driver, the options as every report lists them, the
// faults, and what differs between two runs besides their results.
import t from 'tap'
import {
  driverChoiceText,
  faultsText,
  isFaultInjected,
  optionEntries,
  runDifferences,
  versionsText,
  whatIsTestedLine,
} from '../../src/report/run-options.js'
import type { RunReport } from '../../src/report/model.js'
import { localRunReport, sampleReport } from '../helpers/report.js'

const base = { settleMs: 30000, reprobes: 3, roundIntervalMs: 250 }

t.test('the first line names driver, why, CNI, versions and what is specific to the driver', async (t) => {
  const local = localRunReport(['packet-loss=10'])
  t.matchSnapshot(whatIsTestedLine('0.1.0', local.driver, local.options), 'local, chosen by auto, with a fault')
  const kind: RunReport['driver'] = {
    name: 'kind',
    chosenBy: 'flag',
    reason: '--driver kind',
    cni: 'calico v3.30.7 (nftables)',
    versions: { kind: 'kind v0.32.0 go1.24 linux/amd64', kubernetes: 'v1.34.0', calico: 'v3.30.7', dataplane: 'nftables' },
  }
  const kindOptions = {
    ...base,
    kind: {
      name: 'nph',
      workers: 2,
      calicoVersion: 'v3.30.7',
      dataplane: 'nftables' as const,
      image: 'kindest/node:v1.34.0',
      waitSeconds: 300,
      keep: false,
    },
  }
  t.matchSnapshot(whatIsTestedLine('0.1.0', kind, kindOptions), 'kind')
  const kube: RunReport['driver'] = { name: 'kube', chosenBy: 'flag', reason: '--driver kube', cni: 'unknown', versions: {} }
  t.matchSnapshot(whatIsTestedLine('0.1.0', kube, { ...base, kube: { context: 'prod-a', allowExistingCluster: true } }), 'kube')
  t.match(whatIsTestedLine('0.1.0', local.driver, local.options), /^netpol-harness 0\.1\.0: driver local \(chosen by auto: kind not usable/)
  t.notMatch(whatIsTestedLine('0.1.0', kind, kindOptions), /faults|nodes/, 'no local-only parts under kind')
})

t.test('a driver chosen by --driver, by auto, or recorded before either was', async (t) => {
  t.equal(driverChoiceText({ name: 'kind', cni: 'x', versions: {}, chosenBy: 'flag', reason: '--driver kind' }), 'kind (--driver kind)')
  t.equal(
    driverChoiceText({ name: 'local', cni: 'x', versions: {}, chosenBy: 'auto', reason: 'no kind' }),
    'local (chosen by auto: no kind)',
  )
  t.equal(driverChoiceText({ name: 'local', cni: 'x', versions: {} }), 'local', 'an old report: just the name')
  t.equal(
    versionsText({ nftables: 'nftables v1.0.6', kernel: '6.1' }),
    'nftables v1.0.6, kernel 6.1',
    'a value naming its tool is not repeated',
  )
  t.equal(versionsText({}), 'none known')
})

t.test('faults: none, the specs, or not recorded (an old report)', async (t) => {
  t.equal(faultsText({ ...base, faults: [] }), 'none')
  t.equal(faultsText({ ...base, faults: ['skip-policy=x/deny', 'packet-loss=10'] }), 'skip-policy=x/deny, packet-loss=10')
  t.equal(faultsText(base), 'not recorded')
  t.ok(isFaultInjected({ ...base, faults: ['flush-on-resync'] }))
  t.notOk(isFaultInjected({ ...base, faults: [] }))
  t.notOk(isFaultInjected(base))
})

t.test('every recorded option is listed, in a fixed order', async (t) => {
  t.same(optionEntries(localRunReport(['packet-loss=10']).options), [
    ['driver requested', 'auto'],
    ['settle', '30s'],
    ['re-probes', '3'],
    ['round interval', '250ms'],
    ['enforce within', '5s'],
    ['adaptive timeout', '4 x p99, at least 250ms'],
    ['parallel', '1'],
    ['tags', 't'],
    ['skip tags', 'slow'],
    ['faults', 'packet-loss=10'],
    ['nodes', '2'],
    ['resync', '2s'],
  ])
  t.same(optionEntries({ ...base, adaptiveTimeout: null }).at(-1), ['adaptive timeout', 'off'])
  const kube = optionEntries({ ...base, kube: { context: 'c', kubeconfig: '/k', allowExistingCluster: true } })
  t.same(kube.at(-1), ['kube', 'context c, kubeconfig /k, existing cluster allowed'])
  const kind = new Map(
    optionEntries({
      ...base,
      kind: {
        name: 'n',
        workers: 3,
        calicoVersion: 'v3.31.0',
        dataplane: 'iptables',
        waitSeconds: 60,
        keep: true,
        calicoSha256: 'ab'.repeat(32),
      },
    }),
  )
  t.equal(kind.get('kind cluster'), 'n, 3 workers, kept, wait 60s')
  t.equal(kind.get('Calico'), `v3.31.0 (iptables dataplane), sha256 ${'ab'.repeat(32)}`)
  t.equal(kind.get('node image'), "kind's default")
})

t.test('two runs that differ besides their results say how, faults first', async (t) => {
  const clean = localRunReport([])
  const faulty = localRunReport(['packet-loss=10'])
  t.same(runDifferences(clean, clean), [], 'the same setup: nothing')
  t.same(runDifferences(faulty, clean), ['faults: packet-loss=10 vs none'])
  const slower = { ...clean, options: { ...clean.options, settleMs: 10000, nodes: 3 } }
  t.same(runDifferences(faulty, slower), ['faults: packet-loss=10 vs none', 'settle: 30s vs 10s', 'nodes: 2 vs 3'])
  const kind = { ...clean, driver: { ...clean.driver, name: 'kind' as const, cni: 'calico v3.30.7 (iptables)' } }
  t.same(runDifferences(clean, kind).slice(0, 2), [
    'driver: local vs kind',
    'CNI: netpol-harness local nftables dataplane vs calico v3.30.7 (iptables)',
  ])
  // An old report recorded no faults: a fault-injected run against it still says so.
  t.same(runDifferences(sampleReport(), faulty)[0], 'faults: not recorded vs packet-loss=10')
  t.notOk(
    runDifferences(clean, { ...clean, options: { ...clean.options, driverRequested: 'local' } }).length,
    'what --driver said is no difference when the same driver ran',
  )
})

// Why: the whole scenario library through the kube driver (issue 12), on an API backed by the local driver.
// Every shipped scenario goes through up, every step, probe and down on the kube path, against
// test/helpers/rehearsal-kube.ts, with the kube driver's probe script run for real in the pods' namespaces by an
// `agnhost connect` stand-in (test/fixtures/agnhost/connect.c). This is what fakes answering "allowed" by
// themselves could never show: the wire of the kube driver (namespaces that pre-exist, pods Ready only later, exec
// exit status, agnhost's outputs) carrying observed verdicts. Needs root, ip, nft and cc; says why it skips.
import t from 'tap'
import { cannotRunLocal } from '../../helpers/can-run.js'
import { execa } from 'execa'
import { join } from 'node:path'
import { CALICO_POD_SUBNET, CALICO_POD_SUBNET_V6 } from '../../../src/drivers/kind/config.js'
import { KubeDriver } from '../../../src/drivers/kube/index.js'
import { runScenarios } from '../../../src/runner/run.js'
import { loadScenarios } from '../../../src/scenario/load.js'
import { loadDependentProblems, loadFreeProblems } from '../../helpers/load-free.js'
import { RehearsalKube } from '../../helpers/rehearsal-kube.js'
import type { LocalDriver } from '../../../src/drivers/local/index.js'
import { TopologyPool, poolKey } from '../../../src/drivers/local/reuse.js'
import { CALICO_KINDS, type CalicoKind } from '../../../src/drivers/kube/calico-kinds.js'

const skip = await cannotRunLocal([['cc', '--version']])

/** Node count of each scenario's local cluster (kind's default: a control plane and a worker). */
const NODES = 2

/**
 * Scenarios rehearsed at once (REHEARSAL_PARALLEL overrides): each has its own fake API and its own local cluster
 * (namespaces named by its session, its own fabric), as `run --parallel` on the local driver. Most of a scenario's
 * time is waiting (probe timeouts, the kube driver's polls), so two at once overlap those waits; three at once made
 * a probe exec miss its 16 s budget on the loaded 2-core machine (load average above 20).
 */
const PARALLEL = Math.max(1, Number(process.env.REHEARSAL_PARALLEL) || 2)

/**
 * The pod subnet the kind driver gives its clusters and asks Calico for addresses in: the scenarios' default pod CIDR,
 * also kind's own default (kubernetes-sigs/kind pkg/apis/config/v1alpha4/default.go: DefaultPodSubnet "10.244.0.0/16").
 */
const POD_SUBNET = CALICO_POD_SUBNET

/** SCTP cells: the local kernel has no SCTP sockets (the local driver says so), so the stand-in can only fail them. */
const isSctp = (c: { protocol: string }) => c.protocol === 'SCTP'

t.test(
  'every shipped scenario through the kube driver: all listed, every step run, none failing',
  { skip, timeout: 45 * 60000 },
  async (t) => {
    const agnhost = join(t.testdir(), 'agnhost')
    await execa('cc', ['-O2', '-o', agnhost, 'test/fixtures/agnhost/connect.c'])
    // REHEARSAL_ONLY=<part of a file path> narrows the run while developing; npm test runs the whole library.
    const only = process.env.REHEARSAL_ONLY
    const scenarios = loadScenarios(['scenarios/']).filter((s) => !only || s.file.includes(only))
    const signal = new AbortController().signal
    const apis: RehearsalKube[] = []
    // The node side as `run --driver local` has it (docs/speed.md): scenarios whose local cluster has the same layout
    // share one topology, reset between them (the fake asks for the scenario's own addresses, so the keys match).
    const pool = new TopologyPool<LocalDriver>(
      scenarios.map((s) => poolKey(s, NODES)),
      { spares: PARALLEL },
    )
    const report = await runScenarios(
      scenarios,
      (s) => {
        const api = new RehearsalKube(s, { agnhost, signal, nodes: NODES, pool })
        apis.push(api)
        const driver = new KubeDriver({
          api,
          runId: 'rehearsal',
          createdByUs: true,
          nodes: api.nodes(),
          // Dual-stack scenarios ask for both addresses, as on a kind cluster made with --ip-family dual.
          requestIpsIn: [POD_SUBNET, CALICO_POD_SUBNET_V6],
          // The fake's pods become Ready once the local driver has built their node side, which took over 60 s on
          // the loaded 2-core machine with two scenarios building at once: the driver's own default (180 s) applies.
          clusterPolicyKinds: ['ClusterNetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'],
          // A cluster with the Calico API server (docs/calico-policy.md): every Calico kind served.
          calicoKinds: Object.keys(CALICO_KINDS) as CalicoKind[],
          // The fake cluster has no DNS of its own: a scenario's kube-system/kube-dns is its DNS (real lookups).
          clusterDns: false,
        })
        // SCTP: the stand-in runs on a kernel without it, so every SCTP probe could only error, and the step would
        // wait out its settle time and re-probes for cells that never agree. Unsupported here, said so; the probe
        // script's SCTP form is checked in probe-script.test.ts.
        const unsupported = driver.unsupported.bind(driver)
        driver.unsupported = (target) => (target.protocol === 'SCTP' ? 'no SCTP on the rehearsal kernel' : unsupported(target))
        const down = driver.down.bind(driver)
        // The fake's node side goes with the driver, whatever happened to the scenario.
        driver.down = async () => {
          try {
            await down()
          } finally {
            await api.down()
          }
        }
        return driver
      },
      'rehearsal',
      { settleMs: 5000, reprobes: 2, roundIntervalMs: 250 },
      signal,
      {
        scenarioEnd: (r) => {
          // Where the time went: setup (namespaces, pods Ready, the node side), the steps, and down.
          const steps = r.steps.reduce((n, st) => n + st.durationMs, 0)
          const rounds = r.steps.reduce((n, st) => n + st.rounds, 0)
          const times = `${r.durationMs} ms: setup ${r.setupMs}, ${r.steps.length} steps ${steps} (${rounds} rounds), down ${r.durationMs - r.setupMs - steps}`
          t.comment(`${r.name}: ${r.error ? `ERROR ${r.error.split('\n')[0]}` : 'ran'} (${times})`)
        },
      },
      PARALLEL,
    ).finally(() => pool.close())
    t.comment(
      `${scenarios.length} scenarios, ${PARALLEL} at once, ${pool.reused + pool.reconciled} on a topology taken over (${pool.reconciled} of another layout, reconciled): ${report.durationMs} ms`,
    )
    // Time limits (chaos recovery, time to enforce) depend on this shared machine's load: printed, judged by bench.
    const bad = loadFreeProblems(report.scenarios, isSctp)
    t.comment(`failed on the kube path: ${bad.length} of ${report.scenarios.length}`)
    for (const b of bad) t.comment(`  ${b.name.padEnd(48)} ${b.why}`)
    for (const l of loadDependentProblems(report)) t.comment(`over a time limit (load-dependent, not judged here): ${l}`)
    t.same(
      report.scenarios.map((s) => s.name),
      scenarios.map((s) => s.name),
      `all ${scenarios.length} scenarios in the report`,
    )
    t.same(
      report.scenarios.filter((s) => !s.error).map((s) => [s.name, s.steps.length]),
      scenarios.filter((_, i) => !report.scenarios[i].error).map((s) => [s.name, s.steps.length]),
      'every step of every scenario that did not error ran',
    )
    t.same(
      bad,
      [],
      'no scenario errored, no cell disagreed or failed to probe and no chaos invariant broke (but time limits) on the kube path',
    )
    const sctp = report.scenarios.flatMap((s) => s.steps.flatMap((st) => st.cells.filter(isSctp)))
    t.ok(
      sctp.every((c) => c.classification === 'probe-error' || c.classification === 'unsupported' || c.classification === 'skipped'),
      `the ${sctp.length} SCTP cells (no SCTP on this kernel) are probe errors or unsupported, never a verdict`,
    )
    const unsupportedChaos = report.scenarios.flatMap((s) =>
      s.steps.flatMap((st) =>
        (st.chaos ?? []).filter((c) => c.unsupported).map((c) => `${s.name}/${st.name}: ${c.action}: ${c.unsupported}`),
      ),
    )
    for (const u of unsupportedChaos) t.comment(`chaos unsupported: ${u}`)
    const seen = new Set(report.scenarios.flatMap((s) => s.steps.flatMap((st) => st.cells.map((c) => c.observation.result))))
    t.ok(seen.has('allowed') && seen.has('blocked'), `observed, not scripted: the probes saw ${[...seen].join(', ')}`)
    const scripts = apis.flatMap((a) => a.scripts)
    t.ok(
      scripts.length > 0 && scripts.every((s) => s.startsWith('/bin/sh -c ') && s.includes('/agnhost connect ')),
      `every one of ${scripts.length} probes was the one-exec sh script running /agnhost connect`,
    )
    // Cells through a Service (issue 18): service-ip, service-name and node-port are probed through the kube driver's
    // per-backend Services, which the fake runs through the local driver's NAT (names through /etc/netns/<ns>/hosts,
    // node ports on the nodes' InternalIPs): never unsupported, and every such probe dialled a ClusterIP, a Service name
    // or a node's address on a node port, never the pod address.
    // A scenario with the cluster's DNS (kube-system/kube-dns) resolves names with real queries to it: a lookup that
    // policy drops is agnhost's unanswered-lookup error, read as blocked (probe-script.ts).
    // Name cells of one family (dual-stack) are unsupported on the kube path: agnhost cannot choose the family.
    const via = report.scenarios.flatMap((s) =>
      s.steps.flatMap((st) => st.cells.filter((c) => c.via && !(c.via === 'service-name' && c.family))),
    )
    const byWay = new Map<string, Map<string, number>>()
    for (const c of via) {
      const m = byWay.get(c.via!) ?? new Map<string, number>()
      m.set(c.observation.result, (m.get(c.observation.result) ?? 0) + 1)
      byWay.set(c.via!, m)
    }
    for (const [way, m] of byWay) t.comment(`via ${way}: ${[...m].map(([r, n]) => `${n} ${r}`).join(', ')}`)
    const throughService = via.filter((c) => c.via === 'service-ip' || c.via === 'service-name' || c.via === 'node-port')
    t.ok(
      throughService.every((c) => c.classification !== 'unsupported'),
      `the ${throughService.length} service-ip, service-name and node-port cells were probed through kube, none unsupported`,
    )
    if (throughService.length) {
      t.ok(
        (!byWay.has('service-ip') || scripts.some((s) => / connect 10\.96\.\d+\.\d+:/.test(s))) &&
          (!byWay.has('service-name') || scripts.some((s) => /\.svc\.cluster\.local\.:/.test(s))) &&
          // A node's InternalIP (the local driver's nodes carry kind's, 172.18.0.2 upwards) on a node port (30000-32767).
          (!byWay.has('node-port') || scripts.some((s) => / connect 172\.18\.0\.\d+:3\d{4} /.test(s))),
        'the probes dialled ClusterIPs, Service names and node ports on node addresses, through the NAT',
      )
      const seenVia = new Set(throughService.map((c) => c.observation.result))
      // Over the library; a narrowed run may pick scenarios whose Service cells are all allowed.
      if (!only) t.ok(seenVia.has('allowed') && seenVia.has('blocked'), `through Services the probes saw ${[...seenVia].join(', ')}`)
      // Scenarios with the cluster's DNS: some name cells are blocked by their lookup (policy drops the query to kube-dns).
      const lookups = throughService.filter((c) => /name lookup unanswered/.test(c.observation.detail ?? ''))
      if (scenarios.some((s) => s.services?.some((x) => x.namespace === 'kube-system' && x.name === 'kube-dns')))
        t.ok(
          lookups.length > 0 && lookups.every((c) => c.via === 'service-name' && c.observation.result === 'blocked'),
          `${lookups.length} name cells blocked by an unanswered lookup (agnhost's DNS i/o timeout)`,
        )
    }
    if (!only) t.ok(report.summary.cells > 1000, `${report.summary.cells} cells judged`)
    const left = (await execa('ip', ['netns', 'list'])).stdout.split('\n').filter((l) => apis.some((a) => a.ownsNetns(l.split(' ')[0])))
    t.same(left, [], 'no network namespace of the rehearsal left behind')
  },
)

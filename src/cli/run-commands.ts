// Why: commands that touch a cluster: `run` (scenarios against a driver) and `cleanup` (leftovers).
import { Option, type Command } from 'commander'
import type { HairpinMode } from '../evaluator/services.js'
import { setTimeout as delay } from 'node:timers/promises'
import { UsageError } from '../errors.js'
import type { Driver, DriverInfo } from '../drivers/driver.js'
import { LocalDriver } from '../drivers/local/index.js'
import { cleanupSessions } from '../drivers/local/cleanup.js'
import { TopologyPool, poolKey } from '../drivers/local/reuse.js'
import { localScenarioUnsupported } from '../drivers/local/supports.js'
import { defaultExec } from '../drivers/exec.js'
import { FAULT_MODES, type FaultMode, type Faults } from '../drivers/local/compile-nft.js'
import { runScenarios } from '../runner/run.js'
import { DEFAULT_RUN_OPTIONS } from '../runner/run-step.js'
import { DEFAULT_ADAPTIVE_TIMEOUT, parseAdaptiveTimeout } from '../runner/adaptive-timeout.js'
import { defaultParallel } from '../runner/parallel.js'
import { parseDuration } from '../scenario/duration.js'
import { loadScenarios } from '../scenario/load.js'
import type { Scenario } from '../model/scenario.js'
import { selectByTags, tagSet } from '../scenario/select.js'
import { writeReports } from '../report/write.js'
import { startJournal } from '../report/write-incremental.js'
import { type RunReport, SCHEMA_VERSION } from '../report/model.js'
import { versionsText, whatIsTestedLine } from '../report/run-options.js'
import { DEFAULT_HISTORY_LIMIT } from '../report/history.js'
import { Interrupt, type LiveInterrupt } from '../runner/interrupt.js'
import { VERSION } from '../version.js'
import type { Io } from './io.js'
import { chooseDriver } from './choose-driver.js'
import { checkDriverFlags } from './driver-flags.js'
import { dryRunText, faultSpecs, preliminaryDriver } from './what-is-tested.js'
import { type ClusterFlags, addClusterOptions, kindOptions } from './cluster-options.js'
import { KindCluster, KindDriver } from '../drivers/kind/index.js'
import { clusterPolicyApi } from '../drivers/cluster-policy-support.js'
import { KubeDriver } from '../drivers/kube/index.js'
import type { KubeApi } from '../drivers/kube/api.js'
import { detectCni } from '../drivers/kube/detect-cni.js'
import { calicoApiSummary } from '../drivers/kube/calico-policies.js'
import { poolFamilies } from '../drivers/kube/pods.js'
import { Progress, terminalOf } from './progress.js'
import { ALLOW_OUTSIDE_FILES, loadOptionsOf } from './input-options.js'
import { checkReportDir, checkSkipPolicies } from './check-options.js'

interface RunFlags extends ClusterFlags {
  driver: 'local' | 'kind' | 'kube' | 'auto'
  reportDir: string
  settle: string
  enforceWithin: string
  reprobes: string
  nodes: string
  resync: string
  fault: string[]
  tags: string[]
  skip: string[]
  historyLimit: string
  quiet?: boolean
  dryRun?: boolean
  allowOutsideFiles?: boolean
  parallel: string
  adaptiveTimeout: string
  hairpin: HairpinMode
}

function positiveInt(name: string, v: string, min = 0): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be a whole number >= ${min} (got ${v})`)
  return n
}

/** `--fault` specs (repeatable): deliberate dataplane bugs for self-validation (docs/selftest.md). */
export function parseFaults(specs: readonly string[]): Faults {
  const skipPolicies: string[] = []
  const modes: FaultMode[] = []
  let lateMs: number | undefined
  let lossPercent: number | undefined
  for (const spec of specs) {
    const skip = /^skip-policy=([^/]+\/[^/]+)$/.exec(spec)
    const late = /^late-programming=(.+)$/.exec(spec)
    const loss = /^packet-loss=(\d+(?:\.\d+)?)%?$/.exec(spec)
    if (skip) skipPolicies.push(skip[1])
    else if (loss) {
      lossPercent = Number(loss[1])
      if (lossPercent > 100) throw new UsageError(`--fault ${spec}: a percentage from 0 to 100`)
    } else if (late) {
      lateMs = parseDuration(late[1])
      if (lateMs === undefined) throw new UsageError(`--fault ${spec}: invalid duration (use e.g. 3s)`)
    } else if ((FAULT_MODES as readonly string[]).includes(spec)) modes.push(spec as FaultMode)
    else
      throw new UsageError(
        `unknown --fault "${spec}" (known: skip-policy=<namespace>/<name>, late-programming=<duration>, packet-loss=<percent>, ${FAULT_MODES.join(', ')})`,
      )
  }
  return { skipPolicies, modes, ...(lateMs !== undefined ? { lateMs } : {}), ...(lossPercent !== undefined ? { lossPercent } : {}) }
}

/**
 * Stops the run on SIGINT, SIGTERM and SIGHUP, and when stdout or stderr is closed (`run ... 2>&1 | head -2`: EPIPE),
 * by aborting with an `Interrupt`; the run then cleans up and writes its report. Output to a closed stream stops
 * quietly (no stack trace). `io` is what the run should write through; `dispose` removes the handlers.
 */
function handleInterrupts(io: Io, ac: AbortController, say: (line: string) => void): { io: Io; dispose(): void } {
  const closed = { out: false, err: false }
  const interrupt = (by: LiveInterrupt) => {
    if (ac.signal.aborted) return
    if (by !== 'EPIPE') say(`${by}: stopping and removing everything this run created...`)
    ac.abort(new Interrupt(by))
  }
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
  const onSignal = (sig: NodeJS.Signals) => interrupt(sig as LiveInterrupt)
  // Any error of a standard stream (EPIPE, or EIO once the terminal is gone) means nobody reads it any more.
  const onOutError = () => ((closed.out = true), interrupt('EPIPE'))
  const onErrError = () => ((closed.err = true), interrupt('EPIPE'))
  for (const sig of signals) process.on(sig, onSignal)
  process.stdout.on('error', onOutError)
  process.stderr.on('error', onErrError)
  return {
    io: { out: (t) => void (closed.out || io.out(t)), err: (t) => void (closed.err || io.err(t)) },
    dispose() {
      for (const sig of signals) process.off(sig, onSignal)
      // A closed stream keeps its listener: a later write must not become an uncaught 'error'.
      if (!closed.out) process.stdout.off('error', onOutError)
      if (!closed.err) process.stderr.off('error', onErrError)
    },
  }
}

/** A kube cluster's server version and CNI, each when it answers within 10 s; nothing when it does not. */
async function clusterFacts(api: KubeApi): Promise<{ cni?: { cni: string }; versions: Record<string, string> }> {
  const within = <T>(p: Promise<T>) => Promise.race([p.catch(() => undefined), delay(10000, undefined, { ref: false })])
  const [kubernetes, cni] = await Promise.all([within(api.serverVersion()), within(detectCni(api))])
  return { ...(cni ? { cni } : {}), versions: { ...(kubernetes ? { kubernetes } : {}), ...(cni?.versions ?? {}) } }
}

function makeRunId(): string {
  const d = new Date()
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${Math.random().toString(16).slice(2, 6)}`
}

/** `run` (scenarios against a driver) and `cleanup` (what a crashed run left). */
export function registerRunCommands(program: Command, io: Io, setCode: (n: number) => void): void {
  const run = program
    .command('run')
    .description('run scenarios against a cluster: apply each step, predict, probe with real connections, compare, and write reports')
    .argument('[paths...]', 'scenario files or folders', ['scenarios/'])
    .addOption(
      new Option('--driver <driver>', 'local (network namespaces + nftables), kind, kube, or auto')
        .choices(['local', 'kind', 'kube', 'auto'])
        .default('auto'),
    )
    .option('--report-dir <dir>', 'where reports go (a folder per run id)', 'reports')
    .option('--settle <duration>', 'how long probe rounds may repeat until observation equals prediction', '30s')
    .option('--enforce-within <duration>', 'a change must be enforced within this long from submission, else its cells are slow', '5s')
    .option('--reprobes <n>', 'how many times a remaining disagreement is probed again (stable vs flaky)', '3')
    .option('--nodes <n>', 'local driver: number of nodes pods are spread over', '2')
    .option('--resync <duration>', 'local driver: how often each node agent re-programs its rules in full (repairs flushed rules)', '2s')
    .option(
      '--fault <spec>',
      `local driver: inject a dataplane bug to prove detection, or bad network (repeatable): skip-policy=ns/name, late-programming=5s, packet-loss=10, ${FAULT_MODES.join(', ')}`,
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '--tags <tags>',
      'run only scenarios with at least one of these tags (comma-separated, repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '--skip <tags>',
      'leave out scenarios with any of these tags (comma-separated, repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .addOption(
      new Option(
        '--hairpin <mode>',
        'a pod reaching itself through its own Service: allowed (Kubernetes, kube-proxy masquerades it) or dropped by this dataplane; the local driver enforces it (docs/services.md)',
      )
        .choices(['allowed', 'dropped'])
        .default('allowed'),
    )
    .option('--history-limit <n>', 'how many runs history.json keeps (the most recent)', String(DEFAULT_HISTORY_LIMIT))
    .option(
      '--parallel <n>',
      'how many scenarios run at once, each on its own cluster (auto: local driver two per CPU, at most 8; kind/kube 1; see docs/speed.md)',
      'auto',
    )
    .option(
      '--adaptive-timeout <spec>',
      'cells predicted denied wait <factor> x p99 of the allowed latencies of their round, at least <floor>, instead of the full timeout; or off',
      `${DEFAULT_ADAPTIVE_TIMEOUT.factor},${DEFAULT_ADAPTIVE_TIMEOUT.floorMs}ms`,
    )
    .option('-q, --quiet', 'no progress output, and no first line naming the driver (warnings and errors still show)')
    .option('--dry-run', 'check everything (inputs, flags, report folder, driver choice), print what would run, create nothing')
    .option(...ALLOW_OUTSIDE_FILES)
  addClusterOptions(run)
  run
    .addHelpText(
      'after',
      `
Before any scenario starts, one line on stderr names what is tested: the driver (and why auto chose it), its CNI
and versions, nodes and faults (local) or the cluster (kind/kube); -q leaves it out. A flag of another driver
(--nodes under kind, --calico-version under local) is a usage error with --driver, a warning with auto.
Every option that changes behaviour is recorded in report.json (options) and shown in every report.

Reports: <report-dir>/<run-id>/report.json (versioned), junit.xml, report.md, report.html; scenarios.jsonl gets
each scenario as it ends (a killed run's report is rebuilt from it by \`netpol-harness report\`).
Exit codes: 0 all cells agree; 1 fail-open, fail-closed, flaky or intent violation; 2 bad input; 3 infrastructure
or probe failure; interrupted (everything created was removed, the report written): 129 SIGHUP, 130 SIGINT,
141 output closed (EPIPE), 143 SIGTERM.

Examples:
  netpol-harness run                                  # every scenario under scenarios/, driver chosen automatically
  netpol-harness run scenarios/upstream --driver local --settle 10s
  netpol-harness run --tags egress,dns --skip chaos    # select scenarios by tag
  netpol-harness run scenarios/basics/allow-web-to-customer.yaml --driver local --settle 2s \\
      --fault skip-policy=prod/customer-from-web      # prove that a broken dataplane is caught (exit 1)
  netpol-harness run scenarios/ --driver kind --dry-run  # what would run, with which driver and options; creates nothing`,
    )
    .action(async (paths: string[], flags: RunFlags, cmd: Command) => {
      const settleMs = parseDuration(flags.settle)
      if (settleMs === undefined) throw new UsageError(`--settle: invalid duration "${flags.settle}" (use e.g. 10s, 500ms)`)
      const enforceWithinMs = parseDuration(flags.enforceWithin)
      if (enforceWithinMs === undefined)
        throw new UsageError(`--enforce-within: invalid duration "${flags.enforceWithin}" (use e.g. 5s, 1500ms)`)
      const opts = {
        ...DEFAULT_RUN_OPTIONS,
        settleMs,
        enforceWithinMs,
        reprobes: positiveInt('--reprobes', flags.reprobes),
        adaptiveTimeout: parseAdaptiveTimeout(flags.adaptiveTimeout, parseDuration),
        hairpin: flags.hairpin,
      }
      const parallelFlag = flags.parallel === 'auto' ? undefined : positiveInt('--parallel', flags.parallel, 1)
      const nodes = positiveInt('--nodes', flags.nodes, 1)
      const faults = parseFaults(flags.fault)
      const resyncMs = parseDuration(flags.resync)
      if (resyncMs === undefined) throw new UsageError(`--resync: invalid duration "${flags.resync}"`)
      const historyLimit = positiveInt('--history-limit', flags.historyLimit, 1)
      const loaded = loadScenarios(paths, loadOptionsOf(flags)) // validates everything before anything is created
      const scenarios = selectByTags(loaded, tagSet(flags.tags), tagSet(flags.skip))
      if (scenarios.length === 0)
        throw new UsageError(
          `no scenario left after --tags/--skip (tags present: ${[...new Set(loaded.flatMap((s) => s.tags))].sort().join(', ') || 'none'})`,
        )
      checkSkipPolicies(faults.skipPolicies ?? [], scenarios)
      const choice = await chooseDriver(flags.driver)
      const driverName = choice.name
      // A flag of another driver: a usage error when --driver named it, a warning when auto chose it.
      checkDriverFlags(
        choice,
        (n) => cmd.getOptionValueSource(n),
        (l) => io.err(`${l}\n`),
      )
      checkReportDir(flags.reportDir, !!flags.dryRun)
      const kindOpts = driverName === 'kind' ? kindOptions(flags, parseDuration) : undefined
      // @kubernetes/client-node is about 800 modules: loaded only when a cluster driver is chosen.
      const clusterApi = async () => (await import('../drivers/kube/client-node-api.js')).clientNodeApi
      // The kube client reads the kubeconfig and checks the context (a usage error), and talks to nothing yet.
      const kubeApi = driverName === 'kube' ? (await clusterApi())(flags.context, flags.kubeconfig) : undefined
      const parallel = Math.min(scenarios.length, parallelFlag ?? defaultParallel(driverName))
      const recorded: RunReport['options'] = {
        settleMs: opts.settleMs,
        reprobes: opts.reprobes,
        roundIntervalMs: opts.roundIntervalMs,
        enforceWithinMs: opts.enforceWithinMs,
        adaptiveTimeout: opts.adaptiveTimeout ? { factor: opts.adaptiveTimeout.factor, floorMs: opts.adaptiveTimeout.floorMs } : null,
        parallel,
        hairpin: flags.hairpin,
        driverRequested: flags.driver,
        tags: [...tagSet(flags.tags)],
        skipTags: [...tagSet(flags.skip)],
        ...(driverName === 'local' ? { faults: faultSpecs(faults), nodes, resyncMs } : {}),
        ...(kindOpts
          ? {
              kind: {
                name: kindOpts.name,
                workers: kindOpts.workers,
                calicoVersion: kindOpts.calicoVersion,
                dataplane: kindOpts.dataplane,
                ...(kindOpts.ipFamily === 'dual' ? { ipFamily: 'dual' as const } : {}),
                ...(kindOpts.kubeProxyMode ? { kubeProxyMode: kindOpts.kubeProxyMode } : {}),
                ...(kindOpts.image ? { image: kindOpts.image } : {}),
                ...(kindOpts.calicoManifest ? { calicoManifest: kindOpts.calicoManifest } : {}),
                ...(kindOpts.calicoSha256 ? { calicoSha256: kindOpts.calicoSha256 } : {}),
                waitSeconds: kindOpts.waitSeconds,
                keep: !!flags.keep,
              },
            }
          : {}),
        ...(kubeApi
          ? {
              kube: {
                context: kubeApi.context,
                ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
                allowExistingCluster: !!flags.allowExistingCluster,
              },
            }
          : {}),
      }
      let before = await preliminaryDriver(choice, defaultExec, kindOpts)
      if (!flags.quiet) io.err(`${whatIsTestedLine(VERSION, before, recorded)}\n`)
      if (flags.dryRun) {
        io.out(dryRunText(recorded, scenarios, flags.reportDir))
        return
      }
      if (kubeApi) {
        // A cluster we did not build: its version and CNI as soon as it answers (read only; the driver reports failures).
        const found = await clusterFacts(kubeApi)
        before = { ...before, ...(found.cni ? { cni: found.cni.cni } : {}), versions: { ...before.versions, ...found.versions } }
        if (!flags.quiet && Object.keys(before.versions).length)
          io.err(`driver kube: CNI ${before.cni}; ${versionsText(before.versions)}\n`)
      }
      const ac = new AbortController()
      const interrupts = handleInterrupts(io, ac, (l) => progress.log(l))
      const out = interrupts.io
      const progress = new Progress(out, { enabled: !flags.quiet, parallel, planned: scenarios, ...terminalOf(process.stderr) })
      const runId = makeRunId()
      const log = (l: string) => progress.log(l)
      // Kubernetes label values: the run id without its dashes.
      const labelId = runId.replace(/[^a-z0-9]/g, '')
      let cluster: KindCluster | undefined
      let topologies: TopologyPool<LocalDriver> | undefined
      let makeDriver: (s: Scenario) => Driver
      if (kindOpts) {
        const clientNodeApi = await clusterApi()
        const o = {
          ...kindOpts,
          exec: defaultExec,
          api: (ctx: string) => clientNodeApi(ctx),
          runId: labelId,
          keep: !!flags.keep,
          log,
        }
        const kind = new KindCluster(o)
        cluster = kind
        makeDriver = () => new KindDriver(o, kind)
      } else if (kubeApi) {
        const api = kubeApi
        // The cluster's families from its Calico IP pools, when it has them: a scenario needing another is unsupported.
        const ipFamilies = await poolFamilies(api)
        // Which cluster policy kinds the cluster serves (their CRDs are installed), asked once for the run.
        const clusterPolicyKinds = (await api.servedClusterPolicyKinds?.().catch(() => undefined)) ?? []
        // Which Calico projectcalico.org/v3 kinds it serves (a Calico API server), asked once for the run.
        const calicoKinds = (await api.servedCalicoKinds?.().catch(() => undefined)) ?? []
        makeDriver = () =>
          new KubeDriver({
            api,
            runId: labelId,
            createdByUs: false,
            allowExisting: !!flags.allowExistingCluster,
            log,
            ...(ipFamilies ? { ipFamilies } : {}),
            clusterPolicyKinds,
            calicoKinds,
            info: { versions: { clusterPolicies: clusterPolicyApi(clusterPolicyKinds), calicoApi: calicoApiSummary(calicoKinds) } },
          })
      } else {
        // Scenarios share topologies, reset between them, reconciled between layouts (docs/speed.md, reuse.ts).
        const pool = new TopologyPool<LocalDriver>(
          scenarios.map((s) => (localScenarioUnsupported(s, nodes) ? undefined : poolKey(s, nodes))),
          { spares: parallel },
        )
        topologies = pool
        makeDriver = (s) => new LocalDriver({ nodes, faults, resyncMs, pool, hairpin: flags.hairpin, log: (l) => progress.log(l, s) })
      }
      // What the driver said of itself once up, over what was known before (why it was chosen stays).
      let upInfo: DriverInfo | undefined
      const driverOf = (info: DriverInfo | undefined): RunReport['driver'] =>
        info
          ? { ...before, ...info, cni: info.cni === 'unknown' ? before.cni : info.cni, versions: { ...before.versions, ...info.versions } }
          : before
      try {
        // Each scenario on disk as it ends: a run killed outright loses at most the one in flight.
        const journal = startJournal(flags.reportDir, {
          schemaVersion: SCHEMA_VERSION,
          runId,
          startedAt: new Date().toISOString(),
          harness: { name: 'netpol-harness', version: VERSION, node: process.version },
          driver: before,
          options: recorded,
          planned: scenarios.map((s) => ({
            name: s.name,
            file: s.file,
            ...(s.description ? { description: s.description } : {}),
            tags: s.tags,
          })),
        })
        const ran = await runScenarios(
          scenarios,
          makeDriver,
          runId,
          opts,
          ac.signal,
          {
            scenarioStart: (s, i, n) => progress.scenario(s, i, n),
            step: (s, p) => progress.step(p, s),
            stepEnd: (s, r) => progress.stepDone(s, r),
            scenarioEnd: (r, i, info) => {
              // A cluster's versions are known once it is up: said once, when the first scenario brings them.
              if (info && !upInfo && driverName !== 'local')
                progress.log(`driver ${info.name}: CNI ${info.cni}; ${versionsText(info.versions)}`)
              upInfo ??= info
              progress.scenarioDone(r, i)
              journal.append(r, driverOf(info ?? upInfo))
            },
            log: (l, s) => progress.log(l, s),
          },
          parallel,
        )
        const report: RunReport = {
          ...ran,
          driver: { ...driverOf(upInfo), ...(ran.driver.timings ? { timings: ran.driver.timings } : {}) },
          options: { ...ran.options, ...recorded },
        }
        const dir = writeReports(report, flags.reportDir, { limit: historyLimit, warn: (l) => out.err(`warning: ${l}\n`) })
        progress.summary(report, dir)
        setCode(report.summary.exitCode)
      } finally {
        await topologies?.close().catch((e: Error) => progress.log(`could not remove a local topology: ${e.message}`))
        await cluster?.close().catch((e: Error) => progress.log(`could not delete the kind cluster: ${e.message}`))
        interrupts.dispose()
      }
    })

  program
    .command('cleanup')
    .description('remove network namespaces, processes and nft tables left by local-driver runs that did not finish')
    .option('--all', 'also remove those of runs that are still going (they will fail)')
    .action(async (flags: { all?: boolean }) => {
      const removed = await cleanupSessions(defaultExec, { includeAlive: !!flags.all })
      io.out(removed.length ? `removed ${removed.length} namespaces: ${removed.join(' ')}\n` : 'nothing to clean up\n')
    })
}

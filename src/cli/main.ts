// Why: the command line; the one place that maps errors to exit codes (0 agree, 1 disagree, 2 input, 3 infra,
// 70 a bug: one line without a stack trace unless --debug). Everything a command needs (scenario loading with
// yaml and zod, drivers with the Kubernetes client and execa) is imported only when that command runs.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { Command, CommanderError, Option } from 'commander'
import { HarnessError, InfraError, InputError, type Problem, UsageError, formatProblem } from '../errors.js'
import type { IPFamily, ProbeProtocol, Via } from '../model/cluster.js'
import { policyId } from '../model/policy.js'
import { calicoId } from '../model/calico.js'
import { clusterPolicyId } from '../model/cluster-policy.js'
import type { Scenario } from '../model/scenario.js'
import { columns } from '../util/columns.js'
import { VERSION } from '../version.js'
import { type Io, processIo } from './io.js'
import { ALLOW_OUTSIDE_FILES, loadOptionsOf } from './input-options.js'

type Register = (program: Command, io: Io, setCode: (n: number) => void) => void

/**
 * The command modules registered lazily, in help order, with the commands each registers (test/cli/main.test.ts
 * checks the lists against what the modules register). @internal exported for its test
 */
export const COMMAND_MODULES: readonly { readonly commands: readonly string[]; readonly load: () => Promise<Register> }[] = [
  { commands: ['run', 'cleanup'], load: async () => (await import('./run-commands.js')).registerRunCommands },
  { commands: ['lint'], load: async () => (await import('./lint.js')).registerLintCommand },
  { commands: ['generate'], load: async () => (await import('./generate.js')).registerGenerateCommand },
  { commands: ['report', 'compare'], load: async () => (await import('./report-commands.js')).registerReportCommands },
  { commands: ['selftest'], load: async () => (await import('./selftest.js')).registerSelftestCommand },
  { commands: ['cluster'], load: async () => (await import('./cluster-command.js')).registerClusterCommand },
]

const BUILT_IN = new Set(['validate', 'predict', 'explain'])

/** The modules a command line needs: none for the built-in commands, its own for a known command, else all (help). */
function modulesFor(argv: readonly string[]): readonly (typeof COMMAND_MODULES)[number][] {
  const word = argv.find((a) => !a.startsWith('-'))
  if (word === undefined && (argv.includes('--version') || argv.includes('-V'))) return []
  if (word !== undefined && BUILT_IN.has(word)) return []
  const own = COMMAND_MODULES.filter((m) => word !== undefined && m.commands.includes(word))
  return own.length ? own : COMMAND_MODULES
}

/** True when the user asked for stack traces: `--debug` (before any `--`) or NETPOL_HARNESS_DEBUG=1. */
function debugWanted(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end < 0 ? argv : argv.slice(0, end)).includes('--debug') || ['1', 'true'].includes(process.env.NETPOL_HARNESS_DEBUG ?? '')
}

function buildProgram(io: Io, setCode: (n: number) => void): Command {
  const program = new Command('netpol-harness')
    .description(
      'Proves a CNI enforces Kubernetes NetworkPolicy exactly as written: predicts the connectivity matrix, probes it with real connections, and flags every disagreement.',
    )
    .version(VERSION)
    .option('--debug', 'on an internal error (exit 70), print its stack trace (also NETPOL_HARNESS_DEBUG=1)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
  program.addHelpText(
    'after',
    `
Exit codes: 0 everything agreed; 1 a disagreement (intent, prediction or observation);
            2 bad input or usage (nothing changed in any cluster); 3 infrastructure failure;
            70 a bug in netpol-harness (run again with --debug for the stack trace).

Examples:
  netpol-harness validate scenarios/
  netpol-harness predict scenarios/isolation/default-deny-ingress.yaml --output table
  netpol-harness explain scenarios/upstream/allow-from-namespace-selector.yaml --step 2 --from y/a --to x/a --port 80`,
  )

  program
    .command('validate')
    .description('check scenario files (and the policy files they reference) without touching any cluster')
    .argument('<paths...>', 'scenario files or folders')
    .addOption(
      new Option('-o, --output <format>', 'text, table (a row per scenario or invalid file), json or yaml')
        .choices(['text', 'table', 'json', 'yaml'])
        .default('text'),
    )
    .option(...ALLOW_OUTSIDE_FILES)
    .action(async (paths: string[], flags: { output: 'text' | 'table' | 'json' | 'yaml'; allowOutsideFiles?: boolean }) => {
      const { loadScenarios } = await import('../scenario/load.js')
      const print = async (doc: object) =>
        io.out(flags.output === 'json' ? JSON.stringify(doc, null, 2) + '\n' : (await import('yaml')).stringify(doc))
      let scenarios
      try {
        scenarios = loadScenarios(paths, loadOptionsOf(flags))
      } catch (e) {
        // Scripts get the problems as data on stdout; the exit code and the lines on stderr stay as for text.
        if (flags.output === 'table' && e instanceof InputError) io.out(validateTable([], e.problems))
        else if (flags.output !== 'text' && e instanceof InputError) await print({ valid: false, problems: e.problems })
        throw e
      }
      if (flags.output === 'text')
        io.out(`ok: ${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'} valid (${scenarios.map((s) => s.name).join(', ')})\n`)
      else if (flags.output === 'table') io.out(validateTable(scenarios, []))
      else await print({ valid: true, scenarios: scenarios.map((s) => ({ name: s.name, file: s.file, steps: s.steps.length })) })
    })

  program
    .command('predict')
    .description("print the evaluator's predicted connectivity for every step; exits 1 if a prediction contradicts a step's expect")
    .argument('<paths...>', 'scenario files or folders')
    .addOption(
      new Option('-o, --output <format>', 'table, json (one document; see README) or yaml (the same document)')
        .choices(['table', 'json', 'yaml'])
        .default('table'),
    )
    .option(...ALLOW_OUTSIDE_FILES)
    .action(async (paths: string[], opts: { output: 'json' | 'yaml' | 'table'; allowOutsideFiles?: boolean }) => {
      const { predictCommand } = await import('./predict.js')
      setCode(await predictCommand(io, paths, opts.output, loadOptionsOf(opts)))
    })

  program
    .command('explain')
    .description('explain which policies select both ends of a connection and which rule allowed or denied it')
    .argument('<file>', 'scenario file')
    .requiredOption('--step <name|n>', 'step name, or its number (1-based)')
    .requiredOption('--from <endpoint>', 'source: namespace/pod or an external name')
    .requiredOption('--to <endpoint>', 'destination: namespace/pod or an external name')
    .option('--port <port>', 'destination port (required, but with --protocol ICMP: an echo has none)', (v) => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--port must be 1-65535 (got ${v})`)
      return n
    })
    .addOption(
      new Option('--protocol <proto>', 'protocol')
        .choices(['TCP', 'UDP', 'SCTP', 'ICMP'])
        .default('TCP')
        .argParser((v) => v.toUpperCase()),
    )
    .addOption(
      new Option('--family <family>', 'address family, for a dual-stack scenario (default: its primary family)').choices(['IPv4', 'IPv6']),
    )
    .addOption(
      new Option('--via <via>', 'how the cell is probed: through the Service --to backs (docs/services.md)')
        .choices(['pod-ip', 'service-ip', 'service-name', 'node-port'])
        .default('pod-ip'),
    )
    .option(...ALLOW_OUTSIDE_FILES)
    .action(
      async (
        file: string,
        opts: {
          step: string
          from: string
          to: string
          port?: number
          protocol: ProbeProtocol
          family?: IPFamily
          via: Via
          allowOutsideFiles?: boolean
        },
      ) => {
        if (existsSync(file) && statSync(file).isDirectory())
          throw new UsageError(`explain takes one scenario file, not a folder: ${file} (name a .yaml file in it)`)
        const [{ loadScenarios }, { renderExplain }] = await Promise.all([import('../scenario/load.js'), import('./explain.js')])
        if (opts.protocol === 'ICMP' ? opts.port !== undefined : opts.port === undefined)
          throw new UsageError(
            opts.protocol === 'ICMP' ? 'an ICMP echo has no port: leave --port out' : `required option '--port <port>' not specified`,
          )
        const [s] = loadScenarios([file], loadOptionsOf(opts))
        const target = {
          port: opts.port ?? 0,
          protocol: opts.protocol,
          ...(opts.family ? { family: opts.family } : {}),
          ...(opts.via !== 'pod-ip' ? { via: opts.via } : {}),
        }
        io.out(renderExplain(s, opts.step, opts.from, opts.to, target))
      },
    )

  return program
}

/**
 * `validate -o table`: a row per valid scenario (its steps, pods, and the policies its steps apply, by namespace/name;
 * cluster policies by kind and name)
 * or per file with problems (how many; the problems themselves go to stderr as for text).
 */
function validateTable(scenarios: readonly Scenario[], problems: readonly Problem[]): string {
  const policies = (s: Scenario) =>
    new Set(
      s.steps.flatMap((st) =>
        st.actions.flatMap((a) =>
          a.kind === 'apply-policy'
            ? [policyId(a.policy)]
            : a.kind === 'apply-cluster-policy'
              ? [clusterPolicyId({ kind: a.policy.kind, name: a.policy.metadata.name })]
              : a.kind === 'apply-calico'
                ? [calicoId(a.object)]
                : [],
        ),
      ),
    ).size
  const bad = new Map<string, number>()
  for (const p of problems) bad.set(p.file, (bad.get(p.file) ?? 0) + 1)
  return columns(
    ['file', 'scenario', 'steps', 'pods', 'policies', 'status'],
    [
      ...scenarios.map((s) => [s.file, s.name, String(s.steps.length), String(s.pods.length), String(policies(s)), 'valid']),
      ...[...bad].map(([file, n]) => [file, '', '', '', '', `${n} problem${n === 1 ? '' : 's'}`]),
    ],
  )
}

/** Runs the CLI and returns the exit code; never calls process.exit. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0
  const program = buildProgram(io, (n) => {
    code = Math.max(code, n)
  })
  try {
    for (const m of modulesFor(argv)) (await m.load())(program, io, (n) => (code = Math.max(code, n)))
    if (argv.length === 0) {
      program.outputHelp()
      return 2
    }
    await program.parseAsync([...argv], { from: 'user' })
    return code
  } catch (e) {
    return reportError(e, io, debugWanted(argv))
  }
}

/** Where to report a bug: package.json's `bugs` (or `repository`) when it names one, else undefined. */
function bugTracker(): string | undefined {
  // src/cli/main.ts under tests, dist/src/cli/main.js when built.
  for (const rel of ['../../package.json', '../../../package.json']) {
    let pkg
    try {
      pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8'))
    } catch {
      continue
    }
    if (pkg.name !== 'netpol-harness') continue
    const bugs = typeof pkg.bugs === 'string' ? pkg.bugs : pkg.bugs?.url
    const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url
    return (
      bugs ??
      (repo
        ? `${String(repo)
            .replace(/^git\+/, '')
            .replace(/\.git$/, '')}/issues`
        : undefined)
    )
  }
  return undefined
}

/**
 * An unexpected error (a bug): one line saying what failed and how to report it; the stack trace only with
 * `--debug` or NETPOL_HARNESS_DEBUG=1. Exit 70 (EX_SOFTWARE). bin.ts sends uncaught errors here too.
 */
export function reportInternalError(e: unknown, io: Io, debug: boolean): number {
  const message = e instanceof Error ? (e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message || 'Error') : String(e)
  io.err(`internal error: ${message.split('\n')[0]}\n`)
  if (debug) io.err(`${(e instanceof Error && e.stack) || String(e)}\n`)
  const where = bugTracker()
  io.err(
    `This is a bug in netpol-harness ${VERSION}; please report it ${where ? `at ${where} ` : ''}with the command line and this message${debug ? ' and the stack trace above' : ' (run again with --debug for the stack trace)'}.\n`,
  )
  return 70
}

/** True when the process was started with `--debug` or NETPOL_HARNESS_DEBUG=1 (for bin.ts). */
export function processDebug(): boolean {
  return debugWanted(process.argv.slice(2))
}

/** Maps an error to its exit code, printing it without a stack trace unless it is a bug and --debug is on. */
function reportError(e: unknown, io: Io, debug: boolean): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0
    return 2
  }
  if (e instanceof InputError) {
    for (const p of e.problems) io.err(formatProblem(p) + '\n')
    io.err(`${e.problems.length} problem${e.problems.length === 1 ? '' : 's'} found; nothing was applied to any cluster\n`)
    return 2
  }
  if (e instanceof UsageError) {
    io.err(`error: ${e.message}\n`)
    return 2
  }
  if (e instanceof InfraError) {
    io.err(`infrastructure error: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`)
    return 3
  }
  if (e instanceof HarnessError) {
    io.err(`error: ${e.message}\n`)
    return e.exitCode
  }
  return reportInternalError(e, io, debug)
}

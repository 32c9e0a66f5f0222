// Why: the command line; the one place that maps errors to exit codes (0 agree, 1 disagree, 2 input, 3 infra).
import { Command, CommanderError, Option } from 'commander'
import { HarnessError, InfraError, InputError, UsageError, formatProblem } from '../errors.js'
import type { Protocol } from '../model/cluster.js'
import { loadScenarios } from '../scenario/load.js'
import { renderExplain } from './explain.js'
import { intentViolations, predictScenario, renderPredictJson, renderPredictTable } from './predict.js'
import { registerLintCommand } from './lint.js'
import { registerReportCommands } from './report-commands.js'
import { registerSelftestCommand } from './selftest.js'
import { registerClusterCommand } from './cluster-command.js'
import { registerRunCommands } from './run-commands.js'
import { VERSION } from '../version.js'
import { type Io, processIo } from './io.js'
import { ALLOW_OUTSIDE_FILES, loadOptionsOf } from './input-options.js'

function buildProgram(io: Io, setCode: (n: number) => void): Command {
  const program = new Command('netpol-harness')
    .description(
      'Proves a CNI enforces Kubernetes NetworkPolicy exactly as written: predicts the connectivity matrix, probes it with real connections, and flags every disagreement.',
    )
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
  program.addHelpText(
    'after',
    `
Exit codes: 0 everything agreed; 1 a disagreement (intent, prediction or observation);
            2 bad input or usage (nothing changed in any cluster); 3 infrastructure failure.

Examples:
  netpol-harness validate scenarios/
  netpol-harness predict scenarios/basics/deny-all-ingress.yaml --output table
  netpol-harness explain scenarios/upstream/ingress-from-ns.yaml --step 2 --from y/a --to x/a --port 80`,
  )

  program
    .command('validate')
    .description('check scenario files (and the policy files they reference) without touching any cluster')
    .argument('<paths...>', 'scenario files or folders')
    .option(...ALLOW_OUTSIDE_FILES)
    .action((paths: string[], flags: { allowOutsideFiles?: boolean }) => {
      const scenarios = loadScenarios(paths, loadOptionsOf(flags))
      io.out(`ok: ${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'} valid (${scenarios.map((s) => s.name).join(', ')})\n`)
    })

  program
    .command('predict')
    .description("print the evaluator's predicted connectivity for every step; exits 1 if a prediction contradicts a step's expect")
    .argument('<paths...>', 'scenario files or folders')
    .addOption(new Option('-o, --output <format>', 'json (ARCHITECTURE.md 3.3) or table').choices(['json', 'table']).default('table'))
    .option(...ALLOW_OUTSIDE_FILES)
    .action((paths: string[], opts: { output: 'json' | 'table'; allowOutsideFiles?: boolean }) => {
      let violations = 0
      for (const s of loadScenarios(paths, loadOptionsOf(opts))) {
        const steps = predictScenario(s)
        io.out(opts.output === 'json' ? renderPredictJson(s, steps) + '\n' : renderPredictTable(s, steps))
        const v = intentViolations(s, steps)
        violations += v.length
        for (const x of v.slice(0, 20))
          io.err(
            `intent violation: ${s.name} step "${x.step}": ${x.from} -> ${x.to} ${x.target}: expected ${x.intended}, policies ${x.predicted}\n`,
          )
        if (v.length > 20) io.err(`... and ${v.length - 20} more intent violations in ${s.name}\n`)
      }
      if (violations > 0) setCode(1)
    })

  program
    .command('explain')
    .description('explain which policies select both ends of a connection and which rule allowed or denied it')
    .argument('<file>', 'scenario file')
    .requiredOption('--step <name|n>', 'step name, or its number (1-based)')
    .requiredOption('--from <endpoint>', 'source: namespace/pod or an external name')
    .requiredOption('--to <endpoint>', 'destination: namespace/pod or an external name')
    .requiredOption('--port <port>', 'destination port', (v) => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--port must be 1-65535 (got ${v})`)
      return n
    })
    .addOption(
      new Option('--protocol <proto>', 'protocol')
        .choices(['TCP', 'UDP', 'SCTP'])
        .default('TCP')
        .argParser((v) => v.toUpperCase()),
    )
    .option(...ALLOW_OUTSIDE_FILES)
    .action(
      (file: string, opts: { step: string; from: string; to: string; port: number; protocol: Protocol; allowOutsideFiles?: boolean }) => {
        const [s] = loadScenarios([file], loadOptionsOf(opts))
        io.out(renderExplain(s, opts.step, opts.from, opts.to, { port: opts.port, protocol: opts.protocol }))
      },
    )

  registerRunCommands(program, io, setCode)
  registerLintCommand(program, io, setCode)
  registerReportCommands(program, io, setCode)
  registerSelftestCommand(program, io, setCode)
  registerClusterCommand(program, io, setCode)
  return program
}

/** Runs the CLI and returns the exit code; never calls process.exit. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0
  const program = buildProgram(io, (n) => {
    code = Math.max(code, n)
  })
  try {
    if (argv.length === 0) {
      program.outputHelp()
      return 2
    }
    await program.parseAsync([...argv], { from: 'user' })
    return code
  } catch (e) {
    return reportError(e, io)
  }
}

/** Maps an error to its exit code, printing it without a stack trace unless it is a bug. */
function reportError(e: unknown, io: Io): number {
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
  io.err(`internal error (a bug in netpol-harness, please report it):\n${(e as Error)?.stack ?? String(e)}\n`)
  return 70
}

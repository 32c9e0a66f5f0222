// Why: `netpol-harness generate`: least-privilege NetworkPolicies from a step's intent or a run's observation,
// proven with our evaluator before anything is written (widening refused unless --allow-widening).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Command, Option } from 'commander'
import { UsageError } from '../errors.js'
import type { Scenario } from '../model/scenario.js'
import type { ExternalsMode } from '../generate/build.js'
import { generate, isExact } from '../generate/generate.js'
import { type Intent, intentFromExpect, intentFromReport } from '../generate/intent.js'
import { lintGenerated } from '../generate/lint-check.js'
import { renderNotes, renderPerNamespace, renderScenarioStep, renderYaml } from '../generate/render.js'
import { readRunReport } from '../report/read.js'
import { loadScenarios } from '../scenario/load.js'
import { stepIndex } from '../scenario/select.js'
import { ALLOW_OUTSIDE_FILES, loadOptionsOf } from './input-options.js'
import type { Io } from './io.js'

interface GenerateFlags {
  step: string
  fromReport?: string
  scenario?: string
  output: 'yaml' | 'scenario-step'
  out?: string
  allowWidening?: boolean
  externals: ExternalsMode
  kind: 'networkpolicy' | 'calico'
  allowOutsideFiles?: boolean
}

function loadOne(file: string, flags: GenerateFlags): Scenario {
  const found = loadScenarios([file], loadOptionsOf(flags))
  if (found.length !== 1) throw new UsageError(`generate takes one scenario file, ${file} holds ${found.length}`)
  return found[0]
}

/** The intent and a few words on where it came from, from the flags. */
function intentOf(file: string | undefined, flags: GenerateFlags): { intent: Intent; about: string; scenario: Scenario; si: number } {
  if (flags.fromReport === undefined) {
    if (file === undefined)
      throw new UsageError('name a scenario file (generate SCENARIO --step NAME), or --from-report RUN --scenario NAME')
    if (flags.scenario !== undefined) throw new UsageError('--scenario goes with --from-report; give the scenario file as the argument')
    const s = loadOne(file, flags)
    const si = stepIndex(s, flags.step)
    if (!s.steps[si].expect)
      throw new UsageError(`step "${s.steps[si].name}" of ${s.file} has no expect: nothing says what to allow (or use --from-report)`)
    return { intent: intentFromExpect(s, si), about: `${s.file} step "${s.steps[si].name}" (its expect rules)`, scenario: s, si }
  }
  if (file !== undefined) throw new UsageError('with --from-report, name the scenario with --scenario, not as an argument')
  if (flags.scenario === undefined) throw new UsageError('--from-report needs --scenario NAME (a scenario of that run, or its file)')
  const report = readRunReport(flags.fromReport)
  const byName = report.scenarios.find((x) => x.name === flags.scenario)
  const s = loadOne(byName ? byName.file : flags.scenario, flags)
  const sr = report.scenarios.find((x) => x.name === s.name)
  if (!sr) throw new UsageError(`run ${report.runId} has no scenario ${s.name}; it ran: ${report.scenarios.map((x) => x.name).join(', ')}`)
  const si = stepIndex(s, flags.step)
  const step = sr.steps.find((x) => x.name === s.steps[si].name)
  if (!step) throw new UsageError(`run ${report.runId} has no step "${s.steps[si].name}" of ${s.name} (it did not get that far)`)
  return {
    intent: intentFromReport(s, si, step, report.runId),
    about: `what run ${report.runId} observed at ${s.file} step "${step.name}"`,
    scenario: s,
    si,
  }
}

/** `generate`: intent or observation -> proven NetworkPolicy YAML on stdout or in --out DIR. */
export function registerGenerateCommand(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('generate')
    .description(
      "least-privilege NetworkPolicies from a step's expect rules or from what a run observed, proven with the evaluator before they are written",
    )
    .argument('[scenario]', 'scenario file whose step says what to allow (its expect rules)')
    .requiredOption('--step <name|n>', 'step name, or its number (1-based)')
    .option(
      '--from-report <run>',
      "a run folder (or its report.json): allow what that run observed allowed at the step, instead of the step's expect",
    )
    .option(
      '--scenario <name|file>',
      'with --from-report: the scenario (its name in the run, or its file) for the cluster: namespaces, pods, labels',
    )
    .addOption(
      new Option('-o, --output <format>', 'yaml (NetworkPolicy documents) or scenario-step (a step to paste into the scenario)')
        .choices(['yaml', 'scenario-step'])
        .default('yaml'),
    )
    .option('--out <dir>', 'write files there (yaml: one <namespace>.yaml per namespace) instead of stdout')
    .option('--allow-widening', 'write the set even where grouping widens access (each widened cell is still listed)')
    .addOption(
      new Option(
        '--externals <mode>',
        "externals as exact host CIDRs, or the smallest CIDR covering a rule's externals (the widening is reported)",
      )
        .choices(['exact', 'covering'])
        .default('exact'),
    )
    .addOption(new Option('--kind <kind>', 'policy API to emit').choices(['networkpolicy', 'calico']).default('networkpolicy'))
    .option(...ALLOW_OUTSIDE_FILES)
    .addHelpText(
      'after',
      `
Exit codes: 0 written, proven exact (or widened with --allow-widening); 1 widened or missing cells, nothing written;
            2 bad input or usage.

Examples:
  netpol-harness generate scenarios/generate/three-tier.yaml --step generated
  netpol-harness generate scenarios/generate/three-tier.yaml --step generated -o scenario-step
  netpol-harness generate --from-report examples/runs/20261202-224313-3148 --scenario allow-web-to-customer --step 2`,
    )
    .action(async (file: string | undefined, flags: GenerateFlags) => {
      if (flags.kind === 'calico') throw new UsageError('--kind calico: not yet: needs the Calico policy model (issue 16)')
      const { intent, about, scenario, si } = intentOf(file, flags)
      const g = generate(intent, flags.externals)
      io.err(renderNotes(g))
      for (const f of lintGenerated(g))
        io.err(
          `lint ${f.severity} ${f.rule}: ${f.message}${f.rule === 'egress-blocks-dns' ? ' (the intent allows them no port 53: if they resolve names, allow DNS in the intent)' : ''}\n`,
        )
      if (g.proof.missing.length > 0) {
        io.err(`refusing to write: ${g.proof.missing.length} intended cells would be denied (a bug in generate; please report it)\n`)
        setCode(1)
        return
      }
      if (!isExact(g) && !flags.allowWidening) {
        io.err(`refusing to write: ${g.proof.widened.length} cells widened (listed above); --allow-widening writes them anyway\n`)
        setCode(1)
        return
      }
      const stepName = scenario.steps[si].name
      const files: [string, string][] =
        flags.output === 'scenario-step'
          ? [
              [
                `${scenario.name}.step.yaml`,
                renderScenarioStep(g, about, `generated from ${stepName}`, flags.fromReport ? undefined : scenario.steps[si].expect),
              ],
            ]
          : flags.out
            ? [...renderPerNamespace(g, about)].map(([ns, text]) => [`${ns}.yaml`, text])
            : [['', renderYaml(g, about)]]
      if (!flags.out) {
        io.out(files[0][1])
        return
      }
      mkdirSync(flags.out, { recursive: true })
      for (const [name, text] of files) {
        writeFileSync(join(flags.out, name), text)
        io.err(`wrote ${join(flags.out, name)}\n`)
      }
    })
}

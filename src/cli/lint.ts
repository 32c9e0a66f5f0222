// Why: `netpol-harness lint`: policy best practices on scenarios and plain manifests, as text, a table, JSON, YAML or SARIF.
import { Option, type Command } from 'commander'
import { UsageError } from '../errors.js'
import { atLeast, lint } from '../lint/lint.js'
import { loadLintInput, makeLocator } from '../lint/load.js'
import { ALLOW_OUTSIDE_FILES, loadOptionsOf } from './input-options.js'
import { type RuleId, type Severity, SEVERITIES } from '../lint/model.js'
import { type LocatedFinding, renderLintJson, renderLintSarif, renderLintTable, renderLintText, renderLintYaml } from '../lint/render.js'
import { RULES } from '../lint/rules.js'
import type { Io } from './io.js'

interface LintFlags {
  output: 'text' | 'table' | 'json' | 'yaml' | 'sarif'
  format?: LintFlags['output']
  severity: Severity | 'never'
  failOn?: Severity | 'never'
  maxPerRule: string
  rulesUrl?: string
  edgeLabel: string[]
  disable: string[]
  allowOutsideFiles?: boolean
}

const collect = (v: string, prev: string[]) => [...prev, v]
const OUTPUTS = ['text', 'table', 'json', 'yaml', 'sarif']
const THRESHOLDS = [...SEVERITIES, 'never']

/** `lint`: policy mistakes in scenarios or manifests, as text, JSON or SARIF. */
export function registerLintCommand(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('lint')
    .description('check policies for common mistakes (scenario files, or plain Kubernetes and Calico manifests); no cluster needed')
    .argument('<paths...>', 'scenario files, manifest files, or folders')
    .addOption(
      new Option('-o, --output <format>', 'text (grouped by rule), table (a row per finding), json, yaml, or sarif (for code scanning)')
        .choices(OUTPUTS)
        .default('text'),
    )
    .addOption(new Option('--format <format>', 'old name of --output').choices(OUTPUTS).hideHelp())
    .addOption(
      new Option('--severity <severity>', 'exit 1 when a finding is at or above this severity (never: always exit 0)')
        .choices(THRESHOLDS)
        .default('warning'),
    )
    .addOption(new Option('--fail-on <severity>', 'old name of --severity').choices(THRESHOLDS).hideHelp())
    .option('--max-per-rule <n>', 'text output: places listed per rule before "+N more" (0: all)', '5')
    .option(
      '--rules-url <url>',
      "SARIF: where the rules are documented (e.g. docs/lint.md of your copy on GitHub); each rule's helpUri is <url>#<rule>",
      process.env.NETPOL_HARNESS_RULES_URL,
    )
    .option(
      '--edge-label <key=value>',
      'labels of edge-tier pods that may take traffic from anywhere (repeatable; default: values like web, frontend, ingress, gateway)',
      collect,
      [] as string[],
    )
    .option('--disable <rule>', 'turn a rule off (repeatable)', collect, [] as string[])
    .addHelpText(
      'after',
      `
Rules:
${RULES.map((r) => `  ${r.id.padEnd(30)} ${r.severity.padEnd(8)} ${r.description}`).join('\n')}

In scenario files every step is linted as the cluster it describes (a gap such as a missing default deny
counts only when no step closes it). Plain manifests are linted together: NetworkPolicy, the cluster policy
kinds, Calico's projectcalico.org/v3 kinds (as calicoctl apply -f takes them), Namespace and the pod templates
of Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs; other kinds are ignored. Rules about selected pods stay quiet for namespaces whose pods are unknown.

Text output groups findings by rule (identical findings share a line) and ends with a summary per rule;
-o table prints one row per finding (place, severity, rule, path, message); -o json and -o yaml list every finding
with its fix.

Exit codes: 0 no finding at or above --severity; 1 findings; 2 bad input.

Examples:
  netpol-harness lint examples/manifests/           # manifests (a sample with three mistakes: exit 1)
  netpol-harness lint scenarios/ --severity error
  netpol-harness lint examples/manifests/ -o table
  netpol-harness lint examples/manifests/ -o sarif --edge-label tier=public > netpol.sarif`,
    )
    .option(...ALLOW_OUTSIDE_FILES)
    .action((paths: string[], flags: LintFlags) => {
      const edgeLabels = flags.edgeLabel.map((s) => {
        const m = /^([^=]+)=(.*)$/.exec(s)
        if (!m) throw new UsageError(`--edge-label must be key=value (got ${s})`)
        return [m[1], m[2]] as const
      })
      const output = flags.format ?? flags.output
      const threshold = flags.failOn ?? flags.severity
      const maxPerRule = Number(flags.maxPerRule)
      if (!/^\d+$/.test(flags.maxPerRule)) throw new UsageError(`--max-per-rule must be a whole number (got ${flags.maxPerRule})`)
      if (flags.rulesUrl !== undefined && !URL.canParse(flags.rulesUrl))
        throw new UsageError(`--rules-url must be an absolute URL (got ${flags.rulesUrl})`)
      const known = new Set<string>(RULES.map((r) => r.id))
      for (const d of flags.disable)
        if (!known.has(d)) throw new UsageError(`--disable: unknown rule "${d}" (known: ${[...known].join(', ')})`)
      const input = loadLintInput(paths, loadOptionsOf(flags))
      const locateRef = makeLocator()
      const findings: LocatedFinding[] = lint(input.groups, { edgeLabels }, new Set(flags.disable as RuleId[]))
        .map((f) => ({ ...f, ...locateRef(f.source) }))
        .sort(
          (a, b) => a.source.file.localeCompare(b.source.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule),
        )
      io.out(
        output === 'sarif'
          ? renderLintSarif(findings, flags.rulesUrl) + '\n'
          : output === 'json'
            ? renderLintJson(findings) + '\n'
            : output === 'yaml'
              ? renderLintYaml(findings)
              : output === 'table'
                ? renderLintTable(findings)
                : renderLintText(findings, { maxPerRule }),
      )
      const by = (s: Severity) => findings.filter((f) => f.severity === s).length
      const what = [
        input.scenarios ? `${input.scenarios} scenario${input.scenarios === 1 ? '' : 's'}` : '',
        input.manifestFiles
          ? `${input.manifestFiles} manifest file${input.manifestFiles === 1 ? '' : 's'}${input.ignoredObjects ? ` (${input.ignoredObjects} objects of other kinds ignored)` : ''}`
          : '',
      ]
        .filter(Boolean)
        .join(' and ')
      io.err(`lint: ${what}: ${by('error')} errors, ${by('warning')} warnings, ${by('info')} infos\n`)
      if (threshold !== 'never' && findings.some((f) => atLeast(f.severity, threshold))) setCode(1)
    })
}

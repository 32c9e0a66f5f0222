// Why: `netpol-harness lint`: policy best practices on scenarios and plain manifests, as text, JSON or SARIF.
import { Option, type Command } from 'commander'
import { UsageError } from '../errors.js'
import { atLeast, lint } from '../lint/lint.js'
import { loadLintInput, makeLocator } from '../lint/load.js'
import { ALLOW_OUTSIDE_FILES, loadOptionsOf } from './input-options.js'
import { type RuleId, type Severity, SEVERITIES } from '../lint/model.js'
import { type LocatedFinding, renderLintJson, renderLintSarif, renderLintText } from '../lint/render.js'
import { RULES } from '../lint/rules.js'
import type { Io } from './io.js'

interface LintFlags {
  format: 'text' | 'json' | 'sarif'
  failOn: Severity | 'never'
  edgeLabel: string[]
  disable: string[]
  allowOutsideFiles?: boolean
}

const collect = (v: string, prev: string[]) => [...prev, v]

/** `lint`: policy mistakes in scenarios or manifests, as text, JSON or SARIF. */
export function registerLintCommand(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('lint')
    .description('check policies for common mistakes (scenario files, or plain Kubernetes manifests); no cluster needed')
    .argument('<paths...>', 'scenario files, manifest files, or folders')
    .addOption(
      new Option('-f, --format <format>', 'text, json, or sarif (for code scanning)').choices(['text', 'json', 'sarif']).default('text'),
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity')
        .choices([...SEVERITIES, 'never'])
        .default('warning'),
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
counts only when no step closes it). Plain manifests are linted together: NetworkPolicy, Namespace and the
pod templates of Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs; other kinds
are ignored. Rules about selected pods stay quiet for namespaces whose pods are unknown.

Exit codes: 0 no finding at or above --fail-on; 1 findings; 2 bad input.

Examples:
  netpol-harness lint k8s/                          # manifests
  netpol-harness lint scenarios/ --fail-on error
  netpol-harness lint k8s/ --format sarif > netpol.sarif --edge-label tier=public`,
    )
    .option(...ALLOW_OUTSIDE_FILES)
    .action((paths: string[], flags: LintFlags) => {
      const edgeLabels = flags.edgeLabel.map((s) => {
        const m = /^([^=]+)=(.*)$/.exec(s)
        if (!m) throw new UsageError(`--edge-label must be key=value (got ${s})`)
        return [m[1], m[2]] as const
      })
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
        flags.format === 'sarif'
          ? renderLintSarif(findings) + '\n'
          : flags.format === 'json'
            ? renderLintJson(findings) + '\n'
            : renderLintText(findings),
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
      if (flags.failOn !== 'never' && findings.some((f) => atLeast(f.severity, flags.failOn as Severity))) setCode(1)
    })
}

// Why: commands over reports already written: `report` (rebuild pages and history) and `compare` (two runs).
import { Option, type Command } from 'commander'
import { type ChangeKind, DEFAULT_FAIL_ON, anyChange, compareRuns, failing } from '../report/compare-runs.js'
import { CLASSIFICATIONS, isProblem } from '../compare/classification.js'
import { UsageError } from '../errors.js'
import { parseDuration0 } from '../scenario/duration.js'
import { stringify } from 'yaml'
import { DEFAULT_HISTORY_LIMIT } from '../report/history.js'
import { readRunReport } from '../report/read.js'
import {
  differ,
  renderCompareHtml,
  renderCompareJson,
  renderCompareMarkdown,
  renderCompareTable,
  summaryLine,
} from '../report/render-compare.js'
import { rebuildReports, writeText } from '../report/write.js'
import type { Io } from './io.js'

/** `report` (rebuild pages and history) and `compare` (what changed between two runs). */
export function registerReportCommands(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('report')
    .description('rebuild every run page (report.html, report.md, junit.xml), history.json and index.html from the report.json files')
    .argument('[dir]', 'the report folder', 'reports')
    .option('--history-limit <n>', 'how many runs history.json keeps (the most recent)', String(DEFAULT_HISTORY_LIMIT))
    .addHelpText(
      'after',
      `
A run folder with scenarios.jsonl but no report.json (a run killed outright) gets a report.json rebuilt from it,
marked "interrupted: lost" (exit code 137 in the report), unless the run that writes it is still going.
A report.json that cannot be read is skipped and named on stderr; the others are rebuilt and the exit code is 0.`,
    )
    .action((dir: string, flags: { historyLimit: string }) => {
      const limit = Number(flags.historyLimit)
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError(`--history-limit must be a whole number >= 1 (got ${flags.historyLimit})`)
      const { runs, recovered, skipped } = rebuildReports(dir, { limit, warn: (l) => io.err(`warning: ${l}\n`) })
      for (const r of recovered) io.err(`recovered: ${r}/report.json rebuilt from scenarios.jsonl (the run ended without writing it)\n`)
      for (const s of skipped) io.err(`skipped: ${s.dir}: ${s.reason}\n`)
      io.out(`rebuilt ${runs} run${runs === 1 ? '' : 's'}${skipped.length ? ` (${skipped.length} skipped)` : ''}; open ${dir}/index.html\n`)
    })

  program
    .command('compare')
    .description(
      'compare two runs (two CNI versions, dataplanes or CNIs): regressions, improvements, cells whose observation or classification changed, time-to-enforce changes; exit 1 on a regression',
    )
    .argument('<runA>', 'run folder or report.json (the baseline)')
    .argument('<runB>', 'run folder or report.json (the candidate)')
    .addOption(
      new Option('-o, --output <format>', 'md, table (a row per change), html, json or yaml')
        .choices(['md', 'table', 'html', 'json', 'yaml'])
        .default('md'),
    )
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--fail-on <kinds>', `comma-separated regressions that exit 1: ${GATE_KINDS.join(', ')}, or none`, DEFAULT_FAIL_ON.join(','))
    .option('--slower-than <duration>', 'a step counts as slower (or faster) when its time to enforce changes by more than this', '1s')
    .option('--fail-on-change', 'exit 1 when anything differs at all, improvements included')
    .addHelpText(
      'after',
      `
A regression is a cell B newly classifies as a problem (named by B's classification: fail-open, fail-closed,
flaky, intent-violation, probe-error), a scenario of A missing from B (scenario-gone), or a step whose time to
enforce grew by more than --slower-than or that no longer converges (slower). The reverse are improvements,
which never fail the gate.

Exit codes: 0 no regression named by --fail-on; 1 such a regression (or any change with --fail-on-change);
2 bad input.

Examples:
  # the runs of examples/runs: the second had a broken dataplane, so B has regressions (exit 1)
  netpol-harness compare examples/runs/20261202-224313-3148 examples/runs/20261202-224434-b959
  netpol-harness compare examples/runs/20261202-224313-3148 examples/runs/20261202-224434-b959 -o table
  netpol-harness compare examples/runs/20261202-224313-3148 examples/runs/20261202-224434-b959 --output html --out compare.html
  netpol-harness compare examples/runs/20261202-224313-3148 examples/runs/20261202-224434-b959 -o json --fail-on fail-open,fail-closed --slower-than 2s
  netpol-harness compare examples/runs/20261202-224434-b959 examples/runs/20261202-224313-3148      # the other way round: improvements only, exit 0`,
    )
    .action(
      (
        a: string,
        b: string,
        flags: {
          output: 'md' | 'table' | 'html' | 'json' | 'yaml'
          out?: string
          failOn: string
          slowerThan: string
          failOnChange?: boolean
        },
      ) => {
        const slowerThanMs = parseDuration0(flags.slowerThan)
        if (slowerThanMs === undefined) throw new UsageError(`--slower-than: invalid duration "${flags.slowerThan}" (use e.g. 1s, 500ms)`)
        const failOn = parseFailOn(flags.failOn)
        const c = compareRuns(readRunReport(a), readRunReport(b), { slowerThanMs })
        const failed = failing(c, failOn)
        for (const l of differ(c).filter(Boolean)) io.err(`warning: ${l}\n`)
        const text =
          flags.output === 'html'
            ? renderCompareHtml(c)
            : flags.output === 'json'
              ? renderCompareJson(c, failed)
              : flags.output === 'yaml'
                ? stringify(JSON.parse(renderCompareJson(c, failed)))
                : flags.output === 'table'
                  ? renderCompareTable(c)
                  : renderCompareMarkdown(c)
        if (flags.out) {
          writeText(flags.out, text)
          io.err(`${summaryLine(c)}\nwritten: ${flags.out}\n`)
        } else {
          io.out(text)
          // The table has no summary of its own: it goes on stderr, as kubectl says "No resources found" there.
          if (flags.output === 'table') io.err(`${summaryLine(c)}\n`)
        }
        if (failed.length)
          io.err(`compare: ${failed.length} regression${failed.length === 1 ? '' : 's'} (--fail-on ${failOn.join(',') || 'none'})\n`)
        if (failed.length || (flags.failOnChange && anyChange(c))) setCode(1)
      },
    )
}

/** What --fail-on can name: the problem classifications, a scenario gone, slower enforcement. */
const GATE_KINDS: readonly ChangeKind[] = [...CLASSIFICATIONS.filter(isProblem), 'scenario-gone', 'slower']

/** `--fail-on a,b`: known kinds only; `none` for an empty gate. */
function parseFailOn(v: string): ChangeKind[] {
  const kinds = v
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
  if (kinds.length === 1 && kinds[0] === 'none') return []
  for (const k of kinds)
    if (!GATE_KINDS.includes(k as ChangeKind))
      throw new UsageError(`--fail-on: unknown kind "${k}" (known: ${GATE_KINDS.join(', ')}, none)`)
  return kinds as ChangeKind[]
}

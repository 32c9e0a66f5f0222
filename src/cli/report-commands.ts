// Why: commands over reports already written: `report` (rebuild pages and history) and `compare` (two runs).
import { Option, type Command } from 'commander'
import { UsageError } from '../errors.js'
import { DEFAULT_HISTORY_LIMIT } from '../report/history.js'
import { compareRuns } from '../report/compare-runs.js'
import { readRunReport } from '../report/read.js'
import { renderCompareHtml, renderCompareMarkdown, summaryLine } from '../report/render-compare.js'
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
      'compare two runs (two CNI versions, dataplanes or CNIs): cells whose observation or classification changed, time-to-enforce deltas',
    )
    .argument('<runA>', 'run folder or report.json (the baseline)')
    .argument('<runB>', 'run folder or report.json (the candidate)')
    .addOption(new Option('-o, --output <format>', 'md or html').choices(['md', 'html']).default('md'))
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--fail-on-change', 'exit 1 when any observation or classification differs')
    .addHelpText(
      'after',
      `
Examples:
  netpol-harness compare reports/20261120-010000-aaaa reports/20261121-010000-bbbb
  netpol-harness compare calico-3.31/ calico-3.32/ --output html --out compare.html --fail-on-change`,
    )
    .action((a: string, b: string, flags: { output: 'md' | 'html'; out?: string; failOnChange?: boolean }) => {
      const c = compareRuns(readRunReport(a), readRunReport(b))
      const text = flags.output === 'html' ? renderCompareHtml(c) : renderCompareMarkdown(c)
      if (flags.out) {
        writeText(flags.out, text)
        io.err(`${summaryLine(c)}\nwritten: ${flags.out}\n`)
      } else io.out(text)
      if (flags.failOnChange && c.changes.length) setCode(1)
    })
}

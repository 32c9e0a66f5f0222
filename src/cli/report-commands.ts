// Why: commands over reports already written: `report` (rebuild pages and history) and `compare` (two runs).
import { Option, type Command } from 'commander'
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
    .action((dir: string) => {
      const { runs } = rebuildReports(dir)
      io.out(`rebuilt ${runs} run${runs === 1 ? '' : 's'}; open ${dir}/index.html\n`)
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

// Why: `netpol-harness selftest`: run the suite against the local dataplane with each known CNI bug switched on,
// and show which scenario and step caught it. A mode nobody catches is a gap in the scenarios.
import type { Command } from 'commander'
import { isDataplaneFault } from '../compare/classification.js'
import { UsageError } from '../errors.js'
import { FAULT_MODES, type Faults } from '../drivers/local/compile-nft.js'
import { LocalDriver } from '../drivers/local/index.js'
import { runScenarios } from '../runner/run.js'
import { DEFAULT_RUN_OPTIONS } from '../runner/run-step.js'
import { loadScenarios } from '../scenario/load.js'
import { ALLOW_OUTSIDE_FILES, loadOptionsOf } from './input-options.js'
import { parseDuration } from '../scenario/duration.js'
import { writeText } from '../report/write.js'
import type { Io } from './io.js'
import { invariantLines } from '../report/render-junit.js'
import { parseFaults } from './run-commands.js'

/** One fault mode's row: caught or not, and by which scenario, step and classification. */
export interface Detection {
  readonly mode: string
  readonly detected: boolean
  readonly scenario?: string
  readonly step?: string
  readonly classification?: string
  readonly cells?: number
  readonly scenariosRun: number
}

/** Every fault mode, with a late-programming delay long enough to exceed a short settle. */
const SELFTEST_MODES: readonly string[] = [...FAULT_MODES, 'late-programming=3s']

/** Registers `selftest` on the program. */
export function registerSelftestCommand(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('selftest')
    .description('prove the suite catches known CNI bug classes: run it against the local dataplane with each bug switched on')
    .argument('[paths...]', 'scenario files or folders', ['scenarios/'])
    .option('--modes <list>', `comma-separated fault modes (default: all: ${SELFTEST_MODES.join(', ')})`)
    .option('--out <file>', 'where the table goes as JSON', 'reports/selftest.json')
    .option('--settle <duration>', 'settle time per step (a late-programming fault must outlast it)', '1s')
    .option(...ALLOW_OUTSIDE_FILES)
    .action(async (paths: string[], flags: { modes?: string; out: string; settle: string; allowOutsideFiles?: boolean }) => {
      const modes = flags.modes
        ? flags.modes
            .split(',')
            .map((m) => m.trim())
            .filter(Boolean)
        : [...SELFTEST_MODES]
      const faultsOf = new Map<string, Faults>(modes.map((m) => [m, parseFaults([m])]))
      const settleMs = parseDuration(flags.settle)
      if (settleMs === undefined) throw new UsageError(`--settle: invalid duration ${flags.settle}`)
      const scenarios = loadScenarios(paths, loadOptionsOf(flags))
      const opts = { ...DEFAULT_RUN_OPTIONS, settleMs, reprobes: 1 }
      const ac = new AbortController()
      // process.on, not once: execa's exit hook re-raises a signal nobody else listens to any more.
      let signalCode = 0
      const stop = (sig: NodeJS.Signals) => {
        signalCode ||= sig === 'SIGINT' ? 130 : 143
        ac.abort()
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
      const rows: Detection[] = []
      try {
        for (const mode of modes) {
          let row: Detection = { mode, detected: false, scenariosRun: 0 }
          for (const [i, s] of scenarios.entries()) {
            if (ac.signal.aborted) break
            const r = await runScenarios([s], () => new LocalDriver({ faults: faultsOf.get(mode) }), `selftest-${i}`, opts, ac.signal)
            const step = r.scenarios[0]?.steps.find(
              (st) => st.cells.some((c) => isDataplaneFault(c.classification)) || invariantLines(st).length > 0,
            )
            row = { ...row, scenariosRun: i + 1 }
            if (step) {
              const bad = step.cells.filter((c) => isDataplaneFault(c.classification))
              const broken = (step.chaos ?? []).flatMap((ch) =>
                (ch.invariants ?? [])
                  .filter((x) => !x.passed)
                  .map((x) => `${x.name} violated (${x.observedMs === null ? 'never recovered' : `${x.observedMs} ms`})`),
              )
              row = {
                ...row,
                detected: true,
                scenario: s.name,
                step: step.name,
                classification: [...new Set(bad.map((c) => c.classification)), ...broken].join(', '),
                cells: bad.length,
              }
              break
            }
          }
          rows.push(row)
          io.err(
            `${row.detected ? 'caught ' : 'MISSED '} ${mode.padEnd(26)} ${row.detected ? `by ${row.scenario} / ${row.step}: ${caughtAs(row)}` : `by none of ${row.scenariosRun} scenarios`}\n`,
          )
        }
      } finally {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
      }
      io.out(renderSelftest(rows))
      writeText(flags.out, JSON.stringify({ generatedAt: new Date().toISOString(), modes: rows }, null, 2) + '\n')
      if (ac.signal.aborted) setCode(signalCode || 130)
      else if (rows.some((r) => !r.detected)) setCode(1)
    })
}

/** How a mode was caught: the classifications and violated invariants, with the count of disagreeing cells. */
function caughtAs(r: Detection): string {
  return `${r.classification}${r.cells ? ` (${r.cells} cells)` : ''}`
}

/** The table as Markdown: fault mode, detected, by which scenario and step, classification. */
function renderSelftest(rows: readonly Detection[]): string {
  const lines = ['| fault mode | detected | scenario | step | classification |', '|---|---|---|---|---|']
  for (const r of rows)
    lines.push(
      `| ${r.mode} | ${r.detected ? 'yes' : '**no**'} | ${r.scenario ?? ''} | ${r.step ?? ''} | ${r.detected ? caughtAs(r) : ''} |`,
    )
  return lines.join('\n') + '\n'
}

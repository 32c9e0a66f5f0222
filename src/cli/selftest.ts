// Why: `netpol-harness selftest`: run the suite against the local dataplane without faults (a control that must be
// clean), then with each known CNI bug switched on, and show which scenario and step caught it with a stable
// disagreement. A mode nobody catches is a gap in the scenarios.
import type { Command } from 'commander'
import { isStableDataplaneFault } from '../compare/classification.js'
import { UsageError } from '../errors.js'
import { FAULT_MODES, type Faults } from '../drivers/local/compile-nft.js'
import { LocalDriver } from '../drivers/local/index.js'
import { runScenarios } from '../runner/run.js'
import { DEFAULT_RUN_OPTIONS, type RunOptions } from '../runner/run-step.js'
import type { Scenario } from '../model/scenario.js'
import type { StepReport } from '../report/model.js'
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

/**
 * Every fault mode; the late-programming delay exceeds the run's default time-to-enforce limit (5 s) but not the
 * self-test's settle, so it is caught as `slow` by that limit, as a normal run would catch it.
 */
const SELFTEST_MODES: readonly string[] = [...FAULT_MODES, 'late-programming=6s']

/** What makes a step catch a fault: stable dataplane disagreements (never `flaky` alone) or a violated invariant. */
function catches(st: StepReport): boolean {
  return st.cells.some((c) => isStableDataplaneFault(c.classification)) || invariantLines(st).length > 0
}

/** Runs the scenarios without faults; returns what was not clean (scenario / step: why), empty when clean. */
async function controlRun(scenarios: readonly Scenario[], opts: RunOptions, loss: Faults, signal: AbortSignal): Promise<string[]> {
  const dirty: string[] = []
  for (const [i, s] of scenarios.entries()) {
    if (signal.aborted) break
    const r = await runScenarios([s], () => new LocalDriver({ faults: loss }), `selftest-control-${i}`, opts, signal)
    const sc = r.scenarios[0]
    if (sc?.error) dirty.push(`${s.name}: ${sc.error}`)
    for (const st of sc?.steps ?? []) {
      const bad = st.cells.filter((c) => c.classification !== 'match' && c.classification !== 'intent-violation')
      const kinds = [...new Set(bad.map((c) => c.classification))].filter((c) => c !== 'skipped' && c !== 'unsupported')
      if (kinds.length || invariantLines(st).length) dirty.push(`${s.name} / ${st.name}: ${[...kinds, ...invariantLines(st)].join(', ')}`)
    }
  }
  return dirty
}

/** Registers `selftest` on the program. */
export function registerSelftestCommand(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('selftest')
    .description('prove the suite catches known CNI bug classes: run it against the local dataplane with each bug switched on')
    .argument('[paths...]', 'scenario files or folders', ['scenarios/'])
    .option('--modes <list>', `comma-separated fault modes (default: all: ${SELFTEST_MODES.join(', ')})`)
    .option('--out <file>', 'where the table goes as JSON', 'reports/selftest.json')
    .option('--settle <duration>', 'settle time per step', '8s')
    .option('--enforce-within <duration>', 'time-to-enforce limit per step (as in run)', '5s')
    .option(
      '--under-loss <percent>',
      'drop this share of packets at random on every node, for the control and every mode: faults must still be caught, and the control must stay clean',
    )
    .option(...ALLOW_OUTSIDE_FILES)
    .action(
      async (
        paths: string[],
        flags: { modes?: string; out: string; settle: string; enforceWithin: string; underLoss?: string; allowOutsideFiles?: boolean },
      ) => {
        const lossPercent = flags.underLoss === undefined ? undefined : percent(flags.underLoss)
        const loss: Faults = lossPercent === undefined ? {} : { lossPercent }
        const modes = flags.modes
          ? flags.modes
              .split(',')
              .map((m) => m.trim())
              .filter(Boolean)
          : [...SELFTEST_MODES]
        const faultsOf = new Map<string, Faults>(modes.map((m) => [m, { ...parseFaults([m]), ...loss }]))
        const settleMs = parseDuration(flags.settle)
        if (settleMs === undefined) throw new UsageError(`--settle: invalid duration ${flags.settle}`)
        const enforceWithinMs = parseDuration(flags.enforceWithin)
        if (enforceWithinMs === undefined) throw new UsageError(`--enforce-within: invalid duration ${flags.enforceWithin}`)
        const scenarios = loadScenarios(paths, loadOptionsOf(flags))
        const opts = { ...DEFAULT_RUN_OPTIONS, settleMs, enforceWithinMs, reprobes: 1 }
        const ac = new AbortController()
        // process.on, not once: execa's exit hook re-raises a signal nobody else listens to any more.
        let signalCode = 0
        const stop = (sig: NodeJS.Signals) => {
          signalCode ||= sig === 'SIGINT' ? 130 : 143
          ac.abort()
        }
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
        const underLoss = lossPercent === undefined ? '' : ` (under ${lossPercent}% packet loss)`
        const rows: Detection[] = []
        let control: string[] = []
        try {
          // The control: without faults the suite must be clean, or a "caught" below would prove nothing.
          control = await controlRun(scenarios, opts, loss, ac.signal)
          if (control.length && !ac.signal.aborted) {
            io.err(`control run without faults is not clean, so no fault mode can be judged:\n${control.map((l) => `  ${l}\n`).join('')}`)
          } else io.err(`control  no faults${underLoss}: clean over ${scenarios.length} scenarios\n`)
          for (const mode of control.length ? [] : modes) {
            let row: Detection = { mode, detected: false, scenariosRun: 0 }
            for (const [i, s] of scenarios.entries()) {
              if (ac.signal.aborted) break
              const r = await runScenarios([s], () => new LocalDriver({ faults: faultsOf.get(mode) }), `selftest-${i}`, opts, ac.signal)
              const step = r.scenarios[0]?.steps.find(catches)
              row = { ...row, scenariosRun: i + 1 }
              if (step) {
                const bad = step.cells.filter((c) => isStableDataplaneFault(c.classification))
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
        writeText(
          flags.out,
          JSON.stringify(
            {
              generatedAt: new Date().toISOString(),
              ...(lossPercent === undefined ? {} : { underLossPercent: lossPercent }),
              control: { clean: control.length === 0, problems: control },
              modes: rows,
            },
            null,
            2,
          ) + '\n',
        )
        if (ac.signal.aborted) setCode(signalCode || 130)
        else if (control.length || rows.some((r) => !r.detected)) setCode(1)
      },
    )
}

/** `--under-loss`: `30` or `30%`, from 0 to 100. */
function percent(s: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(s.trim())
  if (!m || Number(m[1]) > 100) throw new UsageError(`--under-loss ${s}: a percentage from 0 to 100 (e.g. 30)`)
  return Number(m[1])
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

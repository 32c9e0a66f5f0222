// Why: progress on the terminal for long runs: scenario, step, round, cells agreeing, elapsed.
import { isProblemCell } from '../compare/classification.js'
import { explainCommand } from '../report/cells.js'
import { cellLine, invariantLines } from '../report/render-junit.js'
import type { Scenario } from '../model/scenario.js'
import type { RunReport, ScenarioReport } from '../report/model.js'
import type { StepProgress } from '../runner/run-step.js'
import type { Io } from './io.js'

/** Problem cells named per step on the console; report.md and junit.xml list every one. */
const CELLS_SHOWN = 5

/**
 * Progress lines on stderr while a run goes (per scenario and step), then the summary. With scenarios running at
 * once (`parallel` > 1) every line names its scenario, nothing is redrawn in place, and each scenario's summary is
 * held until those before it have printed theirs: summaries come out in scenario order.
 */
export class Progress {
  private readonly tty: boolean
  private pending = false
  private t0 = performance.now()
  /** Finished scenarios whose summary waits for an earlier one (parallel runs). */
  private readonly held = new Map<number, ScenarioReport>()
  private nextSummary = 0
  /** Steps whose enforcement cadence has been shown (plain output shows it once). */
  private readonly enforcing = new Set<string>()
  private total = 0

  constructor(
    private readonly io: Io,
    private readonly enabled: boolean,
    private readonly parallel = 1,
  ) {
    this.tty = !!process.stderr.isTTY && parallel <= 1
  }

  private line(text: string): void {
    if (!this.enabled) return
    if (this.pending) this.io.err('\r\x1b[K')
    this.pending = false
    this.io.err(text + '\n')
  }

  /** The prefix naming the scenario a line is about, when scenarios run at once. */
  private who(s?: Scenario): string {
    return this.parallel > 1 && s ? `[${s.name}] ` : ''
  }

  log(text: string, s?: Scenario): void {
    this.line(`  ${this.who(s)}${text}`)
  }

  scenario(s: Scenario, i: number, n: number): void {
    this.total = n
    this.line(`[${i + 1}/${n}] ${this.parallel > 1 ? 'start ' : ''}${s.name} (${s.file})`)
  }

  /**
   * Where a step is. Round 0 is the enforcement cadence (the cells the step flips, probed every 200 ms): shown live
   * on a terminal, and once per step as a plain line, as are the first, every tenth and the agreeing round.
   */
  step(p: StepProgress, s?: Scenario): void {
    if (!this.enabled) return
    const where = p.round === 0 ? 'enforcing' : `round ${p.round}`
    const text = `  ${this.who(s)}step ${p.step}/${p.steps} ${p.name}: ${where}, ${p.agreeing}/${p.probed} cells agree, ${(p.elapsedMs / 1000).toFixed(1)} s`
    const key = `${s?.name ?? ''}\0${p.step}`
    if (this.tty) {
      this.io.err(`\r\x1b[K${text}`)
      this.pending = true
    } else if (p.round === 0) {
      if (!this.enforcing.has(key)) this.line(text)
      this.enforcing.add(key)
    } else if (p.agreeing === p.probed || p.round === 1 || p.round % 10 === 0) this.line(text)
  }

  /** A scenario ended: its summary now, or (parallel) once every scenario before `index` has printed its own. */
  scenarioDone(r: ScenarioReport, index = this.nextSummary): void {
    if (this.parallel <= 1) return this.printDone(r)
    this.held.set(index, r)
    this.flushHeld()
  }

  private flushHeld(all = false): void {
    while (this.nextSummary < this.total || (all && this.held.size)) {
      const r = this.held.get(this.nextSummary)
      if (!r && !all) return
      this.held.delete(this.nextSummary)
      if (r) {
        this.line(`[${this.nextSummary + 1}/${this.total}] ${r.name}: done in ${(r.durationMs / 1000).toFixed(1)} s`)
        this.printDone(r)
      }
      this.nextSummary++
    }
  }

  /**
   * A scenario's summary: a line per step, then each problem cell (the first CELLS_SHOWN of a step) with its reason
   * and the `explain` command that reproduces the evaluator's reasoning, broken invariants, errors.
   */
  private printDone(r: ScenarioReport): void {
    if (r.unsupported) this.line(`  unsupported by this driver, not run: ${r.unsupported}`)
    for (const st of r.steps) {
      const problems = st.cells.filter(isProblemCell)
      const probed = st.cells.length - st.counts.skipped - st.counts.unsupported
      const enforced =
        probed === 0
          ? 'nothing could be probed'
          : st.timeToEnforceMs === null
            ? 'nothing to enforce'
            : `enforced after ${st.timeToEnforceMs} ms`
      this.line(
        `  step ${st.index + 1} ${st.name}: ${problems.length === 0 ? 'ok' : `${problems.length} disagreeing`}, ${st.rounds} rounds, ${st.interrupted ? 'interrupted (kept in the report)' : st.converged ? enforced : 'did not converge'}`,
      )
      for (const c of problems.slice(0, CELLS_SHOWN)) {
        this.line(`    ${cellLine(c)}`)
        this.line(`      why: ${explainCommand(r.file, st.index + 1, c)}`)
      }
      if (problems.length > CELLS_SHOWN) this.line(`    ... and ${problems.length - CELLS_SHOWN} more (report.md lists every one)`)
      for (const line of invariantLines(st)) this.line(`    ${line}`)
      for (const ch of st.chaos ?? []) if (ch.unsupported) this.line(`    chaos ${ch.action}: unsupported (${ch.unsupported})`)
    }
    if (r.error) this.line(`  error: ${r.error}`)
  }

  summary(r: RunReport, dir: string): void {
    this.flushHeld(true) // scenarios after one that never ran
    const c = r.summary.counts
    const verdict =
      r.summary.exitCode === 0 ? 'PASS' : r.interrupted ? `INTERRUPTED (${r.interrupted.by})` : r.summary.exitCode === 1 ? 'FAIL' : 'ERROR'
    const notRun = r.scenarios.filter((s) => s.unsupported).length
    const broken = r.scenarios.reduce((n, s) => n + s.steps.reduce((m, st) => m + invariantLines(st).length, 0), 0)
    const text = `${verdict}: ${r.summary.cells} cells: ${c.match} match, ${c['fail-open']} fail-open, ${c['fail-closed']} fail-closed, ${c['intent-violation']} intent violations, ${c.flaky} flaky, ${c.slow} slow, ${c['probe-error']} probe errors, ${c.unsupported} unsupported, ${c.skipped} skipped${broken ? `; ${broken} chaos invariants violated` : ''}${notRun ? `; ${notRun} scenarios unsupported by this driver (not run)` : ''}; ${((performance.now() - this.t0) / 1000).toFixed(1)} s\nreports: ${dir}/`
    if (this.pending) this.io.err('\r\x1b[K')
    this.pending = false
    this.io.err(text + '\n')
    for (const d of r.diagnostics) this.io.err(`diagnostic: ${d}\n`)
  }
}

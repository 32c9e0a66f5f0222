// Why: progress on the terminal for long runs: scenario, step, round, cells agreeing, elapsed.
import { invariantLines } from '../report/render-junit.js'
import type { Scenario } from '../model/scenario.js'
import type { RunReport, ScenarioReport } from '../report/model.js'
import type { StepProgress } from '../runner/run-step.js'
import type { Io } from './io.js'

/** Progress lines on stderr while a run goes (per scenario and step), then the summary. */
export class Progress {
  private readonly tty = !!process.stderr.isTTY
  private pending = false
  private t0 = performance.now()

  constructor(
    private readonly io: Io,
    private readonly enabled: boolean,
  ) {}

  private line(text: string): void {
    if (!this.enabled) return
    if (this.pending) this.io.err('\r\x1b[K')
    this.pending = false
    this.io.err(text + '\n')
  }

  log(text: string): void {
    this.line(`  ${text}`)
  }

  scenario(s: Scenario, i: number, n: number): void {
    this.line(`[${i + 1}/${n}] ${s.name} (${s.file})`)
  }

  step(p: StepProgress): void {
    if (!this.enabled) return
    const text = `  step ${p.step}/${p.steps} ${p.name}: round ${p.round}, ${p.agreeing}/${p.probed} cells agree, ${(p.elapsedMs / 1000).toFixed(1)} s`
    if (this.tty) {
      this.io.err(`\r\x1b[K${text}`)
      this.pending = true
    } else if (p.agreeing === p.probed || p.round === 1 || p.round % 10 === 0) this.line(text)
  }

  scenarioDone(r: ScenarioReport): void {
    for (const st of r.steps) {
      const bad = st.cells.length - st.counts.match - st.counts.skipped - st.counts.unsupported
      this.line(
        `  step ${st.index + 1} ${st.name}: ${bad === 0 ? 'ok' : `${bad} disagreeing`}, ${st.rounds} rounds, ${st.interrupted ? 'interrupted (kept in the report)' : st.converged ? `enforced after ${st.timeToEnforceMs} ms` : 'did not converge'}`,
      )
      for (const line of invariantLines(st)) this.line(`    ${line}`)
      for (const ch of st.chaos ?? []) if (ch.unsupported) this.line(`    chaos ${ch.action}: unsupported (${ch.unsupported})`)
    }
    if (r.error) this.line(`  error: ${r.error}`)
  }

  summary(r: RunReport, dir: string): void {
    const c = r.summary.counts
    const verdict =
      r.summary.exitCode === 0 ? 'PASS' : r.interrupted ? `INTERRUPTED (${r.interrupted.by})` : r.summary.exitCode === 1 ? 'FAIL' : 'ERROR'
    const broken = r.scenarios.reduce((n, s) => n + s.steps.reduce((m, st) => m + invariantLines(st).length, 0), 0)
    const text = `${verdict}: ${r.summary.cells} cells: ${c.match} match, ${c['fail-open']} fail-open, ${c['fail-closed']} fail-closed, ${c['intent-violation']} intent violations, ${c.flaky} flaky, ${c['probe-error']} probe errors, ${c.unsupported} unsupported, ${c.skipped} skipped${broken ? `; ${broken} chaos invariants violated` : ''}; ${((performance.now() - this.t0) / 1000).toFixed(1)} s\nreports: ${dir}/`
    if (this.pending) this.io.err('\r\x1b[K')
    this.pending = false
    this.io.err(text + '\n')
    for (const d of r.diagnostics) this.io.err(`diagnostic: ${d}\n`)
  }
}

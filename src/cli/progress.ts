// Why: what a run shows while it goes. On a terminal, a live block redrawn in place (a line per scenario in flight
// and an overall line with the ETA) above which finished work scrolls in scenario order; elsewhere (CI, pipes,
// TERM=dumb) plain lines, one per event, and a heartbeat when a step runs long; then the run's summary.
import { createLogUpdate } from 'log-update'
import { isProblemCell } from '../compare/classification.js'
import { explainCommand } from '../report/cells.js'
import { cellLine, invariantLines } from '../report/render-junit.js'
import type { Scenario } from '../model/scenario.js'
import type { RunReport, ScenarioReport, StepReport } from '../report/model.js'
import type { StepProgress } from '../runner/run-step.js'
import { estimateRemainingMs, formatDuration } from './eta.js'
import type { Io } from './io.js'

/** Problem cells named per step on the console; report.md and junit.xml list every one. */
const CELLS_SHOWN = 5
/** The live block is redrawn at most this often (log-update redraws on every call). */
const REDRAW_MS = 100
/** Plain output: a step running this long without a line gets a "still working" line, and again after as long. */
const HEARTBEAT_MS = 30_000
/** Plain output: how often the heartbeats are checked. */
const PLAIN_TICK_MS = 1000

/** Where progress goes: a terminal gets the live display; its size is read at each redraw (it may change). */
interface Terminal {
  readonly tty: boolean
  readonly columns?: () => number | undefined
  readonly rows?: () => number | undefined
}

/** How a Progress shows a run. */
interface ProgressOptions extends Partial<Terminal> {
  /** False with `--quiet`: nothing but the final summary. */
  readonly enabled?: boolean
  /** Scenarios run at once. */
  readonly parallel?: number
  /** Every scenario of the run, in order: their step counts feed the ETA. */
  readonly planned?: readonly Scenario[]
  /** The clock, in milliseconds (tests pass their own). */
  readonly now?: () => number
  /** False: no timer; redraws and heartbeats happen on events and `tick()` only (tests). */
  readonly ticker?: boolean
  readonly heartbeatMs?: number
}

/**
 * Whether `stream` gets the live display: a terminal, outside CI (`CI` set to anything but false/0) and not
 * `TERM=dumb`; with its size.
 */
export function terminalOf(stream: { isTTY?: boolean; columns?: number; rows?: number }, env: NodeJS.ProcessEnv = process.env): Terminal {
  const ci = env.CI !== undefined && !['', '0', 'false'].includes(env.CI.toLowerCase())
  return { tty: !!stream.isTTY && !ci && env.TERM !== 'dumb', columns: () => stream.columns, rows: () => stream.rows }
}

/** A scenario in flight, as far as its events tell. */
interface Live {
  readonly s: Scenario
  readonly index: number
  readonly startedAt: number
  /** Steps whose report arrived (they are printed). */
  stepsDone: number
  /** When the current step began, as far as known. */
  since: number
  /** The current step's latest round, and when it came. */
  progress?: StepProgress & { readonly at: number }
  /** A chaos step's phase, from its log lines (`chaos: restart-agent node-1`). */
  phase?: string
  /** Plain output: the last line saying this scenario is alive (heartbeats are paced from it). */
  lastLineAt: number
  /** Its setup (the driver's `up`), once its first step reported a round. */
  setupMs?: number
}

/** Where a scenario is: its step, the phase of that step, the cells agreeing and the time spent in it. */
interface Where {
  readonly step?: string
  readonly phase: string
  readonly agree?: string
  readonly ms: number
}

/** Cuts a line to the terminal width: a wrapped line would break the redraw. */
function cut(line: string, width: number): string {
  const chars = [...line]
  return chars.length <= width ? line : chars.slice(0, Math.max(0, width - 1)).join('') + '…'
}

/**
 * A run's progress on stderr. Plain (not a terminal, CI, TERM=dumb): a line when a scenario starts, one per step when
 * it ends (its verdict, then its problem cells with the `explain` command for each), one when the scenario ends, and
 * a heartbeat when a step runs long; with scenarios at once (`parallel` > 1) every line names its scenario. Terminal:
 * the same lines scroll, grouped by scenario and in scenario order (a scenario's lines are held until those before
 * it have ended), above a live block: a line per scenario in flight and the overall line with the ETA.
 */
export class Progress {
  private readonly enabled: boolean
  private readonly parallel: number
  private readonly now: () => number
  private readonly t0: number
  private readonly heartbeatMs: number
  private readonly planned?: readonly Scenario[]
  private readonly terminal: Terminal
  private readonly redraw?: ReturnType<typeof createLogUpdate>
  private readonly ticker: boolean
  /** Started with the first scenario, stopped by the summary; unref'd: it never keeps the process alive. */
  private timer?: ReturnType<typeof setInterval>
  private drawnAt = -Infinity
  private closed = false
  private total = 0
  private readonly running = new Map<number, Live>()
  private readonly finished = new Set<number>()
  /** Terminal: the scenario whose lines scroll as they come; the lines of those after it wait here. */
  private head = 0
  private readonly held = new Map<number, string[]>()
  private readonly stepsMs: number[] = []
  private readonly overheadsMs: number[] = []
  private agreeing = 0
  private problems = 0

  constructor(
    private readonly io: Io,
    o: ProgressOptions = {},
  ) {
    this.enabled = o.enabled ?? true
    this.parallel = Math.max(1, o.parallel ?? 1)
    this.now = o.now ?? (() => performance.now())
    this.t0 = this.now()
    this.heartbeatMs = o.heartbeatMs ?? HEARTBEAT_MS
    this.planned = o.planned
    this.terminal = { tty: !!o.tty, columns: o.columns, rows: o.rows }
    if (this.enabled && this.terminal.tty) {
      const terminal = this.terminal
      // log-update writes to a stream and reads its size: this one writes through `io` (tests capture it).
      const stream = {
        write: (text: string) => (io.err(text), true),
        get columns() {
          return terminal.columns?.() || 80
        },
        get rows() {
          return terminal.rows?.() || 24
        },
      }
      this.redraw = createLogUpdate(stream as unknown as NodeJS.WritableStream)
    }
    this.ticker = this.enabled && (o.ticker ?? true)
  }

  /** The prefix naming the scenario a plain line is about, when scenarios run at once (on a terminal they are grouped). */
  private who(s?: Scenario): string {
    return this.parallel > 1 && s && !this.redraw ? `[${s.name}] ` : ''
  }

  private find(s?: Scenario): Live | undefined {
    for (const l of this.running.values()) if (l.s === s) return l
    return s || this.running.size !== 1 ? undefined : [...this.running.values()][0]
  }

  /** Lines above the live block (or plain): at once, or held until the scenarios before `index` have ended. */
  private emit(index: number | undefined, lines: readonly string[]): void {
    if (!this.enabled || lines.length === 0) return
    if (this.redraw && !this.closed && index !== undefined && index !== this.head) {
      this.held.set(index, [...(this.held.get(index) ?? []), ...lines])
      return
    }
    this.scroll(lines)
  }

  private scroll(lines: readonly string[]): void {
    if (this.redraw && !this.closed) this.redraw.clear()
    this.io.err(lines.join('\n') + '\n')
    this.render()
  }

  /** Terminal: the scenarios after one that ended scroll their held lines, up to the next one still running. */
  private advance(all = false): void {
    while (this.head < this.total || (all && this.held.size)) {
      const lines = this.held.get(this.head)
      this.held.delete(this.head)
      if (lines) this.scroll(lines)
      if (!all && !this.finished.has(this.head)) return
      this.head++
    }
  }

  /** A line about the run, or (`s`) about one scenario; a chaos step's fault line is also its phase in the live block. */
  log(text: string, s?: Scenario): void {
    const l = s && this.find(s)
    if (l && /^\s*chaos: /.test(text)) l.phase = text.trim()
    this.emit(l ? l.index : undefined, [`  ${this.who(s)}${text}`])
  }

  scenario(s: Scenario, i: number, n: number): void {
    this.total = n
    if (this.ticker && !this.timer && !this.closed)
      this.timer = setInterval(() => this.tick(), this.redraw ? REDRAW_MS : PLAIN_TICK_MS).unref()
    const t = this.now()
    this.running.set(i, { s, index: i, startedAt: t, stepsDone: 0, since: t, lastLineAt: t })
    this.emit(i, [`[${i + 1}/${n}] start ${s.name} (${s.file})`])
    this.render()
  }

  /** Where a step is (round 0 is the enforcement cadence): shown live on a terminal, in heartbeats otherwise. */
  step(p: StepProgress, s?: Scenario): void {
    const l = this.find(s)
    if (!l || p.step <= l.stepsDone) return
    if (l.progress?.step !== p.step) l.phase = undefined
    const t = this.now()
    // The first step's clock starts at its submission: what came before it was the setup.
    if (p.step === 1 && l.setupMs === undefined) l.setupMs = Math.max(0, t - p.elapsedMs - l.startedAt)
    l.progress = { ...p, at: t }
    this.render()
  }

  /** A step ended: its verdict line and problem cells. */
  stepDone(s: Scenario, r: StepReport): void {
    const l = this.find(s)
    if (!l || r.index < l.stepsDone) return
    this.count(r)
    const t = this.now()
    Object.assign(l, { stepsDone: r.index + 1, since: t, progress: undefined, phase: undefined, lastLineAt: t })
    this.emit(l.index, this.stepLines(s.file, r, this.who(s)))
    this.render()
  }

  private count(r: StepReport): void {
    this.stepsMs.push(r.durationMs)
    this.agreeing += r.counts.match
    this.problems += r.cells.filter(isProblemCell).length
  }

  /** A scenario ended: the lines of its steps not shown yet, its error, and how long it took. */
  scenarioDone(r: ScenarioReport, index = this.head): void {
    const l = this.running.get(index)
    const shown = l?.stepsDone ?? 0
    const who = this.who(l?.s ?? (this.parallel > 1 ? ({ name: r.name } as Scenario) : undefined))
    const lines: string[] = []
    if (r.unsupported) lines.push(`  ${who}unsupported by this driver, not run: ${r.unsupported}`)
    for (const st of r.steps.slice(shown)) {
      this.count(st)
      lines.push(...this.stepLines(r.file, st, who))
    }
    if (r.error) lines.push(`  ${who}error: ${r.error}`)
    if (r.steps.length) this.overheadsMs.push(Math.max(0, r.durationMs - r.steps.reduce((ms, st) => ms + st.durationMs, 0)))
    lines.push(`[${index + 1}/${this.total || this.planned?.length || '?'}] ${r.name}: done in ${(r.durationMs / 1000).toFixed(1)} s`)
    this.emit(index, lines)
    this.running.delete(index)
    this.finished.add(index)
    if (this.redraw) this.advance()
    this.render()
  }

  /**
   * A step's verdict line, then each problem cell (the first CELLS_SHOWN) with its reason and the `explain` command
   * that reproduces the evaluator's reasoning, broken invariants, chaos the driver could not inject.
   */
  private stepLines(file: string, st: StepReport, who: string): string[] {
    const at = (depth: number, text: string) => `  ${who}${'  '.repeat(depth)}${text}`
    const problems = st.cells.filter(isProblemCell)
    const probed = st.cells.length - st.counts.skipped - st.counts.unsupported
    const enforced =
      probed === 0
        ? 'nothing could be probed'
        : st.timeToEnforceMs === null
          ? 'nothing to enforce'
          : `enforced after ${st.timeToEnforceMs} ms`
    const lines = [
      at(
        0,
        `step ${st.index + 1} ${st.name}: ${problems.length === 0 ? 'ok' : `${problems.length} disagreeing`}, ${st.rounds} rounds, ${st.interrupted ? 'interrupted (kept in the report)' : st.converged ? enforced : 'did not converge'}`,
      ),
    ]
    for (const c of problems.slice(0, CELLS_SHOWN)) lines.push(at(1, cellLine(c)), at(2, `why: ${explainCommand(file, st.index + 1, c)}`))
    if (problems.length > CELLS_SHOWN) lines.push(at(1, `... and ${problems.length - CELLS_SHOWN} more (report.md lists every one)`))
    for (const line of invariantLines(st)) lines.push(at(1, line))
    for (const ch of st.chaos ?? []) if (ch.unsupported) lines.push(at(1, `chaos ${ch.action}: unsupported (${ch.unsupported})`))
    return lines
  }

  /** Where a scenario in flight is. */
  private where(l: Live, t: number): Where {
    const p = l.progress
    if (!p && !l.phase && l.stepsDone === 0) return { phase: 'setting up', ms: t - l.startedAt }
    const k = p ? p.step - 1 : l.stepsDone
    if (!p && l.s.steps && k >= l.s.steps.length) return { phase: 'finishing', ms: t - l.since }
    const step = `step ${k + 1}/${l.s.steps?.length ?? p?.steps ?? '?'} ${p?.name ?? l.s.steps?.[k]?.name ?? ''}`
    if (p)
      return {
        step,
        phase: p.round === 0 ? 'enforcing' : `round ${p.round}`,
        agree: `${p.agreeing}/${p.probed} agree`,
        ms: p.elapsedMs + t - p.at,
      }
    return { step, phase: l.phase ?? (l.s.steps?.[k]?.chaos?.length ? 'chaos' : 'applying'), ms: t - l.since }
  }

  /** Milliseconds the run still needs, or undefined before a step has ended. */
  private eta(t: number): number | undefined {
    const started = Math.max(-1, ...this.running.keys(), ...this.finished)
    const known = [...this.running.values()].map((l) => l.s.steps?.length ?? 1)
    const steps = (i: number) => this.planned?.[i]?.steps.length ?? (known.length ? known.reduce((a, b) => a + b) / known.length : 1)
    const waiting = Array.from({ length: Math.max(0, (this.planned?.length ?? this.total) - started - 1) }, (_, k) =>
      steps(started + 1 + k),
    )
    return estimateRemainingMs({
      finishedStepsMs: this.stepsMs,
      // Until a scenario has ended (setup and teardown known), the setups measured so far.
      overheadsMs: [...this.overheadsMs, ...[...this.running.values()].flatMap((l) => (l.setupMs === undefined ? [] : [l.setupMs]))],
      running: [...this.running.values()].map((l) => {
        const w = this.where(l, t)
        return { stepsLeft: Math.max(1, (l.s.steps?.length ?? 1) - l.stepsDone), currentMs: w.step ? w.ms : 0 }
      }),
      waitingSteps: waiting,
      parallel: this.parallel,
    })
  }

  /** The live block: a line per scenario in flight (as many as the terminal has rows for) and the overall line. */
  private block(t: number): string {
    const width = Math.max(20, (this.terminal.columns?.() || 80) - 1)
    const room = Math.max(1, (this.terminal.rows?.() || 24) - 2)
    const live = [...this.running.values()].sort((a, b) => a.index - b.index)
    const lines = live.slice(0, live.length > room ? room - 1 : room).map((l) => {
      const w = this.where(l, t)
      return [`[${l.index + 1}/${this.total}] ${l.s.name}`, w.step, w.phase, w.agree, `${(w.ms / 1000).toFixed(1)} s`]
        .filter(Boolean)
        .join('  ')
    })
    if (live.length > room) lines.push(`... and ${live.length - room + 1} more running`)
    const eta = this.eta(t)
    const n = (x: number) => x.toLocaleString('en-US')
    lines.push(
      [
        `scenarios ${this.finished.size}/${this.total} done`,
        `${live.length} running`,
        `cells ${n(this.agreeing)} agree, ${n(this.problems)} problem`,
        `elapsed ${formatDuration(t - this.t0)}`,
        eta === undefined ? 'ETA: estimating' : `ETA ~${formatDuration(eta)}`,
      ].join(' · '),
    )
    return lines.map((line) => cut(line, width)).join('\n')
  }

  /** Terminal: redraws the live block, at most every REDRAW_MS (a later call or the timer draws what was skipped). */
  private render(): void {
    if (!this.redraw || this.closed || !this.total) return
    const t = this.now()
    if (t - this.drawnAt < REDRAW_MS) return
    this.drawnAt = t
    this.redraw(this.block(t))
  }

  /**
   * What the timer does: on a terminal, redraw (the clocks move); plain, a heartbeat for each step that has been
   * running for `heartbeatMs` without a line. @internal exported for its test (the fake clock drives it).
   */
  tick(): void {
    if (this.closed || !this.enabled) return
    if (this.redraw) return this.render()
    const t = this.now()
    for (const l of this.running.values()) {
      if (t - l.lastLineAt < this.heartbeatMs) continue
      l.lastLineAt = t
      const w = this.where(l, t)
      this.emit(l.index, [
        `  ${this.who(l.s)}... ${[w.step ? `${w.step}: ${w.phase}` : w.phase, w.agree, `${Math.round(w.ms / 1000)} s`].filter(Boolean).join(', ')}`,
      ])
    }
  }

  /** The run's last lines (also with `--quiet`): the live block is cleared first and the terminal left as it was. */
  summary(r: RunReport, dir: string): void {
    if (this.timer) clearInterval(this.timer)
    if (this.redraw && !this.closed) {
      this.redraw.clear()
      this.redraw.done()
    }
    this.closed = true
    this.advance(true) // scenarios after one that never ran
    const c = r.summary.counts
    const verdict =
      r.summary.exitCode === 0 ? 'PASS' : r.interrupted ? `INTERRUPTED (${r.interrupted.by})` : r.summary.exitCode === 1 ? 'FAIL' : 'ERROR'
    const notRun = r.scenarios.filter((s) => s.unsupported).length
    const broken = r.scenarios.reduce((n, s) => n + s.steps.reduce((m, st) => m + invariantLines(st).length, 0), 0)
    const staged = r.scenarios.reduce((n, s) => n + s.steps.reduce((m, st) => m + (st.staged?.length ?? 0), 0), 0)
    const text = `${verdict}: ${r.summary.cells} cells: ${c.match} match, ${c['fail-open']} fail-open, ${c['fail-closed']} fail-closed, ${c['intent-violation']} intent violations, ${c.flaky} flaky, ${c.slow} slow, ${c['probe-error']} probe errors, ${c.unsupported} unsupported, ${c.skipped} skipped${broken ? `; ${broken} chaos invariants violated` : ''}${notRun ? `; ${notRun} scenarios unsupported by this driver (not run)` : ''}${staged ? `; staged policies would change ${staged} cell${staged === 1 ? '' : 's'} (not enforced)` : ''}; ${((this.now() - this.t0) / 1000).toFixed(1)} s\nreports: ${dir}/`
    this.io.err(text + '\n')
    for (const d of r.diagnostics) this.io.err(`diagnostic: ${d}\n`)
  }
}

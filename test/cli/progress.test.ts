// Progress output, driven by synthetic run events and a fake clock: plain lines (one per event, each step once, no
// terminal codes, a heartbeat when a step runs long), the live block on a terminal (a line per scenario in flight,
// the overall line with the ETA, cleared at the end, lines cut to the width), summaries naming failing cells.
import t from 'tap'
import { Progress, terminalOf } from '../../src/cli/progress.js'
import type { Scenario } from '../../src/model/scenario.js'
import type { RunReport, ScenarioReport, StepReport } from '../../src/report/model.js'
import { sampleReport } from '../helpers/report.js'
import { countCells } from '../../src/compare/classification.js'

const sc = (name: string, steps = ['open', 'isolate'], chaos: number[] = []) =>
  ({
    name,
    file: `${name}.yaml`,
    steps: steps.map((n, k) => ({ name: n, ...(chaos.includes(k) ? { chaos: [{}] } : {}) })),
  }) as unknown as Scenario
const done = (name: string, steps: StepReport[] = [], durationMs = 1500): ScenarioReport => ({
  name,
  file: `${name}.yaml`,
  tags: [],
  setupMs: 1,
  durationMs,
  steps,
})
const okCells = sampleReport().scenarios[0].steps[0].cells.filter((c) => c.classification === 'match')
const okStep: StepReport = { ...sampleReport().scenarios[0].steps[0], cells: okCells, counts: countCells(okCells) }
const badStep = sampleReport().scenarios[0].steps[0]
/** A step report: ok or with the sample's two problem cells. */
const stepReport = (index: number, name: string, bad = false, durationMs = 1000): StepReport => ({
  ...(bad ? badStep : okStep),
  index,
  name,
  rounds: bad ? 4 : 1,
  durationMs,
})
const runReport = (exitCode = 0) =>
  ({
    summary: {
      exitCode,
      cells: 0,
      counts: {
        match: 0,
        'fail-open': 0,
        'fail-closed': 0,
        'intent-violation': 0,
        flaky: 0,
        slow: 0,
        'probe-error': 0,
        unsupported: 0,
        skipped: 0,
      },
    },
    scenarios: [],
    diagnostics: [],
  }) as unknown as RunReport

/** A Progress writing into `out.text`, on a clock the test moves. */
function harness(o: { tty?: boolean; parallel?: number; columns?: number; planned?: Scenario[]; enabled?: boolean } = {}) {
  const out = { text: '' }
  const clock = { ms: 0 }
  const p = new Progress(
    { out: () => {}, err: (s) => void (out.text += s) },
    {
      ticker: false,
      now: () => clock.ms,
      tty: o.tty,
      parallel: o.parallel,
      columns: () => o.columns ?? 200,
      planned: o.planned,
      enabled: o.enabled,
    },
  )
  return { p, out, clock }
}

/** What a terminal shows after `text`: the escape codes log-update uses (erase line, cursor up, column 1) applied. */
function screen(text: string): string {
  const lines = ['']
  let row = 0
  let col = 0
  for (const [, code, n, op, chunk] of text.matchAll(/(\x1b\[(\d*)([A-Za-z]))|([^\x1b]+)/g)) {
    if (code && op === 'K') lines[row] = ''
    else if (code && op === 'A') row = Math.max(0, row - Number(n || 1))
    else if (code && op === 'G') col = 0
    else if (code) throw new Error(`unexpected escape code ${JSON.stringify(code)}`)
    else
      for (const [k, part] of chunk.split('\n').entries()) {
        if (k > 0) (row++, (col = 0), (lines[row] ??= ''))
        lines[row] = lines[row].slice(0, col) + part + lines[row].slice(col + part.length)
        col += part.length
      }
  }
  return lines.join('\n')
}

/** A step's rounds: the enforcement cadence, then rounds until every cell agrees. */
function rounds(p: Progress, s: Scenario, step: number, n = 3) {
  p.step({ step, steps: 2, name: s.steps[step - 1].name, round: 0, agreeing: 10, probed: 30, elapsedMs: 200 }, s)
  for (let r = 1; r <= n; r++)
    p.step({ step, steps: 2, name: s.steps[step - 1].name, round: r, agreeing: r === n ? 30 : 20 + r, probed: 30, elapsedMs: 300 * r }, s)
}

t.test('plain: one line per event, each step once, no terminal codes', async (t) => {
  const a = sc('a')
  const b = sc('b')
  const { p, out, clock } = harness({ planned: [a, b] })
  p.scenario(a, 0, 2)
  p.log('topology up', a)
  rounds(p, a, 1)
  clock.ms += 1000
  p.stepDone(a, stepReport(0, 'open'))
  rounds(p, a, 2)
  clock.ms += 1000
  p.stepDone(a, stepReport(1, 'isolate'))
  p.scenarioDone(done('a', [stepReport(0, 'open'), stepReport(1, 'isolate')], 2500), 0)
  p.scenario(b, 1, 2)
  rounds(p, b, 1)
  p.stepDone(b, stepReport(0, 'open'))
  rounds(p, b, 2, 12)
  p.stepDone(b, stepReport(1, 'isolate', true))
  p.scenarioDone(done('b', [stepReport(0, 'open'), stepReport(1, 'isolate', true)], 3100), 1)
  clock.ms = 6000
  p.summary(runReport(1), 'reports/x')
  t.notMatch(out.text, /\r|\x1b/, 'no carriage return, no escape code')
  for (const [name, n] of [
    ['step 1 open', 2],
    ['step 2 isolate', 2],
  ] as const)
    t.equal(out.text.split('\n').filter((l) => l.includes(name + ':')).length, n, `${name}: a line per scenario, none during the rounds`)
  t.notMatch(out.text, /round \d|agree,/, 'no per-round line')
  t.matchSnapshot(out.text, 'plain output of a two-scenario run')
})

t.test('plain: a long step gets a heartbeat every 30 s, not more', async (t) => {
  const a = sc('a')
  const { p, out, clock } = harness()
  p.scenario(a, 0, 1)
  clock.ms = 29_000
  p.tick()
  t.equal(out.text.split('\n').length, 2, 'nothing before 30 s')
  rounds(p, a, 1, 12)
  clock.ms = 31_000
  p.tick()
  p.tick()
  t.match(out.text, /^ {2}\.\.\. step 1\/2 open: round 12, 30\/30 agree, 6 s$/m)
  t.equal((out.text.match(/\.\.\. /g) ?? []).length, 1, 'one heartbeat')
  clock.ms = 50_000
  p.stepDone(a, stepReport(0, 'open'))
  clock.ms = 79_000
  p.tick()
  t.equal((out.text.match(/\.\.\. /g) ?? []).length, 1, 'a step line resets the pace')
  clock.ms = 80_000
  p.tick()
  t.match(out.text, /^ {2}\.\.\. step 2\/2 isolate: applying, 30 s$/m, 'between rounds: where the step is')
  p.stepDone(a, stepReport(1, 'isolate'))
  clock.ms = 110_000
  p.tick()
  t.match(out.text, /^ {2}\.\.\. finishing, 30 s$/m, 'after the last step: taking the scenario down')
})

t.test('plain, parallel: every line names its scenario, heartbeats included', async (t) => {
  const { p, out, clock } = harness({ parallel: 2 })
  const [a, b] = [sc('a'), sc('b', ['open', 'storm'], [1])]
  p.scenario(a, 0, 2)
  p.scenario(b, 1, 2)
  p.stepDone(b, stepReport(0, 'open'))
  p.log('  chaos: restart-agent n1', b)
  clock.ms = 40_000
  p.tick()
  p.stepDone(a, stepReport(0, 'open', true))
  const lines = out.text.trimEnd().split('\n')
  t.match(lines, [
    '[1/2] start a (a.yaml)',
    '[2/2] start b (b.yaml)',
    /^ {2}\[b\] step 1 open: ok, 1 rounds, enforced after/,
    '  [b]   chaos: restart-agent n1',
    '  [a] ... setting up, 40 s',
    '  [b] ... step 2/2 storm: chaos: restart-agent n1, 40 s',
    /^ {2}\[a\] step 1 open: 2 disagreeing, 4 rounds/,
    /^ {2}\[a\] {3}fail-open: x\/b -> x\/a 80\/TCP/,
    /^ {2}\[a\] {5}why: netpol-harness explain a\.yaml --step 1 /,
  ])
})

t.test('terminal: the live block shows each scenario in flight and the overall line with the ETA', async (t) => {
  const [a, b, c] = [sc('a'), sc('b'), sc('c', ['open', 'storm'], [1])]
  const { p, out, clock } = harness({ tty: true, parallel: 2, planned: [a, b, c] })
  p.scenario(a, 0, 3)
  clock.ms += 200
  p.scenario(b, 1, 3)
  clock.ms += 200
  p.step({ step: 1, steps: 2, name: 'open', round: 0, agreeing: 27, probed: 30, elapsedMs: 300 }, a)
  clock.ms += 200
  p.step({ step: 1, steps: 2, name: 'open', round: 1, agreeing: 1234, probed: 1300, elapsedMs: 4100 }, b)
  t.match(out.text, /\[1\/3\] a {2}step 1\/2 open {2}enforcing {2}27\/30 agree {2}0\.5 s/, 'enforcing, with the cells agreeing')
  t.match(out.text, /\[2\/3\] b {2}step 1\/2 open {2}round 1 {2}1234\/1300 agree {2}4\.1 s/, 'two live lines')
  t.match(out.text, /scenarios 0\/3 done · 2 running · cells 0 agree, 0 problem · elapsed 1s · ETA: estimating/)
  clock.ms = 2000
  p.stepDone(b, stepReport(0, 'open', false, 1000))
  const draws = () => out.text.split('scenarios ').length
  const before = draws()
  clock.ms = 2050
  p.tick()
  p.step({ step: 1, steps: 2, name: 'open', round: 0, agreeing: 28, probed: 30, elapsedMs: 1900 }, a)
  t.equal(draws(), before, 'at most one redraw per 100 ms')
  clock.ms = 2100
  p.tick()
  const last = out.text.slice(out.text.lastIndexOf('[1/3]'))
  t.match(last, /\[2\/3\] b {2}step 2\/2 isolate {2}applying {2}0\.1 s/)
  // 1 s a step; a: 2 steps left (0.6 s already spent in the first), b: 1 step left, c: 2 steps; 2 at once.
  t.match(last, /cells 14 agree, 0 problem · elapsed 2s · ETA ~2s/)
  t.notMatch(out.text, /\[2\/3\] start b/, "b's lines wait for a to end")
  p.log('  chaos: restart-agent n1', a)
  p.scenarioDone(done('a'), 0)
  t.match(
    screen(out.text),
    /\[1\/3\] start a \(a\.yaml\)\n {4}chaos: restart-agent n1\n\[1\/3\] a: done in 1\.5 s\n\[2\/3\] start b \(b\.yaml\)\n {2}step 1 open: ok/,
  )
  p.scenario(c, 2, 3)
  clock.ms = 2300
  p.tick()
  t.match(out.text.slice(out.text.lastIndexOf('[3/3] c')), /^\[3\/3\] c {2}setting up {2}0\.2 s/)
  p.log('  chaos: kill n2', c)
  p.stepDone(c, stepReport(0, 'open'))
  p.log('  chaos: restart-agent n1', c)
  clock.ms = 2500
  p.tick()
  t.match(out.text.slice(out.text.lastIndexOf('[3/3] c  ')), /^\[3\/3\] c {2}step 2\/2 storm {2}chaos: restart-agent n1 {2}0\.2 s/)
  p.scenarioDone(done('c', [stepReport(0, 'open')]), 2)
  t.notMatch(out.text, /\[3\/3\] c: done/, 'c waits for b')
  p.scenarioDone(done('b'), 1)
  t.match(
    screen(out.text),
    /\[2\/3\] b: done in 1\.5 s\n\[3\/3\] start c \(c\.yaml\)\n {4}chaos: kill n2\n {2}step 1 open: ok[^\n]*\n {4}chaos: restart-agent n1\n\[3\/3\] c: done in/,
  )
  p.summary(runReport(), 'reports/x')
  const end = /(?:\x1b\[2K\x1b\[1A)+\x1b\[2K\x1b\[G([^\x1b]*)$/.exec(out.text)
  t.ok(end, 'the last escape codes erase the block')
  t.notMatch(end?.[1], /running|ETA/, 'and it is not drawn again')
  t.notMatch(screen(out.text), /running|ETA/, 'nothing of it is left on the screen')
  t.match(screen(out.text), /\[3\/3\] c: done in 1\.5 s\nPASS: 0 cells[^\n]*\nreports: reports\/x\/\n$/)
})

t.test('terminal: lines are cut to the width, not wrapped', async (t) => {
  const a = sc('a-scenario-with-a-rather-long-name-that-goes-on')
  const { p, out } = harness({ tty: true, columns: 40 })
  p.scenario(a, 0, 1)
  p.step({ step: 1, steps: 2, name: 'open', round: 3, agreeing: 1, probed: 2, elapsedMs: 1 }, a)
  const block = out.text.slice(out.text.lastIndexOf('[1/1] a-'))
  for (const line of block.split('\n').filter(Boolean)) t.ok([...line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')].length < 40, line)
  t.match(block, /…/)
})

t.test('--quiet: only the summary', async (t) => {
  const a = sc('a')
  const { p, out } = harness({ tty: true, enabled: false })
  p.scenario(a, 0, 1)
  rounds(p, a, 1)
  p.stepDone(a, stepReport(0, 'open', true))
  p.log('topology up', a)
  p.scenarioDone(done('a'), 0)
  p.summary(runReport(), 'reports/x')
  t.equal(
    out.text,
    'PASS: 0 cells: 0 match, 0 fail-open, 0 fail-closed, 0 intent violations, 0 flaky, 0 slow, 0 probe errors, 0 unsupported, 0 skipped; 0.0 s\nreports: reports/x/\n',
  )
})

t.test('the live display only on a terminal, outside CI, not TERM=dumb', async (t) => {
  t.equal(terminalOf({ isTTY: true }, {}).tty, true)
  t.equal(terminalOf({ isTTY: false }, {}).tty, false)
  t.equal(terminalOf({ isTTY: true }, { CI: 'true' }).tty, false)
  t.equal(terminalOf({ isTTY: true }, { CI: 'false' }).tty, true)
  t.equal(terminalOf({ isTTY: true }, { TERM: 'dumb' }).tty, false)
  t.equal(terminalOf({ isTTY: true, columns: 99 }, {}).columns?.(), 99)
})

t.test('a scenario that never ran does not hold back the ones after it at the end', async (t) => {
  const { p, out } = harness({ tty: true, parallel: 2 })
  p.scenario(sc('a'), 0, 3)
  p.scenario(sc('b'), 1, 3)
  p.scenarioDone(done('b'), 1)
  t.notMatch(out.text, /b: done/)
  p.summary(runReport(3), 'reports/x')
  t.match(out.text, /\[2\/3\] b: done in 1\.5 s[\s\S]*ERROR/)
})

t.test('without step events, a scenario prints its steps when it ends', async (t) => {
  const { p, out } = harness()
  const a = sc('a')
  p.scenario(a, 0, 1)
  p.stepDone(a, stepReport(0, 'open'))
  p.scenarioDone(done('a', [stepReport(0, 'open'), stepReport(1, 'isolate')]), 0)
  t.equal(out.text.split('\n').filter((l) => l.startsWith('  step ')).length, 2, 'each step once')
})

// Failures on the surface: the console names each problem cell with its reason and the explain command that
// reproduces the evaluator's reasoning, cut after five per step; a scenario the driver cannot run says so.
t.test('the scenario summary names failing cells and how to reproduce them', async (t) => {
  const { p, out } = harness()
  const r = sampleReport()
  p.scenarioDone(r.scenarios[0])
  t.match(out.text, /^ {2}step 1 baseline: 2 disagreeing, /m)
  t.match(out.text, /^ {4}fail-open: x\/b -> x\/a 80\/TCP: predicted deny, observed allowed/m)
  t.match(out.text, /^ {6}why: netpol-harness explain scenarios\/sample\.yaml --step 1 --from x\/b --to x\/a --port 80 --protocol TCP$/m)
  t.notMatch(out.text, /null ms/)
  const many = {
    ...r.scenarios[0],
    steps: [
      {
        ...r.scenarios[0].steps[0],
        cells: Array.from({ length: 7 }, () => r.scenarios[0].steps[0].cells.find((c) => c.classification === 'fail-open')!),
      },
    ],
  }
  out.text = ''
  p.scenarioDone(many)
  t.equal((out.text.match(/why: netpol-harness explain/g) ?? []).length, 5, 'five cells named')
  t.match(out.text, /\.\.\. and 2 more \(report\.md lists every one\)/)
  out.text = ''
  p.scenarioDone({ ...done('v6'), unsupported: 'IPv6 is not supported by the local driver' })
  t.match(out.text, /unsupported by this driver, not run: IPv6 is not supported by the local driver/)
})

t.test('terminal: the timer redraws the clocks until the summary, and stops there', async (t) => {
  let text = ''
  const p = new Progress({ out: () => {}, err: (s) => void (text += s) }, { tty: true, columns: () => 100 })
  p.scenario(sc('a'), 0, 1)
  const first = text
  await new Promise((r) => setTimeout(r, 1200))
  t.ok(text.length > first.length, 'redrawn without events: the elapsed time moves')
  t.match(text, /\[1\/1\] a {2}setting up {2}[1-9]\d*\.\d s/)
  p.summary(runReport(), 'reports/x')
  const after = text
  await new Promise((r) => setTimeout(r, 300))
  t.equal(text, after, 'nothing drawn after the summary')
})

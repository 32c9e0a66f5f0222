// Chaos steps on the local driver for real: faults while probing, windows measured, invariants judged,
// and loss that does not raise false alarms (CI runs as root here).
import t from 'tap'
import { cannotRunLocal } from '../../helpers/can-run.js'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { main } from '../../../src/cli/main.js'
import type { RunReport } from '../../../src/report/model.js'
import { FAIL_OPEN_RESTART_MS } from '../../../src/drivers/local/dataplane.js'
import { reportSchemaErrors } from '../../helpers/schema.js'

const skip = await cannotRunLocal()

async function run(args: string[]) {
  const dir = t.testdir()
  let err = ''
  const code = await main(['run', ...args, '--driver', 'local', '--report-dir', dir, '--settle', '10s'], {
    out: () => {},
    err: (s) => void (err += s),
  })
  const [id] = readdirSync(dir).filter((n) => /^\d{8}-/.test(n))
  const report = JSON.parse(readFileSync(join(dir, id, 'report.json'), 'utf8')) as RunReport
  return { code, err, report, junit: readFileSync(join(dir, id, 'junit.xml'), 'utf8') }
}

t.test('an agent restart that keeps its rules: no window, quick recovery', { skip, timeout: 120000 }, async (t) => {
  const r = await run(['scenarios/chaos/restart-agent.yaml'])
  t.equal(r.code, 0, r.err)
  const [ch] = r.report.scenarios[0].steps[1].chaos!
  t.equal(ch.action, 'restart-agent')
  t.ok(ch.endMs - ch.startMs >= 2000, 'the agent was down for 2 s')
  t.same(ch.windows, [], 'programmed rules kept enforcing while the agent was down')
  t.ok(ch.recoveryMs !== null && ch.recoveryMs < 5000)
  t.same(reportSchemaErrors(r.report), [])
})

t.test('an agent that fails open on restart is caught, with the duration of the window', { skip, timeout: 120000 }, async (t) => {
  const r = await run(['scenarios/chaos/restart-agent.yaml', '--fault', 'fail-open-on-restart'])
  t.equal(r.code, 1, 'a violated invariant fails the run')
  const [ch] = r.report.scenarios[0].steps[1].chaos!
  const open = ch.windows.filter((w) => w.kind === 'fail-open')
  t.equal(open.length, 1, 'one fail-open window')
  const ms = open[0].endMs - open[0].startMs
  t.ok(
    ms >= FAIL_OPEN_RESTART_MS - 400 && ms <= FAIL_OPEN_RESTART_MS + 1200,
    `the window lasts about as long as the agent left the node open (${ms} ms)`,
  )
  t.ok(open[0].startMs >= ch.startMs + 2000 - 300, 'it starts when the agent comes back, not before')
  t.ok(open[0].cells >= 4, 'every denied cell through the node')
  t.same(
    ch.invariants?.find((i) => i.name === 'maxFailOpen'),
    { name: 'maxFailOpen', limitMs: 0, observedMs: ms, passed: false },
  )
  t.match(
    r.junit,
    /<failure message="1 chaos invariants violated" type="invariant">invariant maxFailOpen violated during restart-agent on all: limit 0 ms, observed \d+ ms/,
  )
  t.match(r.err, /1 chaos invariants violated/)
})

t.test('a flushed node fails open until the agent resyncs, and recovers', { skip, timeout: 120000 }, async (t) => {
  const r = await run(['scenarios/chaos/flush-dataplane.yaml', '--resync', '1s'])
  t.equal(r.code, 0, r.err)
  const [ch] = r.report.scenarios[0].steps[1].chaos!
  const open = ch.windows.filter((w) => w.kind === 'fail-open')
  t.equal(open.length, 1, 'the flush opened node-1')
  t.ok(open[0].endMs - open[0].startMs <= 1600, `bounded by the 1 s resync (${open[0].endMs - open[0].startMs} ms)`)
  t.ok(ch.recoveryMs !== null && ch.recoveryMs <= 1600)
})

t.test('with the agent never resyncing, the flush stays open and maxRecovery fails', { skip, timeout: 120000 }, async (t) => {
  const never = await run(['scenarios/chaos/flush-dataplane.yaml', '--resync', '10m', '--settle', '1s'])
  t.equal(never.code, 1)
  const [ch] = never.report.scenarios[0].steps[1].chaos!
  t.equal(ch.recoveryMs, null)
  t.same(
    ch.invariants?.map((i) => [i.name, i.passed]),
    [
      ['maxFailOpen', false],
      ['maxRecovery', false],
    ],
  )
})

t.test('10% packet loss on every node raises no false alarm', { skip, timeout: 300000 }, async (t) => {
  const r = await run(['scenarios/basics', 'scenarios/egress', 'scenarios/chaos/packet-loss.yaml', '--fault', 'packet-loss=10'])
  t.equal(r.code, 0, r.err)
  const c = r.report.summary.counts
  t.equal(c['fail-open'] + c['fail-closed'] + c.flaky + c['intent-violation'] + c['probe-error'], 0)
  t.ok(c.match > 300, `${c.match} cells agreed`)
})

t.test(
  'under 30% packet loss a fail-open is still caught: loss never makes a denied connection succeed',
  { skip, timeout: 180000 },
  async (t) => {
    const r = await run(['scenarios/chaos/restart-agent.yaml', '--fault', 'fail-open-on-restart', '--fault', 'packet-loss=30'])
    t.equal(r.code, 1, 'a violated invariant fails the run')
    const [ch] = r.report.scenarios[0].steps[1].chaos!
    t.ok(
      ch.windows.some((w) => w.kind === 'fail-open'),
      `the fail-open window is found (${JSON.stringify(ch.windows)})`,
    )
    t.same(
      ch.invariants?.filter((i) => !i.passed).map((i) => i.name),
      ['maxFailOpen'],
      'maxFailOpen, and no fail-closed window or slow recovery made up by the loss',
    )
    t.ok(
      r.report.scenarios[0].steps.some((s) => s.loss && s.loss.share > 0.1),
      'the steps saw the loss',
    )
  },
)

// Chaos steps on the local driver for real: faults while probing, windows measured, invariants judged,
// and loss that does not raise false alarms (CI runs as root here).
import t from 'tap'
import { cannotRunLocal } from '../../helpers/can-run.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FAIL_OPEN_RESTART_MS } from '../../../src/drivers/local/dataplane.js'
import { reportSchemaErrors } from '../../helpers/schema.js'
import { loadDependentProblems, loadFreeProblems } from '../../helpers/load-free.js'
import { disagreeing, runFolder, runLocal } from '../../helpers/local-run.js'

const skip = await cannotRunLocal()

/** A run with a 10 s settle (the last `--settle` counts), and the JUnit file it wrote. */
async function run(args: string[]) {
  const r = await runLocal(t, [...args, '--settle', '10s'])
  return { ...r, junit: readFileSync(join(runFolder(r.dir), 'junit.xml'), 'utf8') }
}

t.test('an agent restart that keeps its rules: no window, quick recovery', { skip, timeout: 120000 }, async (t) => {
  const r = await run(['scenarios/chaos/restart-agent.yaml'])
  // Exit 0 unless a time limit was missed on a loaded machine (test/helpers/load-free.ts): those are printed only.
  t.same(loadFreeProblems(r.report.scenarios), [], r.err)
  t.ok(r.code === 0 || loadDependentProblems(r.report).length > 0, r.err)
  for (const l of loadDependentProblems(r.report)) t.comment(`over a time limit (load-dependent): ${l}`)
  const [ch] = r.report.scenarios[0].steps[1].chaos!
  t.equal(ch.action, 'restart-agent')
  t.ok(ch.endMs - ch.startMs >= 2000, 'the agent was down for 2 s')
  t.same(
    ch.windows.filter((w) => w.kind === 'fail-open'),
    [],
    'programmed rules kept enforcing while the agent was down',
  )
  t.not(ch.recoveryMs, null, `recovered (${ch.recoveryMs} ms)`)
  t.same(reportSchemaErrors(r.report), [])
})

t.test('an agent that fails open on restart is caught, with the duration of the window', { skip, timeout: 120000 }, async (t) => {
  const r = await run(['scenarios/chaos/restart-agent.yaml', '--fault', 'fail-open-on-restart'])
  t.equal(r.code, 1, 'a violated invariant fails the run')
  const [ch] = r.report.scenarios[0].steps[1].chaos!
  const open = ch.windows.filter((w) => w.kind === 'fail-open')
  t.equal(open.length, 1, 'one fail-open window')
  const ms = open[0].endMs - open[0].startMs
  // At least as long as the agent leaves the node open; how much longer depends on the machine's load.
  t.ok(ms >= FAIL_OPEN_RESTART_MS - 400, `the window lasts as long as the agent left the node open (${ms} ms)`)
  t.not(ch.recoveryMs, null, 'and it closed: the cells came back')
  t.ok(open[0].startMs >= ch.startMs + 2000 - 300, 'it starts when the agent comes back, not before')
  t.ok(open[0].cells >= 4, 'every denied cell through the node')
  t.same(
    ch.invariants?.find((i) => i.name === 'maxFailOpen'),
    { name: 'maxFailOpen', limitMs: 0, observedMs: ms, passed: false },
  )
  t.match(
    r.junit,
    /<failure message="\d chaos invariants violated" type="invariant">invariant maxFailOpen violated during restart-agent on all: limit 0 ms, observed \d+ ms/,
  )
  t.match(r.err, /\d chaos invariants violated/)
})

t.test('a flushed node fails open until the agent resyncs, and recovers', { skip, timeout: 120000 }, async (t) => {
  const r = await run(['scenarios/chaos/flush-dataplane.yaml', '--resync', '1s'])
  t.same(loadFreeProblems(r.report.scenarios), [], r.err)
  for (const l of loadDependentProblems(r.report)) t.comment(`over a time limit (load-dependent): ${l}`)
  const [ch] = r.report.scenarios[0].steps[1].chaos!
  const open = ch.windows.filter((w) => w.kind === 'fail-open')
  t.equal(open.length, 1, 'the flush opened node-1')
  // Closed by the resync: the next test shows that without one it stays open. Within a few 1 s resyncs, the
  // scenario's own 5 s maxRecovery (how soon exactly is for npm run bench: it depends on the machine's load).
  const ms = open[0].endMs - open[0].startMs
  t.ok(ms > 0 && ms <= 5000, `a window that ended within a few resyncs (${ms} ms)`)
  t.not(ch.recoveryMs, null, `recovered (${ch.recoveryMs} ms)`)
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
  const c = r.report.summary.counts
  t.equal(disagreeing(r.report), 0)
  t.same(loadFreeProblems(r.report.scenarios), [], 'no cell and no invariant (but time limits) failed')
  for (const l of loadDependentProblems(r.report)) t.comment(`over a time limit (load-dependent): ${l}`)
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
    // A recovery that came back later than 5 s is the machine's load (test/helpers/load-free.ts), not the loss's.
    const slowRecovery = (i: { name: string; observedMs: number | null }) => i.name === 'maxRecovery' && i.observedMs !== null
    t.same(
      ch.invariants?.filter((i) => !i.passed && !slowRecovery(i)).map((i) => i.name),
      ['maxFailOpen'],
      'maxFailOpen, and no fail-closed window or lost recovery made up by the loss',
    )
    // The loss was injected (the report says so). How much of it a small step's few hedged attempts show is chance:
    // 0 to 0.56 seen at 30 % (CI once saw none in either step), so it is printed, not judged; the 10 % test above and
    // test/compare/evidence.test.ts judge what loss does to verdicts.
    t.ok(r.report.options.faults?.includes('packet-loss=30'), `run under packet-loss=30 (${r.report.options.faults})`)
    t.comment(`loss seen by the steps: ${r.report.scenarios[0].steps.map((s) => s.loss?.share ?? 0).join(', ')}`)
  },
)

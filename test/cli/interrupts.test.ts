// Interrupting a real local-driver run: SIGINT, SIGTERM, SIGHUP and a closed output pipe clean up and write the report
// with the finished scenarios and the partial step; SIGKILL leaves the journal, from which `report` rebuilds it.
import t, { type Test } from 'tap'
import { execa } from 'execa'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { main } from '../../src/cli/main.js'
import { cleanupSessions } from '../../src/drivers/local/cleanup.js'
import { defaultExec } from '../../src/drivers/exec.js'
import { OWNER_DIR } from '../../src/drivers/local/names.js'
import type { RunReport } from '../../src/report/model.js'
import { cannotRunLocal, netnsNames } from '../helpers/can-run.js'
import { readRunReport, runFolder } from '../helpers/local-run.js'
import { reportSchemaErrors } from '../helpers/schema.js'

const BIN = 'dist/src/cli/bin.js'
// Two scenarios: the first finishes in one quick step; the second's deny step keeps probing fail-open cells (its
// policy is programmed 60 s late, and no resync repairs it meanwhile) until the run is interrupted.
const ARGS = [
  'test/fixtures/scenarios/interrupts',
  '--driver',
  'local',
  '--nodes',
  '1',
  '--fault',
  'late-programming=60s',
  '--resync',
  '60s',
  // One scenario after the other: the test interrupts the second while the first is already in the journal.
  '--parallel',
  '1',
]
const skip = (await cannotRunLocal()) || (!existsSync(BIN) && 'needs npm run build')

const namespacesOf = (sid: string) => netnsNames(`nph-${sid}-`)

/** Nothing of the sessions is left: namespaces, processes, nft tables, pid files. */
async function assertGone(t: Test, sids: readonly string[]) {
  for (const sid of sids) {
    t.same(await namespacesOf(sid), [], `no namespace of session ${sid}`)
    t.equal((await execa('pgrep', ['-f', `nph-${sid}`], { reject: false })).stdout.trim(), '', `no process of session ${sid}`)
    t.notOk(existsSync(`${OWNER_DIR}/${sid}.pid`), `no pid file of session ${sid}`)
  }
  t.notMatch((await execa('nft', ['list', 'tables'], { reject: false })).stdout, /nph/, 'no nft table in the root namespace')
}

/** Starts the CLI and resolves once the second scenario's deny step has probed for a few seconds, with both session ids. */
function startRun(dir: string) {
  // forceKillAfterDelay off: execa would follow SIGTERM with SIGKILL after 5 s, and cleanup may take longer under load.
  const child = execa(process.execPath, [BIN, 'run', ...ARGS, '--report-dir', dir], {
    reject: false,
    all: true,
    buffer: true,
    forceKillAfterDelay: false,
  })
  const ready = new Promise<string[]>((resolve, reject) => {
    let text = ''
    child.all!.on('data', (d) => {
      text += d.toString()
      // The second scenario's first step ended: its deny step starts at once and is probed every 200 ms.
      if (/\[2\/2\] start[^]*step 1 baseline: ok/.test(text))
        setTimeout(() => resolve([...text.matchAll(/namespaces nph-([0-9a-f]{6})-/g)].map((m) => m[1])), 3000)
    })
    void child.then(() => reject(new Error(`exited before the second scenario probed: ${text}`)))
  })
  return { child, ready }
}

/** The report of a run stopped in the second scenario's deny step: the first scenario whole, the partial step kept. */
function assertPartial(t: Test, report: RunReport) {
  t.same(reportSchemaErrors(report), [], 'report.json follows the schema')
  const [first, second] = report.scenarios
  t.notOk(first.error, 'the finished scenario is whole')
  t.equal(first.steps.length, 1)
  t.equal(second.error, 'interrupted')
  t.equal(second.steps.length, 2, 'the interrupted step is in the report')
  const step = second.steps[1]
  t.equal(step.interrupted, true, 'marked interrupted')
  t.equal(step.converged, false)
  const open = step.cells.filter((c) => c.classification === 'fail-open')
  t.equal(open.length, 2, 'the fail-open evidence is kept (x/a <-> x/b allowed though denied)')
  // Interrupted while enforcing: the cadence's attempts (round 0, every 200 ms) are the evidence.
  t.ok(
    open.every((c) => c.observation.attempts.length >= 2 && c.observation.attempts.every((a) => a.result === 'allowed')),
    `with every attempt made (${open.map((c) => c.observation.attempts.length)})`,
  )
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const)
  t.test(`${signal} mid-step: exit ${code}, cleaned up, report with the partial step`, { skip }, async (t) => {
    const dir = t.testdir()
    const { child, ready } = startRun(dir)
    const sids = await ready
    t.equal(sids.length, 2, 'one session per scenario')
    t.ok((await namespacesOf(sids[1])).length > 0, 'namespaces exist while running')
    child.kill(signal)
    const r = await child
    t.equal(r.signal, undefined, 'the process exited by itself')
    t.equal(r.exitCode, code, `exit code ${code}`)
    t.match(r.all, `${signal}: stopping and removing everything this run created`)
    t.match(r.all, `INTERRUPTED (${signal})`)
    t.notMatch(r.all, /\n\s+at /, 'no stack trace')
    const report = readRunReport(dir)
    t.equal(report.summary.exitCode, code)
    t.match(report.interrupted, { by: signal })
    assertPartial(t, report)
    const journal = readFileSync(join(runFolder(dir), 'scenarios.jsonl'), 'utf8')
      .trim()
      .split('\n')
    t.equal(journal.length, 3, 'the journal: header and both scenarios as they ended')
    await assertGone(t, sids)
  })

t.test('output closed (run ... 2>&1 | head -3): exit 141, quiet, cleaned up, report written', { skip }, async (t) => {
  const dir = t.testdir()
  const r = await execa('bash', ['-c', `node ${BIN} run ${ARGS.join(' ')} --report-dir ${dir} 2>&1 | head -3; exit \${PIPESTATUS[0]}`], {
    reject: false,
  })
  t.equal(r.exitCode, 141, 'exit code 141')
  // The first line says what is tested (issue 15); then the scenario and its session.
  t.equal(r.stdout.split('\n').length, 3, 'head printed its three lines')
  t.match(r.stdout.split('\n')[0], /^netpol-harness [\d.]+: driver local /)
  t.equal(r.stderr, '', 'nothing else, no stack trace')
  const sid = /namespaces nph-([0-9a-f]{6})-/.exec(r.stdout)?.[1]
  t.ok(sid, 'the third line names the first session')
  const report = readRunReport(dir)
  t.same(reportSchemaErrors(report), [])
  t.equal(report.summary.exitCode, 141)
  t.match(report.interrupted, { by: 'EPIPE', detail: /the output was closed/ })
  t.match(report.scenarios[1].error, /interrupted/, 'the run stopped: the second scenario did not run')
  await assertGone(t, [sid!])
})

t.test('SIGKILL: the journal keeps the finished scenario; report rebuilds report.json from it', { skip }, async (t) => {
  const dir = t.testdir()
  const { child, ready } = startRun(dir)
  const sids = await ready
  child.kill('SIGKILL')
  await child
  t.notOk(existsSync(join(runFolder(dir), 'report.json')), 'a killed run writes no report.json')
  t.equal(
    readFileSync(join(runFolder(dir), 'scenarios.jsonl'), 'utf8')
      .trim()
      .split('\n').length,
    2,
    'header and the finished scenario',
  )
  let err = ''
  const code = await main(['report', dir], { out: () => {}, err: (s) => void (err += s) })
  t.equal(code, 0, 'report exits 0')
  t.match(err, /recovered: .*report\.json rebuilt from scenarios\.jsonl/)
  const report = readRunReport(dir)
  t.same(reportSchemaErrors(report), [])
  t.equal(report.summary.exitCode, 137)
  t.match(report.interrupted, { by: 'lost', detail: /1 of 2 scenarios finished, the one in flight is lost/ })
  t.notOk(report.scenarios[0].error)
  t.equal(report.scenarios[0].steps[0].counts.match, 4, 'the finished scenario as it was')
  t.match(report.scenarios[1].error, /not run or not finished/)
  t.equal(report.driver.versions.nftables !== undefined, true, 'driver versions from the journal')
  t.equal(JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')).runs[0].exitCode, 137, 'in the history')
  // The namespaces of a killed run are the cleanup command's job (only this run's sessions: other tests may be running).
  for (const sid of sids) await cleanupSessions(defaultExec, { only: sid })
  await assertGone(t, sids)
})

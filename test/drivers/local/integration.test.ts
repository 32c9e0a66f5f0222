// The local driver for real: network namespaces, nftables, real TCP/UDP connections (CI runs as root here).
import t from 'tap'
import { cannotRunLocal, netnsNames } from '../../helpers/can-run.js'
import { execa } from 'execa'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '../../helpers/cli.js'
import { disagreeing, namespacesLeft, readRunReport, runLocal } from '../../helpers/local-run.js'
import { reportSchemaErrors } from '../../helpers/schema.js'

const FIXTURE = 'test/fixtures/scenarios/local-mix.yaml'
const BIN = 'dist/src/cli/bin.js'

const skip = await cannotRunLocal()

const namespacesOf = (sid: string) => netnsNames(`nph-${sid}-`)

t.test('allow, deny, ipBlock with externals, named ports, relabels: the run agrees everywhere', { skip }, async (t) => {
  const { dir, report, ...r } = await runLocal(t, [FIXTURE, '--settle', '10s'])
  t.equal(r.code, 0, r.err)
  t.equal(report.schemaVersion, 2)
  t.same(reportSchemaErrors(report), [], 'report.json follows docs/report.schema.json')
  t.ok(existsSync(join(dir, 'history.json')) && existsSync(join(dir, 'index.html')), 'the run is added to the history')
  t.equal(report.driver.name, 'local')
  t.ok(report.driver.versions.nftables, 'nft version recorded')
  const c = report.summary.counts
  t.equal(disagreeing(report), 0)
  t.ok(c.match > 600, `${c.match} cells matched`)
  const steps = report.scenarios[0].steps
  t.equal(steps.length, 5)
  t.ok(steps.every((s) => s.converged && s.timeToEnforceMs !== null))
  // Real observations: blocked cells timed out, allowed cells were answered by the right pod.
  const step2 = steps[1].cells
  const denied = step2.find((x) => x.from === 'ops/tool' && x.to === 'app/api' && x.port === 80)!
  t.equal(denied.prediction, 'deny')
  t.equal(denied.observation.result, 'blocked')
  const allowed = step2.find((x) => x.from === 'app/web' && x.to === 'app/api' && x.port === 53 && x.protocol === 'UDP')!
  t.equal(allowed.observation.result, 'allowed')
  t.equal(allowed.observation.answeredBy, 'app/api')
  const ext = step2.find((x) => x.from === 'ext-client' && x.to === 'app/web' && x.port === 80)!
  t.equal(ext.observation.result, 'allowed', 'ingress from an external through ipBlock')
  const hidden = steps[2].cells.find((x) => x.from === 'app/web' && x.to === 'ext-hidden' && x.port === 5432)!
  t.equal(hidden.observation.result, 'blocked', 'except carved out of the egress ipBlock')
  for (const f of ['junit.xml', 'report.md', 'report.html']) t.ok(existsSync(join(dir, report.runId, f)), f)
  t.same(await namespacesLeft(r.err), [], 'nothing left behind')
})

t.test('a dataplane that skips a policy is caught as fail-open, exit 1', { skip }, async (t) => {
  const { dir, report, ...r } = await runLocal(t, [FIXTURE, '--settle', '2s', '--reprobes', '2', '--fault', 'skip-policy=app/default-deny'])
  t.equal(r.code, 1)
  t.same(reportSchemaErrors(report), [], 'a failing report follows the schema too')
  t.ok(report.summary.counts['fail-open'] > 0)
  const cell = report.scenarios[0].steps[1].cells.find((x) => x.from === 'ops/tool' && x.to === 'app/db' && x.port === 80)!
  t.equal(cell.classification, 'fail-open')
  t.equal(cell.observation.result, 'allowed')
  t.match(cell.explanation, { kind: 'policies', ingress: { isolatedBy: ['app/default-deny'], allowed: false } })
  const step = report.scenarios[0].steps[1]
  t.same(
    [...new Set(cell.observation.attempts.filter((a) => a.round > 0).map((a) => a.round))],
    Array.from({ length: step.rounds + 2 }, (_, k) => k + 1),
    'every round and both re-probes recorded (after the enforcement cadence, round 0)',
  )
  t.ok(
    cell.observation.attempts.some((a) => a.round === 0),
    'the cell flips: the cadence probed it',
  )
  const junit = readFileSync(join(dir, report.runId, 'junit.xml'), 'utf8')
  t.match(junit, /<failure message="fail-open: ops\/tool -&gt; app\/db 80\/TCP" type="fail-open">/)
  t.match(junit, /fail-open: ops\/tool -&gt; app\/db 80\/TCP: predicted deny, observed allowed/)
})

/**
 * Starts the CLI as a child process and resolves with the session id of the first scenario whose first step ended
 * (it has probed, and still has steps to run), from the lines naming it (`[scenario] ` with --parallel).
 */
function startRun(args: string[]) {
  const child = execa(process.execPath, [BIN, 'run', ...args], { reject: false, all: true, buffer: true })
  const ready = new Promise<string>((resolve, reject) => {
    let text = ''
    child.all!.on('data', (d) => {
      text += d.toString()
      const step = /^ {2}(\[[^\]\n]+\] )?step 1 [^\n]*: /m.exec(text)
      if (!step) return
      const who = (step[1] ?? '').replace(/[[\]]/g, '\\$&')
      const sid = new RegExp(`^ {2}${who}topology up \\(namespaces nph-([0-9a-f]{6})-`, 'm').exec(text)?.[1]
      if (sid) resolve(sid)
    })
    void child.then(() => reject(new Error(`exited before probing: ${text}`)))
  })
  return { child, ready }
}

t.test(
  'Ctrl-C mid-run leaves no namespace, process or nft table behind',
  { skip: skip || (!existsSync(BIN) && 'needs npm run build') },
  async (t) => {
    const dir = t.testdir()
    const { child, ready } = startRun(['scenarios/upstream', '--driver', 'local', '--report-dir', dir])
    const sid = await ready
    t.ok((await namespacesOf(sid)).length > 0, 'namespaces exist while running')
    child.kill('SIGINT')
    const r = await child
    t.equal(r.exitCode, 130)
    t.same(await namespacesOf(sid), [])
    const ps = await execa('pgrep', ['-f', `nph-${sid}`], { reject: false })
    t.equal(ps.stdout.trim(), '', 'no process of the run is left')
    const tables = await execa('nft', ['list', 'tables'], { reject: false })
    t.notMatch(tables.stdout, /nph/, 'no nft table in the root namespace')
    t.equal(readRunReport(dir).summary.exitCode, 130, 'the partial report says interrupted')
  },
)

t.test(
  'after a crash (kill -9), cleanup removes what the run left',
  { skip: skip || (!existsSync(BIN) && 'needs npm run build') },
  async (t) => {
    const { child, ready } = startRun(['scenarios/basics', '--driver', 'local', '--report-dir', t.testdir()])
    const sid = await ready
    child.kill('SIGKILL')
    await child
    t.ok((await namespacesOf(sid)).length > 0, 'a killed run cannot clean up after itself')
    const r = await runCli(['cleanup'])
    t.equal(r.code, 0)
    t.same(await namespacesOf(sid), [])
    t.equal((await execa('pgrep', ['-f', `nph-${sid}`], { reject: false })).stdout.trim(), '')
  },
)

t.test('bad input exits 2 before anything is created', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'name: x\nnamespaces: {a: {}}\nsteps: [{name: s, apply: [{kind: Pod}]}]\n' })
  const r = await runCli(['run', join(dir, 'bad.yaml'), '--driver', 'local', '--report-dir', join(dir, 'out')])
  t.equal(r.code, 2)
  t.match(r.err, /kind must be NetworkPolicy/)
  t.notOk(existsSync(join(dir, 'out')), 'no report, no run')
})

t.test(
  'a driver that cannot run here exits 3 with a hint',
  { skip: (await execa('kind', ['version'], { reject: false })).exitCode === 0 && 'kind is installed here' },
  async (t) => {
    const r = await runCli(['run', 'scenarios/basics', '--driver', 'kind', '--report-dir', t.testdir()])
    t.equal(r.code, 3)
    t.match(r.err, /the kind driver needs kind, which is not installed here/)
  },
)

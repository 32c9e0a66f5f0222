// `report` rebuilds pages and history from report.json files; `compare` diffs two runs.
import t from 'tap'
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { main } from '../../src/cli/main.js'
import { writeReports } from '../../src/report/write.js'
import { sampleReport } from '../helpers/report.js'

async function run(args: string[]) {
  let out = ''
  let err = ''
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) })
  return { code, out, err }
}

t.test('every run appends to the history; report rebuilds it all', async (t) => {
  const dir = t.testdir()
  writeReports(sampleReport('20261124-010000-aaaa'), dir)
  writeReports(sampleReport('20261124-020000-bbbb', { failOpen: false }), dir)
  const history = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'))
  t.same(
    history.runs.map((r: { runId: string; exitCode: number }) => [r.runId, r.exitCode]),
    [
      ['20261124-010000-aaaa', 1],
      ['20261124-020000-bbbb', 0],
    ],
  )
  rmSync(join(dir, 'history.json'))
  rmSync(join(dir, 'index.html'))
  rmSync(join(dir, '20261124-010000-aaaa', 'report.html'))
  const r = await run(['report', dir])
  t.equal(r.code, 0, r.err)
  t.match(r.out, /rebuilt 2 runs/)
  t.ok(existsSync(join(dir, '20261124-010000-aaaa', 'report.html')), 'pages re-rendered')
  t.equal(JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')).runs.length, 2, 'history rebuilt')
  t.match(readFileSync(join(dir, 'index.html'), 'utf8'), /netpol-harness: 2 runs/)
})

t.test('compare', async (t) => {
  const dir = t.testdir()
  const a = writeReports(sampleReport('20261124-010000-aaaa'), dir)
  const b = writeReports(sampleReport('20261124-020000-bbbb', { failOpen: false }), dir)
  const md = await run(['compare', a, join(b, 'report.json')])
  t.equal(md.code, 0, md.err)
  t.match(md.out, /2 observations differ|0 observations differ, 2 classifications changed/)
  const strict = await run(['compare', a, b, '--fail-on-change', '--output', 'html', '--out', join(dir, 'cmp', 'c.html')])
  t.equal(strict.code, 1, 'changes fail with --fail-on-change')
  t.match(readFileSync(join(dir, 'cmp', 'c.html'), 'utf8'), /<h1>Comparison<\/h1>/)
  t.equal((await run(['compare', a, a, '--fail-on-change'])).code, 0, 'a run equals itself')
  const bad = await run(['compare', a, join(dir, 'nope')])
  t.equal(bad.code, 2)
  t.match(bad.err, /no report\.json here/)
})

t.test('a version 1 run (written by the previous release) is re-rendered and compared', async (t) => {
  const dir = t.testdir()
  cpSync('test/fixtures/reports/v1', dir, { recursive: true })
  const v1 = join(dir, '20261202-150557-1264')
  const r = await run(['report', dir])
  t.equal(r.code, 0, r.err)
  const prose = 'egress of x/b: not isolated; ingress of x/a: isolated by x/deny-a; no rule allows it'
  t.match(readFileSync(join(v1, 'report.html'), 'utf8'), `why (evaluator): ${prose}`, 'the run page shows its prose explanation')
  t.match(readFileSync(join(v1, 'report.md'), 'utf8'), `fail-open: x/b -> x/a 80/TCP: predicted deny, observed allowed -- ${prose}`)
  t.match(readFileSync(join(v1, 'junit.xml'), 'utf8'), 'no rule allows it')
  t.equal(JSON.parse(readFileSync(join(v1, 'report.json'), 'utf8')).schemaVersion, 1, 'report.json itself is left as it was')
  const b = writeReports(sampleReport('20261124-020000-bbbb'), dir)
  const cmp = await run(['compare', v1, b])
  t.equal(cmp.code, 1, "the v1 run's scenario is missing from B: a regression")
  t.match(cmp.out, /0 cells compared/, 'different scenarios: nothing to compare, but both read')
  t.match(cmp.out, /\*\*scenario-gone\*\*/)
  t.equal((await run(['compare', v1, v1, '--fail-on-change'])).code, 0, 'a version 1 run equals itself')
})

t.test('a report of an unknown version is refused', async (t) => {
  const dir = t.testdir({ 'report.json': JSON.stringify({ schemaVersion: 99, scenarios: [] }) })
  const r = await run(['compare', dir, dir])
  t.equal(r.code, 2)
  t.match(r.err, /not a netpol-harness report of schema version 1 or 2/)
})

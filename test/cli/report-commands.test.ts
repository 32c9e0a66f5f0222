// `report` rebuilds pages and history from report.json files; `compare` diffs two runs.
import t from 'tap'
import { execa } from 'execa'
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { RunReport } from '../../src/report/model.js'
import { readRunReport } from '../../src/report/read.js'
import { writeReports } from '../../src/report/write.js'
import { sampleReport } from '../helpers/report.js'
import { reportSchemaErrors } from '../helpers/schema.js'
import { runCli as run } from '../helpers/cli.js'

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

t.test('report: a truncated report.json is skipped and named, the other runs are rebuilt, exit 0', async (t) => {
  const dir = t.testdir()
  writeReports(sampleReport('20261124-010000-aaaa'), dir)
  const bad = writeReports(sampleReport('20261124-020000-bbbb'), dir)
  writeReports(sampleReport('20261124-030000-cccc', { failOpen: false }), dir)
  const text = readFileSync(join(bad, 'report.json'), 'utf8')
  writeFileSync(join(bad, 'report.json'), text.slice(0, 500))
  const r = await run(['report', dir])
  t.equal(r.code, 0, r.err)
  t.match(r.err, new RegExp(`skipped: ${bad}: not JSON`))
  t.match(r.out, /rebuilt 2 runs \(1 skipped\)/)
  t.same(
    JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')).runs.map((x: { runId: string }) => x.runId),
    ['20261124-010000-aaaa', '20261124-030000-cccc'],
  )
  t.equal(readFileSync(join(bad, 'report.json'), 'utf8'), text.slice(0, 500), 'the bad file is left as it is')
})

t.test('report --history-limit keeps the most recent runs; a bad limit is a usage error', async (t) => {
  const dir = t.testdir()
  for (const id of ['20261124-010000-aaaa', '20261124-020000-bbbb', '20261124-030000-cccc']) writeReports(sampleReport(id), dir)
  t.equal((await run(['report', dir, '--history-limit', '2'])).code, 0)
  t.equal(JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')).runs.length, 2)
  t.ok(existsSync(join(dir, '20261124-010000-aaaa', 'report.html')), 'older run folders stay')
  const bad = await run(['report', dir, '--history-limit', '0'])
  t.equal(bad.code, 2)
  t.match(bad.err, /--history-limit must be a whole number >= 1/)
})

/** A journal as `run` writes it: header, then the finished scenarios of `r` (all but the last: the one in flight). */
function journalOf(r: RunReport, pid: number): string {
  const header = {
    kind: 'run',
    schemaVersion: r.schemaVersion,
    runId: r.runId,
    startedAt: r.startedAt,
    pid,
    host: hostname(),
    harness: r.harness,
    driver: { name: 'local', cni: 'unknown', versions: {} },
    options: r.options,
    planned: [...r.scenarios, { name: 'never-started', file: 'n.yaml', tags: [] }].map(({ name, file, tags }) => ({ name, file, tags })),
  }
  const lines = r.scenarios.map((s) => ({ kind: 'scenario', driver: r.driver, scenario: s }))
  return [header, ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n{"kind":"scenario","dri'
}

t.test('report: a run that ended without report.json is rebuilt from scenarios.jsonl, marked lost', async (t) => {
  const r = sampleReport('20261124-040000-dddd')
  const dead = execa(process.execPath, ['-e', '0'])
  await dead
  const dir = t.testdir({
    '20261124-040000-dddd': { 'scenarios.jsonl': journalOf(r, dead.pid!) },
    '20261124-050000-eeee': { 'scenarios.jsonl': journalOf(sampleReport('20261124-050000-eeee'), process.pid) },
  })
  const out = await run(['report', dir])
  t.equal(out.code, 0, out.err)
  t.match(out.err, /recovered: .*20261124-040000-dddd\/report\.json rebuilt from scenarios\.jsonl/)
  const got = readRunReport(join(dir, '20261124-040000-dddd'))
  t.same(reportSchemaErrors(got), [], 'the rebuilt report follows the schema')
  t.equal(got.summary.exitCode, 137)
  t.match(got.interrupted, { by: 'lost', detail: /1 of 2 scenarios finished/ })
  t.same(
    got.scenarios.map((s) => [s.name, s.error]),
    [
      [r.scenarios[0].name, r.scenarios[0].error],
      ['never-started', 'not run or not finished: the run ended without writing its report'],
    ],
  )
  t.same(got.scenarios[0].steps, r.scenarios[0].steps, 'finished scenarios as they were')
  t.equal(got.summary.cells, r.summary.cells)
  t.match(got.diagnostics, [/1 unreadable lines in scenarios\.jsonl/], 'the line torn by the kill is counted')
  t.ok(existsSync(join(dir, '20261124-040000-dddd', 'report.html')), 'and rendered')
  t.notOk(existsSync(join(dir, '20261124-050000-eeee', 'report.json')), 'a run whose writer still runs is left alone')
  t.same(
    JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')).runs.map((x: { runId: string; exitCode: number }) => [x.runId, x.exitCode]),
    [['20261124-040000-dddd', 137]],
  )
})

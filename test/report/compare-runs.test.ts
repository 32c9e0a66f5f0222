// `compare` as a gate: regressions (new problem cells, scenarios gone, slower or never enforcing) against
// improvements, --fail-on choosing what fails, Markdown and JSON listing only what changed.
import t from 'tap'
import { main } from '../../src/cli/main.js'
import { compareRuns, failing } from '../../src/report/compare-runs.js'
import { renderCompareHtml, renderCompareMarkdown, renderCompareTable } from '../../src/report/render-compare.js'
import { writeReports } from '../../src/report/write.js'
import { sampleReport } from '../helpers/report.js'
import { runCli } from '../helpers/cli.js'

const fixed = (id: string, tte = 120) => sampleReport(`20261124-0${id}0000-aaaa`, { failOpen: false, tte })
const broken = (id: string) => sampleReport(`20261124-0${id}0000-bbbb`)

t.test('a cell that became fail-open and a step that stopped converging are regressions; the reverse improvements', async (t) => {
  const worse = compareRuns(fixed('1'), broken('2'))
  t.same(
    worse.regressions.map((r) => [r.kind, r.step]),
    [
      ['fail-open', 'baseline'],
      ['fail-open', 'restart the agent'],
      ['slower', 'restart the agent'],
    ],
  )
  t.ok(
    worse.regressions.some((r) => r.kind === 'fail-open' && r.cell),
    'the cell is named',
  )
  t.ok(
    worse.regressions.some((r) => r.kind === 'slower' && /-> never/.test(r.detail)),
    'never converging is slower',
  )
  t.same(worse.improvements, [])
  const better = compareRuns(broken('1'), fixed('2'))
  t.same(better.regressions, [], 'fixing the CNI is no regression')
  t.same(better.improvements.map((r) => r.kind).sort(), ['fail-open', 'fail-open', 'slower'])
  t.same(failing(better, ['fail-open', 'slower']), [])
})

t.test('time to enforce counts only beyond the threshold', async (t) => {
  const c = compareRuns(fixed('1', 100), fixed('2', 900), { slowerThanMs: 1000 })
  t.same(c.regressions, [], '800 ms slower is within 1 s')
  t.notMatch(renderCompareMarkdown(c), /Time to enforce that changed/, 'and is not listed')
  t.match(renderCompareMarkdown(c), /Nothing changed\./)
  const strict = compareRuns(fixed('1', 100), fixed('2', 900), { slowerThanMs: 500 })
  t.same(
    strict.regressions.map((r) => [r.kind, r.detail]),
    [['slower', 'time to enforce 100 ms -> 900 ms']],
  )
  t.same(failing(strict, ['fail-open']), [], '--fail-on without slower ignores it')
  t.match(
    renderCompareMarkdown(strict),
    /## Regressions \(1\)\n\n- \*\*slower\*\* sample \/ restart the agent: time to enforce 100 ms -> 900 ms/,
  )
  t.match(renderCompareMarkdown(strict), /\| sample \| restart the agent \| 100 ms \| 900 ms \| \+800 ms \|/)
  t.notMatch(renderCompareMarkdown(strict), /\| baseline \|/, 'unchanged steps are not listed')
})

t.test('a scenario missing from B is a regression; the chart draws a step that stopped converging as never', async (t) => {
  const b = fixed('2')
  const gone = compareRuns(fixed('1'), { ...b, scenarios: [] })
  t.same(
    gone.regressions.map((r) => [r.kind, r.scenario]),
    [['scenario-gone', 'sample']],
  )
  const html = renderCompareHtml(compareRuns(fixed('1'), broken('2')))
  t.match(html, /<text[^>]*>never<\/text>/, 'the never bar is drawn')
  t.match(html, /<h2>Regressions \(3\)<\/h2>/)
})

t.test('the CLI: exit 1 on a regression, 0 on improvements, --fail-on chooses, -o json is one document', async (t) => {
  const dir = t.testdir()
  const a = writeReports(fixed('1'), dir)
  const b = writeReports(broken('2'), dir)
  const run = runCli
  const worse = await run(['compare', a, b, '-o', 'json'])
  t.equal(worse.code, 1, 'fail-open in B fails the gate')
  const doc = JSON.parse(worse.out)
  t.same(doc.failed.map((f: { kind: string }) => f.kind).sort(), ['fail-open', 'fail-open', 'slower'])
  t.match(worse.err, /3 regressions \(--fail-on fail-open,fail-closed,flaky,intent-violation,scenario-gone,slower\)/)
  t.equal((await run(['compare', b, a])).code, 0, 'improvements pass')
  t.equal((await run(['compare', b, a, '--fail-on-change'])).code, 1, 'unless any change fails')
  t.equal((await run(['compare', a, b, '--fail-on', 'none'])).code, 0)
  t.equal((await run(['compare', a, b, '--fail-on', 'slower'])).code, 1)
  t.equal((await run(['compare', a, b, '--fail-on', 'fail-closed,flaky'])).code, 0, 'nothing named regressed')
  const bad = await run(['compare', a, b, '--fail-on', 'fail-opne'])
  t.equal(bad.code, 2)
  t.match(bad.err, /unknown kind "fail-opne"/)
  t.equal((await run(['compare', a, b, '--slower-than', 'soon'])).code, 2)
  const y = await run(['compare', a, b, '-o', 'yaml', '--fail-on', 'none'])
  t.match(y.out, /^regressions:/m)
})

t.test('-o table: a row per change, regressions first, before and after; nothing changed prints nothing', async (t) => {
  const table = renderCompareTable(compareRuns(fixed('1'), broken('2')))
  t.equal(
    table,
    [
      'KIND         CHANGE      SCENARIO   STEP                CELL                BEFORE            AFTER',
      'regression   fail-open   sample     baseline            x/b -> x/a 80/TCP   match (allowed)   fail-open (allowed)',
      'regression   fail-open   sample     restart the agent   x/b -> x/a 80/TCP   match (allowed)   fail-open (allowed)',
      'regression   slower      sample     restart the agent   <none>              120 ms            never',
      '',
    ].join('\n'),
  )
  t.match(
    renderCompareTable(compareRuns(broken('1'), fixed('2'))),
    /^improvement   slower      sample     restart the agent   <none>              never +120 ms$/m,
  )
  t.equal(renderCompareTable(compareRuns(fixed('1'), fixed('2'))), '', 'nothing changed: no rows, no header')
  const dir = t.testdir()
  const a = writeReports(fixed('1'), dir)
  const b = writeReports(broken('2'), dir)
  let out = ''
  let err = ''
  const code = await main(['compare', a, b, '-o', 'table'], { out: (s) => void (out += s), err: (s) => void (err += s) })
  t.equal(code, 1, 'the exit code does not depend on the format')
  t.equal(out, table)
  t.match(err, /cells compared: 3 regressions/, 'the summary goes to stderr')
})

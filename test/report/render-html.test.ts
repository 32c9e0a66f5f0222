// The run page, the index page and the comparison page: content that people rely on, checked in the HTML.
import t from 'tap'
import { renderHtml } from '../../src/report/render-html.js'
import { renderIndex } from '../../src/report/render-index.js'
import { chartAssets } from '../../src/report/assets.js'
import { EMPTY_HISTORY, historyEntry, withRun } from '../../src/report/history.js'
import { compareRuns } from '../../src/report/compare-runs.js'
import { renderCompareHtml, renderCompareMarkdown } from '../../src/report/render-compare.js'
import { sampleReport } from '../helpers/report.js'
import { reportSchemaErrors } from '../helpers/schema.js'

t.test('the run page', async (t) => {
  const html = renderHtml(sampleReport())
  t.notMatch(html, /<(link|img|script)[^>]+(src|href)=["']?https?:/i, 'self-contained: nothing loaded from the network')
  t.match(html, /<span class="pill fail">FAIL<\/span>/)
  t.equal((html.match(/<table class="tt"/g) ?? []).length, 4, 'one truth table per step and target')
  t.match(
    html,
    /<td id="cell-sample-[^"]*" class="r-allowed bad" data-story="x\/b -&gt; x\/a 80\/TCP: fail-open[^"]*why \(evaluator\): egress of x\/b: not isolated; ingress of x\/a: isolated by x\/deny; no rule allows it[^"]*round 2 at 260 ms: allowed by x\/a/,
    'a disagreement is highlighted and carries its explanation and attempts',
  )
  t.match(html, /Intent violations: policies that do not do what their author meant \(2\)/)
  t.match(html, /Disagreements between prediction and observation \(2\)/)
  t.match(html, /<svg class="chart tte"/, 'a time-to-enforce chart')
  t.match(html, /<svg class="timeline"/, 'a chaos timeline')
  t.match(html, /fail-open: 300-700 ms \(400 ms\), 4 cells/)
  t.match(html, /maxFailOpen &lt;= 0 ms: observed 400 ms, VIOLATED/)
  t.match(html, /<th>nftables<\/th><td>v1\.0\.6<\/td>/, 'versions')
  t.match(html, /a &lt;sample&gt; &amp; more/, 'text is escaped')
})

t.test('history and the index page', async (t) => {
  let h = withRun(EMPTY_HISTORY, historyEntry(sampleReport('20261124-020000-bbbb', { failOpen: false })))
  h = withRun(h, historyEntry(sampleReport('20261124-010000-aaaa')))
  h = withRun(h, historyEntry(sampleReport('20261124-020000-bbbb', { failOpen: false, tte: 90 })))
  t.same(
    h.runs.map((r) => r.runId),
    ['20261124-010000-aaaa', '20261124-020000-bbbb'],
    'ordered by start, a run id once',
  )
  t.same(
    h.runs.map((r) => r.scenarios[0].status),
    ['fail', 'fail'],
    'an intent violation fails the scenario',
  )
  t.equal(h.runs[1].scenarios[0].timeToEnforceMs, 90)
  const html = renderIndex(h, chartAssets())
  t.match(html, /netpol-harness: 2 runs/)
  t.match(html, /<a href="20261124-010000-aaaa\/report.html">/)
  t.equal((html.match(/<script type="application\/json" data-chart=/g) ?? []).length, 2, 'time-to-enforce and probe-rate trends')
  t.match(html, chartAssets().js.slice(0, 200), 'the chart library is inlined: the page stays one offline file')
  t.notMatch(html, /<script[^>]+src=/, 'no external script')
  t.match(renderIndex(EMPTY_HISTORY, chartAssets()), /No runs yet/)
})

t.test('compare two runs', async (t) => {
  const a = sampleReport('20261124-010000-aaaa')
  const b = sampleReport('20261124-020000-bbbb', { failOpen: false, tte: 90 })
  const c = compareRuns(a, b)
  t.equal(c.changes.length, 2, 'the fail-open cell differs in both steps')
  t.same(c.changes[0], {
    scenario: 'sample',
    step: 'baseline',
    cell: 'x/b -> x/a 80/TCP',
    a: { result: 'allowed', classification: 'fail-open' },
    b: { result: 'allowed', classification: 'match' },
    observationChanged: false,
    classificationChanged: true,
  })
  t.same(
    c.steps.map((s) => [s.step, s.aMs, s.bMs, s.deltaMs]),
    [
      ['baseline', 2, 2, 0],
      ['restart the agent', null, 90, null],
    ],
  )
  const md = renderCompareMarkdown(c)
  t.match(md, /## Improvements \(3\)\n\n- \*\*fail-open\*\* sample \/ baseline \/ x\/b -> x\/a 80\/TCP: fail-open -> match/)
  t.match(md, /\| sample \| restart the agent \| never \| 90 ms \| n\/a \|/)
  t.match(renderCompareHtml(c), /<td class="bad">match<\/td>/)
})

t.test('the sample report follows the documented schema', async (t) => {
  t.same(reportSchemaErrors(sampleReport()), [])
  const broken = { ...sampleReport(), summary: { ...sampleReport().summary, exitCode: 7 } }
  t.ok(reportSchemaErrors(broken).length > 0, 'the schema rejects what it should')
})

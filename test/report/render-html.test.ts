// The run page, the index page and the comparison page: content that people rely on, checked in the HTML.
import t from 'tap'
import { renderHtml } from '../../src/report/render-html.js'
import { renderIndex } from '../../src/report/render-index.js'
import { chartAssets } from '../../src/report/assets.js'
import { EMPTY_HISTORY, historyEntry, withRun } from '../../src/report/history.js'
import { compareRuns } from '../../src/report/compare-runs.js'
import { renderCompareHtml, renderCompareMarkdown } from '../../src/report/render-compare.js'
import { localRunReport, sampleReport } from '../helpers/report.js'
import { upgradeReport } from '../../src/report/upgrade.js'
import type { RunReport } from '../../src/report/model.js'
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

t.test('what was tested round-trips through report.json and the schema, for every driver (issue 15)', async (t) => {
  const local = localRunReport(['skip-policy=x/deny', 'late-programming=3000ms'])
  const kind: RunReport = {
    ...sampleReport(),
    driver: {
      name: 'kind',
      chosenBy: 'flag',
      reason: '--driver kind',
      cni: 'calico v3.30.7 (iptables)',
      versions: { kind: 'kind v0.32.0' },
    },
    options: {
      ...sampleReport().options,
      driverRequested: 'kind',
      tags: [],
      skipTags: [],
      kind: {
        name: 'nph',
        workers: 2,
        calicoVersion: 'v3.30.7',
        dataplane: 'iptables',
        image: 'kindest/node:v1.34.0',
        calicoManifest: '/m/calico.yaml',
        calicoSha256: 'c'.repeat(64),
        waitSeconds: 300,
        keep: true,
      },
    },
  }
  const kube: RunReport = {
    ...sampleReport(),
    driver: { name: 'kube', chosenBy: 'flag', reason: '--driver kube', cni: 'unknown', versions: { kubernetes: 'v1.34.0' } },
    options: { ...sampleReport().options, driverRequested: 'kube', kube: { context: 'ctx', kubeconfig: '/k', allowExistingCluster: true } },
  }
  for (const r of [local, kind, kube]) {
    const back = JSON.parse(JSON.stringify(r))
    t.same(reportSchemaErrors(back), [], `${r.driver.name}: valid`)
    t.same(upgradeReport(back), r, `${r.driver.name}: read back as written`)
  }
  const bad = (options: object) => reportSchemaErrors({ ...local, options: { ...local.options, ...options } })
  t.ok(bad({ faults: 'packet-loss=10' }).length, 'faults is a list')
  t.ok(bad({ nodes: 0 }).length, 'at least one node')
  t.ok(bad({ driverRequested: 'minikube' }).length, 'a known driver')
  t.ok(bad({ kube: { context: 'c' } }).length, 'kube says whether an existing cluster was allowed')
  t.ok(reportSchemaErrors({ ...local, driver: { ...local.driver, chosenBy: 'guess' } }).length, 'chosen by flag or auto')
})

t.test('the run page header names the driver and how it was chosen, lists the options, marks a fault-injected run', async (t) => {
  const html = renderHtml(localRunReport(['packet-loss=10']))
  t.match(html, /<tr><th>driver<\/th><td>local \(chosen by auto: kind not usable here \(`kind version` failed\)\)<\/td><\/tr>/)
  t.match(
    html,
    /<h2>Options<\/h2><table class="options">.*<tr><th>faults<\/th><td>packet-loss=10<\/td><\/tr><tr><th>nodes<\/th><td>2<\/td><\/tr>/,
  )
  t.match(html, /<p class="fault-note"><span class="pill fault-injected">⚡ fault-injected<\/span> --fault packet-loss=10: /)
  t.notMatch(renderHtml(localRunReport([])), /fault-note/, 'no note without faults')
})

t.test('a comparison says when the runs were not set up alike, before its results', async (t) => {
  const c = compareRuns(localRunReport([]), localRunReport(['packet-loss=10']))
  t.same(c.runsDiffer, ['faults: none vs packet-loss=10'])
  const md = renderCompareMarkdown(c)
  t.match(
    md,
    /\n- B: [^\n]+\n\n\*\*options differ: faults: none vs packet-loss=10: a change may come from that, not from the CNI\*\*\n\n\d+ cells compared/,
  )
  t.match(renderCompareHtml(c), /<p class="differ"><b>options differ: faults: none vs packet-loss=10: /)
  t.notMatch(renderCompareMarkdown(compareRuns(localRunReport([]), localRunReport([]))), /options differ/, 'alike: nothing said')
})

t.test('the index marks a fault-injected run and never draws its failures as a regression (issue 15)', async (t) => {
  const r = sampleReport('20261124-010000-aaaa')
  const agreeing = r.scenarios.map((s) => ({
    ...s,
    steps: s.steps.map((st) => ({
      ...st,
      cells: st.cells.map((c) => ({ ...c, classification: 'match' as const, intentViolation: false })),
    })),
  }))
  let h = withRun(EMPTY_HISTORY, historyEntry(localRunReport([], { ...r, scenarios: agreeing })))
  h = withRun(h, historyEntry(localRunReport(['skip-policy=x/deny'], sampleReport('20261124-020000-bbbb'))))
  h = withRun(h, historyEntry(sampleReport('20261124-030000-cccc')))
  t.same(
    h.runs.map((r) => r.faults),
    [undefined, ['skip-policy=x/deny'], undefined],
    'the history keeps the faults of the run that had them',
  )
  t.same(
    h.runs.map((r) => r.chosenBy),
    ['auto', 'auto', undefined],
  )
  const html = renderIndex(h, chartAssets())
  t.equal(
    (html.match(/<span class="pill fault-injected" title="fault-injected run \(--fault skip-policy=x\/deny\)/g) ?? []).length,
    1,
    'the run is badged',
  )
  t.match(html, /<th title="20261124-020000-bbbb: fault-injected run[^"]*" class="fault-injected">/, 'its column is marked')
  const cells = [
    ...html.matchAll(/<td class="([^"]+)" title="sample on [^"]*\((\w{8}-\w{6}-\w{4})\)[^"]*"><a [^>]*>([^<]+)<\/a><\/td>/g),
  ].map((m) => [m[2], m[1], m[3]])
  t.same(
    cells,
    [
      ['20261124-010000-aaaa', 'r-allowed', '✔'],
      ['20261124-020000-bbbb', 'r-unsupported', '⚡'],
      ['20261124-030000-cccc', 'r-error', '✘'],
    ],
    'the same failure: expected in the fault-injected run, a regression in the other',
  )
  const spec = JSON.parse(/data-chart="trend-tte">([^<]*)</.exec(html)![1]) as { series: { values: (number | null)[] }[] }
  t.same(spec.series[0].values[1], null, 'the fault-injected run is left out of the time-to-enforce trend')
  t.match(html, /<td>local <span class="mute">\(auto\)<\/span><\/td>/, 'a driver auto chose says so')
})

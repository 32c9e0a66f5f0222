// The run page and the index page in headless Chromium: tables and charts render, cells explain themselves on
// hover, problem rows link to their cell, the filter hides scenarios, the page fits 400 px, the index draws its
// trends with the inlined chart library. Screenshots go to the test's folder (and, with NPH_UPDATE_SCREENSHOTS=1,
// the failing run's page to docs/img/ for docs/reports.md).
import t from 'tap'
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderHtml } from '../../src/report/render-html.js'
import { renderIndex } from '../../src/report/render-index.js'
import { EMPTY_HISTORY, historyEntry, withRun } from '../../src/report/history.js'
import { chartAssets } from '../../src/report/assets.js'
import type { RunReport } from '../../src/report/model.js'
import { localRunReport, sampleReport } from '../helpers/report.js'

const CHROMIUM = '/usr/bin/chromium'
const skip = existsSync(CHROMIUM) ? false : 'needs Debian chromium (apt-get install chromium; npm test installs it as root)'

t.test('pages render in Chromium', { skip, timeout: 120000 }, async (t) => {
  const { chromium } = await import('playwright-core')
  const dir = t.testdir()
  // A failing scenario and two where every cell agrees (for the filter), one slower than the other (for the scale).
  const failing = sampleReport()
  const agreeing = (name: string, tte: number) => {
    const s = sampleReport('20261124-010203-abcd', { failOpen: false, tte }).scenarios[0]
    const steps = s.steps.map((st) => ({
      ...st,
      cells: st.cells.map((c) => ({ ...c, classification: 'match' as const, intentViolation: false, explanation: undefined })),
    }))
    return { ...s, name, tags: ['calm'], steps }
  }
  const report: RunReport = { ...failing, scenarios: [...failing.scenarios, agreeing('quiet', 60), agreeing('slow', 600)] }
  writeFileSync(join(dir, 'report.html'), renderHtml(report))
  let h = withRun(EMPTY_HISTORY, historyEntry(sampleReport('20261124-010000-aaaa')))
  h = withRun(h, historyEntry(sampleReport('20261124-020000-bbbb', { failOpen: false, tte: 80 })))
  writeFileSync(join(dir, 'index.html'), renderIndex(h, chartAssets()))
  // As the machine notes say: no background networking, a fresh profile, no sandbox as root.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  t.teardown(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
  const requests: string[] = []
  page.on('request', (r) => void (r.url().startsWith('file:') || requests.push(r.url())))
  await page.goto(`file://${dir}/report.html`)
  t.same(requests, [], 'no network request')

  const table = page.locator('table.tt').first()
  const box = await table.boundingBox()
  t.ok(box && box.width > 50 && box.height > 50, `a truth table is laid out (${JSON.stringify(box)})`)
  t.equal(await page.locator('table.tt td.bad').count(), 4, 'disagreements highlighted (2 cells x 2 steps)')
  t.equal(
    await page
      .locator('table.tt td.bad')
      .first()
      .evaluate((e) => getComputedStyle(e).backgroundColor),
    'rgb(207, 34, 46)',
    'a problem cell is filled red, not only outlined',
  )
  const bars = await page
    .locator('svg.tte')
    .first()
    .locator('rect')
    .evaluateAll((rs) => rs.map((r) => (r as SVGRectElement).getBBox().width))
  t.ok(bars.length === 2 && bars.every((w) => w > 0), `time-to-enforce bars drawn (${bars})`)
  // One scale for every scenario: quiet's 60 ms is a tenth of slow's 600 ms (each on its own scale, both would be full).
  const widths = (name: string) =>
    page.locator(`section[data-name="${name}"] svg.tte rect`).evaluateAll((rs) => rs.map((r) => (r as SVGRectElement).getBBox().width))
  const quietMax = Math.max(...(await widths('quiet')))
  const slowMax = Math.max(...(await widths('slow')))
  t.ok(quietMax < slowMax * 0.2, `bars share one scale across scenarios (quiet ${quietMax} px, slow ${slowMax} px)`)
  t.ok((await page.locator('svg.timeline rect').count()) >= 3, 'chaos timeline drawn')

  // Hovering a highlighted cell shows its story, Escape closes it; a click pins it.
  const detail = page.locator('#detail')
  await page.locator('table.tt td.bad').first().hover()
  t.ok(await detail.isVisible(), 'hover opens the detail panel')
  t.match(await detail.textContent(), /why \(evaluator\): egress of x\/b: not isolated; ingress of x\/a: isolated by x\/deny/)
  await page.keyboard.press('Escape')
  t.notOk(await detail.isVisible(), 'Escape closes it')
  await page.locator('table.tt td.bad').first().click()
  await page.mouse.move(5, 5)
  t.ok(await detail.isVisible(), 'a click keeps it open after the mouse leaves')
  await page.keyboard.press('Escape')

  // A disagreement row links to its cell.
  const link = page.locator('table.problems a').first()
  const href = (await link.getAttribute('href'))!
  await link.click()
  t.equal(await page.evaluate(() => location.hash), href)
  t.equal(await page.locator(`td${href}.bad`).count(), 1, `the link lands on the highlighted cell (${href})`)

  // The filter: only problems, by classification, by text.
  const visible = () => page.locator('section.scenario:visible').evaluateAll((ss) => ss.map((s) => s.getAttribute('data-name')))
  t.same(await visible(), ['sample', 'quiet', 'slow'])
  await page.locator('#only-problems').check()
  t.same(await visible(), ['sample'], 'only problems')
  await page.locator('#only-problems').uncheck()
  await page.locator('#cls').selectOption('fail-open')
  t.same(await visible(), ['sample'], 'by classification')
  await page.locator('#cls').selectOption('')
  await page.locator('#q').fill('calm')
  t.same(await visible(), ['quiet', 'slow'], 'by tag text')
  t.match(await page.locator('#shown').textContent(), /2 of 3 scenarios shown/)
  await page.locator('#q').fill('')

  // A screenshot of the table and of the chart shows real pixels, not a blank box.
  const shot = await table.screenshot({ path: join(dir, 'table.png') })
  const chart = await page
    .locator('svg.tte')
    .first()
    .screenshot({ path: join(dir, 'chart.png') })
  const blank = await page.evaluate(() => {
    const d = document.createElement('div')
    d.id = 'blank'
    d.style.cssText = 'width:300px;height:100px;background:#fff'
    document.body.prepend(d)
    return true
  })
  t.ok(blank)
  const empty = await page.locator('#blank').screenshot()
  await page.evaluate(() => document.getElementById('blank')?.remove())
  t.ok(shot.length > empty.length * 3, `table screenshot has content (${shot.length} vs blank ${empty.length} bytes)`)
  t.ok(chart.length > empty.length * 2, `chart screenshot has content (${chart.length} vs blank ${empty.length} bytes)`)

  const full = await page.screenshot({ path: join(dir, 'failing-run.png'), fullPage: false })
  t.ok(full.length > empty.length * 3, 'the failing run page screenshot has content')
  if (process.env.NPH_UPDATE_SCREENSHOTS === '1') {
    mkdirSync('docs/img', { recursive: true })
    copyFileSync(join(dir, 'failing-run.png'), 'docs/img/failing-run.png')
  }

  // 400 px wide (a phone): the page itself never scrolls sideways; wide tables scroll inside their box.
  await page.setViewportSize({ width: 400, height: 800 })
  t.ok(
    await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    `no sideways scroll at 400 px (${await page.evaluate(() => document.documentElement.scrollWidth)})`,
  )
  await page.screenshot({ path: join(dir, 'failing-run-400px.png') })
  await page.setViewportSize({ width: 1200, height: 900 })

  await page.goto(`file://${dir}/index.html`)
  t.same(requests, [], 'the index makes no network request either')
  t.equal(await page.locator('table.grid tbody tr').count(), 1, 'one scenario row in the history grid')
  t.match(await page.locator('table.grid thead').textContent(), /2026-11-24 01:00.*2026-11-24 02:00/, 'runs by date')
  t.equal(await page.locator('.uplot canvas').count(), 2, 'both trends drawn by the chart library')
  // The legend names every series in its colour, "never" included.
  const legend = await page
    .locator('#trend-tte .u-legend .u-series')
    .evaluateAll((rows) =>
      rows.map((r) => [
        r.querySelector('.u-label')?.textContent,
        (r.querySelector('.u-marker') as HTMLElement | null)?.style.borderColor ?? '',
      ]),
    )
  t.same(
    legend.slice(1).map(([name]) => name),
    ['median scenario time to enforce', 'slowest scenario', 'a scenario never converged'],
  )
  t.same(
    legend.slice(1).map(([, color]) => color),
    ['rgb(9, 105, 218)', 'rgb(188, 76, 0)', 'rgb(207, 34, 46)'],
    'legend colours are the series colours',
  )
  const canvas = await page.locator('#trend-tte canvas').screenshot({ path: join(dir, 'index-tte.png') })
  t.ok(canvas.length > empty.length * 2, 'the trend chart has pixels')
  await page.screenshot({ path: join(dir, 'index.png'), fullPage: true })
})

t.test(
  'what was tested, in Chromium: the run page header and a fault-injected run in the index (issue 15)',
  { skip, timeout: 120000 },
  async (t) => {
    const { chromium } = await import('playwright-core')
    const dir = t.testdir()
    const faulty = localRunReport(['packet-loss=10'], sampleReport('20261124-020000-bbbb'))
    writeFileSync(join(dir, 'report.html'), renderHtml(faulty))
    let h = withRun(EMPTY_HISTORY, historyEntry(localRunReport([], sampleReport('20261124-010000-aaaa'))))
    h = withRun(h, historyEntry(faulty))
    writeFileSync(join(dir, 'index.html'), renderIndex(h, chartAssets()))
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
    })
    t.teardown(() => browser.close())
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
    await page.goto(`file://${dir}/report.html`)
    const row = (table: string, name: string) =>
      page.locator(`table.${table} tr`, { has: page.locator(`th:text-is("${name}")`) }).locator('td')
    t.equal(await row('versions', 'driver').textContent(), 'local (chosen by auto: kind not usable here (`kind version` failed))')
    t.equal(await row('versions', 'CNI').textContent(), 'netpol-harness local nftables dataplane')
    t.equal(await row('options', 'faults').textContent(), 'packet-loss=10')
    t.equal(await row('options', 'nodes').textContent(), '2')
    const note = page.locator('p.fault-note')
    t.ok(await note.isVisible(), 'the fault-injected note is shown')
    t.ok((await note.boundingBox())!.y < (await page.locator('table.versions').boundingBox())!.y, 'above the versions, near the top')
    t.equal(
      await page.locator('p.fault-note .pill').evaluate((e) => getComputedStyle(e).backgroundColor),
      'rgb(130, 80, 223)',
      'the badge has its own colour (not the fail red)',
    )
    await page.goto(`file://${dir}/index.html`)
    const badge = page.locator('table.runs .pill.fault-injected')
    t.equal(await badge.count(), 1, 'one run badged')
    t.match(await badge.getAttribute('title'), /packet-loss=10.*not a regression/)
    const marks = await page.locator('table.grid tbody td').evaluateAll((tds) => tds.map((td) => [td.className, td.textContent]))
    t.same(
      marks,
      [
        ['r-error', '✘'],
        ['r-unsupported', '⚡'],
      ],
      'the same failure: red in the clean run, the fault mark in the fault-injected one',
    )
    t.not(
      await page.locator('table.grid tbody td.r-unsupported').evaluate((e) => getComputedStyle(e).backgroundColor),
      await page.locator('table.grid tbody td.r-error').evaluate((e) => getComputedStyle(e).backgroundColor),
      'drawn differently from a failure',
    )
  },
)

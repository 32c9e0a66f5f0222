// The run page and the index page in headless Chromium: tables and charts render, cells explain themselves.
import t from 'tap'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderHtml } from '../../src/report/render-html.js'
import { renderIndex } from '../../src/report/render-index.js'
import { EMPTY_HISTORY, historyEntry, withRun } from '../../src/report/history.js'
import { sampleReport } from '../helpers/report.js'

const CHROMIUM = '/usr/bin/chromium'
const skip = existsSync(CHROMIUM) ? false : 'needs Debian chromium (apt-get install chromium; npm test installs it as root)'

t.test('pages render in Chromium', { skip, timeout: 120000 }, async (t) => {
  const { chromium } = await import('playwright-core')
  const dir = t.testdir()
  writeFileSync(join(dir, 'report.html'), renderHtml(sampleReport()))
  let h = withRun(EMPTY_HISTORY, historyEntry(sampleReport('20261124-010000-aaaa')))
  h = withRun(h, historyEntry(sampleReport('20261124-020000-bbbb', { failOpen: false, tte: 80 })))
  writeFileSync(join(dir, 'index.html'), renderIndex(h))
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
  const bars = await page.locator('svg.tte rect').evaluateAll((rs) => rs.map((r) => (r as SVGRectElement).getBBox().width))
  t.ok(bars.length === 2 && bars.every((w) => w > 0), `time-to-enforce bars drawn (${bars})`)
  t.ok((await page.locator('svg.timeline rect').count()) >= 3, 'chaos timeline drawn')

  // Clicking a highlighted cell opens its story.
  await page.locator('table.tt td.bad').first().click()
  const detail = page.locator('#detail')
  t.ok(await detail.isVisible(), 'the detail panel opens')
  t.match(await detail.textContent(), /why \(evaluator\): egress of x\/b: not isolated; ingress of x\/a: isolated by x\/deny/)

  // A screenshot of the table and of the chart shows real pixels, not a blank box.
  const shot = await table.screenshot({ path: join(dir, 'table.png') })
  const chart = await page.locator('svg.tte').screenshot({ path: join(dir, 'chart.png') })
  const blank = await page.evaluate(() => {
    const d = document.createElement('div')
    d.id = 'blank'
    d.style.cssText = 'width:300px;height:100px;background:#fff'
    document.body.prepend(d)
    return true
  })
  t.ok(blank)
  const empty = await page.locator('#blank').screenshot()
  t.ok(shot.length > empty.length * 3, `table screenshot has content (${shot.length} vs blank ${empty.length} bytes)`)
  t.ok(chart.length > empty.length * 2, `chart screenshot has content (${chart.length} vs blank ${empty.length} bytes)`)

  await page.goto(`file://${dir}/index.html`)
  t.equal(await page.locator('table.grid tbody tr').count(), 1, 'one scenario row in the history grid')
  t.equal(await page.locator('svg.chart path').count(), 3, 'trend lines drawn')
})

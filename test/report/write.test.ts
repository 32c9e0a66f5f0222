// write.ts writes every format chunk by chunk; the files are the renderers' text, whole, whatever their size.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeReports } from '../../src/report/write.js'
import { junitChunks } from '../../src/report/render-junit.js'
import { markdownChunks } from '../../src/report/render-markdown.js'
import { sampleReport } from '../helpers/report.js'

t.test('report.json, junit.xml and report.md are exactly the rendered text, across many write batches', async (t) => {
  const r = sampleReport()
  // Enough scenarios that every file takes several 64 KiB writes.
  const big = { ...r, scenarios: Array.from({ length: 300 }, (_, i) => r.scenarios.map((s) => ({ ...s, name: `${s.name}-${i}` }))).flat() }
  const dir = t.testdir()
  const out = writeReports(big, dir)
  const json = readFileSync(join(out, 'report.json'), 'utf8')
  t.ok(json.length > 4 * 65536, `report.json is ${json.length} bytes`)
  t.equal(json, JSON.stringify(big, null, 2) + '\n')
  t.same(JSON.parse(json), big)
  t.equal(readFileSync(join(out, 'junit.xml'), 'utf8'), [...junitChunks(big)].join(''))
  t.equal(readFileSync(join(out, 'report.md'), 'utf8'), [...markdownChunks(big)].join(''))
  t.match(readFileSync(join(out, 'report.html'), 'utf8'), /^<!doctype html>/i)
})

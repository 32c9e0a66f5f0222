// junit.xml validates against the JUnit XML schema CI systems read (xmllint from libxml2-utils).
import t from 'tap'
import { execa } from 'execa'
import { junitChunks } from '../../src/report/render-junit.js'
import { sampleReport } from '../helpers/report.js'

const renderJunit = (r: Parameters<typeof junitChunks>[0]) => [...junitChunks(r)].join('')

const xmllint = await execa('xmllint', ['--version'], { reject: false })
const skip = xmllint.exitCode === 0 ? false : 'needs xmllint (apt-get install libxml2-utils; npm test installs it as root)'

async function lint(xml: string) {
  const dir = t.testdir({ 'junit.xml': xml })
  return execa('xmllint', ['--noout', '--schema', 'test/fixtures/schemas/junit.xsd', `${dir}/junit.xml`], { reject: false })
}

t.test('a failing run', { skip }, async (t) => {
  const xml = renderJunit(sampleReport())
  const r = await lint(xml)
  t.equal(r.exitCode, 0, r.stderr)
  t.match(xml, /<failure message="2 disagreeing cells \(fail-open, intent-violation\)"/, 'the failure message is short')
  t.match(xml, /fail-open: x\/b -&gt; x\/a 80\/TCP: predicted deny, observed allowed/, 'the body lists every cell')
})

t.test('a passing run and an infrastructure error', { skip }, async (t) => {
  t.equal((await lint(renderJunit(sampleReport('20261124-010203-abcd', { failOpen: false })))).exitCode, 0)
  const r = sampleReport()
  const errored = { ...r, scenarios: [{ ...r.scenarios[0], steps: [], error: 'nft failed in nph-1: <oops>' }] }
  const res = await lint(renderJunit(errored))
  t.equal(res.exitCode, 0, res.stderr)
})

t.test('the schema is not a rubber stamp', { skip }, async (t) => {
  t.not((await lint('<testsuites><testsuite tests="1"><testcase/></testsuite></testsuites>')).exitCode, 0, 'names are required')
})

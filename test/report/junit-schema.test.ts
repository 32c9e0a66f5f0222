// junit.xml validates against the JUnit XML schema CI systems read (xmllint from libxml2-utils).
import t from 'tap'
import { execa } from 'execa'
import { junitChunks } from '../../src/report/render-junit.js'
import { localRunReport, sampleReport } from '../helpers/report.js'

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
  // One failing testcase per problem cell, named by the cell, pointing at the scenario file, with the command that
  // reproduces the evaluator's reasoning.
  t.match(
    xml,
    /<testcase classname="sample" name="step 1: baseline: x\/b -&gt; x\/a 80\/TCP" file="scenarios\/sample.yaml" time="[\d.]+">\n\s+<failure message="fail-open: x\/b -&gt; x\/a 80\/TCP" type="fail-open">fail-open: x\/b -&gt; x\/a 80\/TCP: predicted deny, observed allowed/,
  )
  t.match(
    xml,
    /reproduce the reasoning: netpol-harness explain scenarios\/sample.yaml --step 1 --from x\/b --to x\/a --port 80 --protocol TCP</,
  )
  t.match(
    xml,
    /name="step 2: restart the agent: chaos invariants"[^>]*>\n\s+<failure message="1 chaos invariants violated" type="invariant">/,
  )
  // The counts the suite states are the testcases it holds.
  const suite = /<testsuite name="sample" tests="(\d+)" failures="(\d+)" errors="0" skipped="0"/.exec(xml)!
  t.equal(Number(suite[1]), (xml.match(/<testcase /g) ?? []).length, 'tests = testcases')
  t.equal(Number(suite[2]), (xml.match(/<failure /g) ?? []).length, 'failures = failing testcases')
})

t.test('a step where nothing could be probed is skipped with the reason, not passed', { skip }, async (t) => {
  const r = sampleReport('20261124-010203-abcd', { failOpen: false })
  const sctp = r.scenarios[0].steps[0]
  const cells = sctp.cells.map((c) => ({
    ...c,
    classification: 'unsupported' as const,
    intentViolation: false,
    observation: { result: 'unsupported' as const, detail: 'the local driver has no SCTP (no kernel module)', attempts: [] },
  }))
  const xml = renderJunit({ ...r, scenarios: [{ ...r.scenarios[0], steps: [{ ...sctp, cells }] }] })
  t.equal((await lint(xml)).exitCode, 0)
  t.match(
    xml,
    /<testcase classname="sample" name="step 1: baseline"[^>]*>\n\s+<skipped message="nothing could be probed: the local driver has no SCTP \(no kernel module\)"\/>/,
  )
  t.match(xml, /<testsuite name="sample" tests="1" failures="0" errors="0" skipped="1"/)
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
  t.not(
    (await lint('<testsuites><testsuite name="s" tests="1"><testcase name="c" fiel="x"/></testsuite></testsuites>')).exitCode,
    0,
    'unknown attributes are rejected',
  )
})

t.test('a scenario the driver cannot run is a skipped testcase with the reason', { skip }, async (t) => {
  const r = sampleReport()
  const s = { ...r.scenarios[0], steps: [], unsupported: 'IPv6 is not supported by the local driver' }
  const xml = renderJunit({ ...r, scenarios: [s] })
  t.equal((await lint(xml)).exitCode, 0)
  t.match(
    xml,
    /<testcase classname="sample" name="scenario"[^>]*>\n\s+<skipped message="unsupported by this driver, not run: IPv6 is not supported/,
  )
  t.match(xml, /<testsuite name="sample" tests="1" failures="0" errors="0" skipped="1"/)
})

t.test('every suite carries what was tested as <properties>: driver, CNI, versions, options, faults (issue 15)', { skip }, async (t) => {
  const xml = renderJunit(localRunReport(['skip-policy=x/deny', 'packet-loss=10']))
  const r = await lint(xml)
  t.equal(r.exitCode, 0, r.stderr)
  const suites = xml.match(/<testsuite /g)!.length
  t.equal(xml.match(/<properties>/g)?.length, suites, 'one <properties> per suite (the XSD allows it only there)')
  const props = new Map([...xml.matchAll(/<property name="([^"]+)" value="([^"]*)"\/>/g)].map((m) => [m[1], m[2]]))
  t.equal(props.get('driver'), 'local')
  t.equal(props.get('driver.chosenBy'), 'auto')
  t.equal(props.get('driver.reason'), 'kind not usable here (`kind version` failed)')
  t.equal(props.get('cni'), 'netpol-harness local nftables dataplane')
  t.equal(props.get('version.nftables'), 'v1.0.6')
  t.equal(props.get('version.kernel'), '6.1')
  t.equal(props.get('option.faults'), 'skip-policy=x/deny, packet-loss=10')
  t.equal(props.get('option.nodes'), '2')
  t.equal(props.get('option.settle'), '30s')
  t.equal(props.get('option.adaptive-timeout'), '4 x p99, at least 250ms')
  t.equal(props.get('fault-injected'), 'true')
  const clean = renderJunit(localRunReport([]))
  t.match(clean, /<property name="option.faults" value="none"\/>/)
  t.match(clean, /<property name="fault-injected" value="false"\/>/)
  t.equal((await lint(renderJunit(sampleReport()))).exitCode, 0, 'a report without the new fields still validates')
})

t.test("staged policies: the step's first testcase carries them as output, after its failure; counts unchanged", { skip }, async (t) => {
  const base = sampleReport()
  const staged = [
    { from: 'x/a', to: 'x/b', port: 80, protocol: 'TCP' as const, now: 'allow' as const, wouldBe: 'deny' as const, policies: [] },
  ]
  const r = { ...base, scenarios: base.scenarios.map((s) => ({ ...s, steps: s.steps.map((st) => ({ ...st, staged })) })) }
  const xml = renderJunit(r)
  t.equal((await lint(xml)).exitCode, 0, 'valid: <system-out> after <failure>')
  t.match(
    xml,
    /<failure message="fail-open: x\/b -&gt; x\/a 80\/TCP"[^]*?<\/failure>\n\s+<system-out>staged policies \(not enforced\) would change 1 cell; probed against the prediction without them\nx\/a -&gt; x\/b 80\/TCP: allow, would be deny \(only the staged policies together\)<\/system-out>\n\s+<\/testcase>/,
  )
  t.equal(xml.match(/<system-out>/g)?.length, 2, 'once per step (two steps)')
  const counts = (x: string) => /<testsuites [^>]*tests="(\d+)" failures="(\d+)"/.exec(x)!.slice(1)
  t.same(counts(xml), counts(renderJunit(base)), 'information: no testcase or failure more')
})

// `run` end to end on the local dataplane with a fault injected (issue 15): the first line says what is tested, and
// report.json, the journal, report.md, junit.xml, history.json and index.html all record the driver and the options;
// `compare` against the same run without the fault warns that the options differ.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cannotRunLocal, netnsCreatedSince, netnsNames } from '../helpers/can-run.js'
import { reportSchemaErrors } from '../helpers/schema.js'
import { runCli as run } from '../helpers/cli.js'
import { readRunReport, runFolder } from '../helpers/local-run.js'

t.test('a fault-injected local run records what was tested everywhere', { timeout: 120000, skip: await cannotRunLocal() }, async (t) => {
  const dir = t.testdir()
  const before = await netnsNames()
  const fault = 'skip-policy=prod/customer-from-web'
  const args = ['run', 'scenarios/basics', '--driver', 'local', '--fault', fault, '--reprobes', '0', '--settle', '3s', '--report-dir', dir]
  const r = await run(args)
  t.equal(r.code, 1, 'the skipped policy is caught (fail-open)')
  t.match(
    r.err.split('\n')[0],
    /^netpol-harness [\d.]+: driver local \(--driver local\); CNI: netpol-harness local nftables dataplane; versions: nftables v[^;]+; 2 nodes, faults: skip-policy=prod\/customer-from-web$/,
    'the first line, before anything else',
  )
  t.same(await netnsCreatedSince(before), [], 'nothing left behind')
  const runDir = runFolder(dir)
  const report = readRunReport(dir)
  t.same(reportSchemaErrors(report), [])
  t.match(report.driver, { name: 'local', chosenBy: 'flag', reason: '--driver local', cni: 'netpol-harness local nftables dataplane' })
  t.match(report.driver.versions, { nftables: /^nftables v/, kernel: /./, python3: /^3\./, iproute2: /iproute2/ }, 'before and after up')
  t.match(report.options, {
    settleMs: 3000,
    reprobes: 0,
    driverRequested: 'local',
    faults: [fault],
    nodes: 2,
    resyncMs: 2000,
    tags: [],
    skipTags: [],
    parallel: 1,
    enforceWithinMs: 5000,
  })
  const header = JSON.parse(readFileSync(join(runDir, 'scenarios.jsonl'), 'utf8').split('\n')[0])
  t.same(header.options, report.options, 'the journal header records the same options')
  t.equal(header.driver.chosenBy, 'flag')
  t.match(readFileSync(join(runDir, 'report.md'), 'utf8'), /\n\*\*Fault-injected run\*\* \(--fault skip-policy=prod\/customer-from-web\)/)
  t.match(readFileSync(join(runDir, 'junit.xml'), 'utf8'), /<property name="option.faults" value="skip-policy=prod\/customer-from-web"\/>/)
  const history = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'))
  t.same(history.runs[0].faults, [fault])
  t.match(readFileSync(join(dir, 'index.html'), 'utf8'), /⚡ fault-injected/)

  // The same run without the fault: compare says the options differ before anything else.
  const clean = { ...report, options: { ...report.options, faults: [] } }
  writeFileSync(join(dir, 'clean.json'), JSON.stringify(clean))
  const c = await run(['compare', join(dir, 'clean.json'), join(runDir, 'report.json'), '--fail-on', 'none'])
  t.equal(c.code, 0, c.err)
  t.match(
    c.err,
    /^warning: options differ: faults: none vs skip-policy=prod\/customer-from-web: a change may come from that, not from the CNI\n/,
  )
  t.match(c.out, /\*\*options differ: faults: none vs skip-policy=prod\/customer-from-web/)
})

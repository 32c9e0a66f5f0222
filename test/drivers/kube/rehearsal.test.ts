// The whole scenario library through the kube driver (issue 12): every shipped scenario goes through up, every step,
// probe and down on the kube path, against an API backed by the local driver (test/helpers/rehearsal-kube.ts), with
// the probe script run for real in the pods' namespaces. This is what fakes that answered "allowed" by themselves
// could never show: the wire of the kube driver (namespaces that pre-exist, pods that become Ready later, exec exit
// status, agnhost's outputs) carrying real verdicts. Needs root, ip, nft and cc; says why it skips otherwise.
import t from 'tap'
import { execa } from 'execa'
import { join } from 'node:path'
import { KubeDriver } from '../../../src/drivers/kube/index.js'
import { runScenarios } from '../../../src/runner/run.js'
import { DEFAULT_RUN_OPTIONS } from '../../../src/runner/run-step.js'
import { loadScenarios } from '../../../src/scenario/load.js'
import { DISAGREEMENTS } from '../../../src/model/observation.js'
import { RehearsalKube } from '../../helpers/rehearsal-kube.js'

async function canRun(): Promise<string | false> {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and nftables)'
  for (const [tool, arg] of [['ip', '-V'], ['nft', '--version'], ['cc', '--version']]) if ((await execa(tool, [arg], { reject: false })).exitCode !== 0) return `needs ${tool}`
  return false
}
const skip = await canRun()

t.test('every shipped scenario through the kube driver: all listed, every step run, zero disagreements', { skip, timeout: 20 * 60000 }, async (t) => {
  const agnhost = join(t.testdir(), 'agnhost')
  await execa('cc', ['-O2', '-o', agnhost, 'test/fixtures/agnhost/connect.c'])
  const scenarios = loadScenarios(['scenarios/'])
  const signal = new AbortController().signal
  const apis: RehearsalKube[] = []
  let next = 0
  const report = await runScenarios(
    scenarios,
    () => {
      const api = new RehearsalKube(scenarios[next++], agnhost, signal)
      apis.push(api)
      const driver = new KubeDriver({ api, runId: 'rehearsal', createdByUs: true, nodes: api.nodes(), requestIpsIn: '0.0.0.0/0', podReadyTimeoutMs: 60000 })
      const down = driver.down.bind(driver)
      driver.down = async () => {
        await down()
        await api.local.down()
      }
      return driver
    },
    'rehearsal',
    { ...DEFAULT_RUN_OPTIONS, settleMs: 10000 },
    signal,
    { scenarioEnd: (r) => console.error(`# rehearsal: ${r.name} ${r.error ?? ''} ${r.durationMs} ms`) },
  )
  const bad = report.scenarios
    .map((s) => ({ name: s.name, error: s.error, problems: s.steps.flatMap((st) => st.cells.filter((c) => DISAGREEMENTS.has(c.classification)).map((c) => `${st.name}: ${c.from} -> ${c.to} ${c.port}/${c.protocol} ${c.classification}`)) }))
    .filter((s) => s.error || s.problems.length)
  for (const s of bad) t.comment(`${s.name}: ${s.error ?? ''} ${s.problems.slice(0, 5).join('; ')}`)
  t.same(report.scenarios.map((s) => s.name), scenarios.map((s) => s.name), `all ${scenarios.length} scenarios in the report`)
  t.same(report.scenarios.map((s) => s.steps.length), scenarios.map((s) => s.steps.length), 'every step of every scenario ran')
  t.same(bad, [], 'no scenario failed and no cell disagreed on the kube path')
  t.ok(apis.every((a) => a.scripts.every((s) => s.startsWith('/bin/sh -c '))), 'every probe went through the one-exec sh script')
  t.ok(report.summary.cells > 10000, `${report.summary.cells} cells judged`)
  const left = (await execa('ip', ['netns', 'list'])).stdout.trim()
  t.equal(left, '', 'no network namespace left behind')
})

// The run: a scenario the driver says it cannot run is reported `unsupported` without being set up, and the run goes on.
import t from 'tap'
import type { Driver, ProbeConnection } from '../../src/drivers/driver.js'
import type { RawOutcome } from '../../src/model/observation.js'
import type { Scenario } from '../../src/model/scenario.js'
import type { ClusterState } from '../../src/model/state.js'
import { initialState } from '../../src/scenario/apply-actions.js'
import { parseScenario } from '../../src/scenario/parse.js'
import { runScenarios } from '../../src/runner/run.js'
import { reportSchemaErrors } from '../helpers/schema.js'

function scenario(name: string): Scenario {
  const r = parseScenario(
    `name: ${name}\nnamespaces: {x: {pods: {a: {}}}}\nprobe: {ports: [80], timeout: 100ms}\nsteps: [{name: one}]\n`,
    `${name}.yaml`,
    () => undefined,
  )
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.scenario
}

/** Every connection answers; scenarios named `no-*` are unsupported; records which scenarios were set up. */
class PickyDriver implements Driver {
  info = { name: 'local' as const, cni: 'picky', versions: {} }
  private st?: ClusterState
  constructor(private readonly ups: string[]) {}
  scenarioUnsupported(s: Scenario) {
    return s.name.startsWith('no-') ? `cannot run ${s.name}` : undefined
  }
  async up(s: Scenario) {
    this.ups.push(s.name)
    this.st = initialState(s)
  }
  async apply() {}
  state() {
    return this.st!
  }
  unsupported() {
    return undefined
  }
  async probe(conns: readonly ProbeConnection[]): Promise<RawOutcome[]> {
    return conns.map((c) => ({ key: c.key, outcome: 'connected', latencyMs: 1, answeredBy: c.to }))
  }
  chaosUnsupported() {
    return undefined
  }
  async chaos() {}
  async down() {}
}

t.test('an unsupported scenario in the middle is reported as such and the scenarios after it still run', async (t) => {
  const ups: string[] = []
  const opts = { settleMs: 500, reprobes: 1, roundIntervalMs: 10 }
  const report = await runScenarios(
    [scenario('a'), scenario('no-v6'), scenario('c')],
    () => new PickyDriver(ups),
    '20260101-000000-abcd',
    opts,
    new AbortController().signal,
  )
  t.same(ups, ['a', 'c'], 'nothing of the unsupported scenario was set up')
  t.same(
    report.scenarios.map((s) => [s.name, s.unsupported, s.error, s.steps.length]),
    [
      ['a', undefined, undefined, 1],
      ['no-v6', 'cannot run no-v6', undefined, 0],
      ['c', undefined, undefined, 1],
    ],
  )
  t.equal(report.summary.exitCode, 0, 'unsupported is not a failure')
  t.same(reportSchemaErrors(JSON.parse(JSON.stringify(report))), [], 'the report follows docs/report.schema.json')
})

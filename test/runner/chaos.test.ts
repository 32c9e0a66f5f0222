// The chaos phase's sampling with a slow scripted driver: rounds never pile up beyond what the driver takes.
import t from 'tap'
import type { Driver, ProbeConnection } from '../../src/drivers/driver.js'
import type { RawOutcome } from '../../src/model/observation.js'
import type { Scenario } from '../../src/model/scenario.js'
import type { ClusterState } from '../../src/model/state.js'
import { runChaos } from '../../src/runner/chaos.js'
import { initialState } from '../../src/scenario/apply-actions.js'
import { parseScenario } from '../../src/scenario/parse.js'
import { sleep } from '../../src/util/sleep.js'

const TEXT = `name: s
namespaces: {x: {pods: {a: {}, b: {}}}}
probe: {targets: [{port: 80}]}
steps:
  - name: fault
    chaos: [{action: flush-dataplane, node: all}]
    during: {interval: 50ms, timeout: 200ms, settle: 1s}
`

/** Every round takes `roundMs` (a cluster's exec per source pod); records how many rounds overlap. */
class SlowDriver implements Driver {
  info = { name: 'kube' as const, cni: 'scripted', versions: {} }
  inFlight = 0
  maxInFlight = 0
  rounds = 0
  private readonly st: ClusterState
  constructor(
    s: Scenario,
    private readonly roundMs: number,
    readonly sampleConcurrency?: number,
  ) {
    this.st = initialState(s)
  }
  async up() {}
  async apply() {}
  state() {
    return this.st
  }
  unsupported() {
    return undefined
  }
  async probe(conns: readonly ProbeConnection[]): Promise<RawOutcome[]> {
    this.rounds++
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight)
    await sleep(this.roundMs)
    this.inFlight--
    return conns.map((c) => ({ key: c.key, outcome: 'connected', latencyMs: 1, answeredBy: c.to }))
  }
  chaosUnsupported() {
    return undefined
  }
  async chaos() {
    await sleep(400)
  }
  async down() {}
}

const parsed = parseScenario(TEXT, 's.yaml', () => undefined)
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems))
const scenario = parsed.scenario
const step = scenario.steps[0]
const signal = new AbortController().signal

// Issue 12, defect 9: a round every 200 ms while each takes longer than that stacked execs on a real cluster.
t.test('by default a sample round waits for the previous one', async (t) => {
  const d = new SlowDriver(scenario, 150)
  const [report] = await runChaos(d, scenario, step, signal)
  t.equal(d.maxInFlight, 1, 'never two rounds at once')
  t.ok(d.rounds >= 3, `rounds went on back to back (${d.rounds})`)
  t.equal(report.recoveryMs !== null, true, 'recovery still measured')
})

t.test('a driver that takes overlapping rounds gets them, up to its limit', async (t) => {
  const d = new SlowDriver(scenario, 150, 2)
  await runChaos(d, scenario, step, signal)
  t.equal(d.maxInFlight, 2, 'two rounds overlap, never three')
})

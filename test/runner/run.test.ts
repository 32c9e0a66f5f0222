// runScenarios with --parallel: scenarios at once, each on its own driver, the report in scenario order, a fatal
// environment error stops new starts, an interrupt takes every running driver down.
import t from 'tap'
import type { Driver, ProbeConnection } from '../../src/drivers/driver.js'
import { EnvironmentError } from '../../src/errors.js'
import type { RawOutcome } from '../../src/model/observation.js'
import type { Scenario } from '../../src/model/scenario.js'
import type { ClusterState } from '../../src/model/state.js'
import { initialState } from '../../src/scenario/apply-actions.js'
import { parseScenario } from '../../src/scenario/parse.js'
import { DEFAULT_RUN_OPTIONS } from '../../src/runner/run-step.js'
import { runScenarios } from '../../src/runner/run.js'
import { defaultParallel } from '../../src/runner/parallel.js'
import { sleep } from '../../src/util/sleep.js'

function scenario(name: string): Scenario {
  const r = parseScenario(
    `name: ${name}
namespaces: {x: {pods: {a: {}, b: {}}}}
probe: {timeout: 100ms}
steps: [{name: open}]
`,
    `${name}.yaml`,
    () => undefined,
  )
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.scenario
}

/** Every driver the run made, and how many were up at once at most. */
class Fleet {
  up = 0
  maxUp = 0
  downs: string[] = []
  constructor(private readonly upMs: (name: string) => number) {}
  make = (s: Scenario): Driver => {
    const fleet = this
    let st: ClusterState
    return {
      info: { name: 'local', cni: 'fake', versions: {} },
      async up(sc: Scenario, signal: AbortSignal) {
        fleet.up++
        fleet.maxUp = Math.max(fleet.maxUp, fleet.up)
        st = initialState(sc)
        if (sc.name === 'no-root') throw new EnvironmentError('needs root')
        await sleep(fleet.upMs(sc.name), signal)
      },
      async apply() {},
      state: () => st,
      async probe(conns: readonly ProbeConnection[]): Promise<RawOutcome[]> {
        return conns.map((c) => ({ key: c.key, outcome: 'connected', latencyMs: 1, answeredBy: c.to }))
      },
      unsupported: () => undefined,
      chaosUnsupported: () => undefined,
      async chaos() {},
      async down() {
        fleet.up--
        fleet.downs.push(s.name)
      },
    }
  }
}

const opts = { ...DEFAULT_RUN_OPTIONS, roundIntervalMs: 10 }

t.test('parallel scenarios: at most N at once, the report in scenario order whatever order they end in', async (t) => {
  const names = ['slow', 'fast1', 'fast2', 'fast3', 'fast4']
  const fleet = new Fleet((n) => (n === 'slow' ? 300 : 20))
  const ended: number[] = []
  const r = await runScenarios(
    names.map(scenario),
    fleet.make,
    'run',
    opts,
    new AbortController().signal,
    { scenarioEnd: (_r, i) => ended.push(i) },
    3,
  )
  t.same(
    r.scenarios.map((s) => s.name),
    names,
  )
  t.equal(fleet.maxUp, 3, 'three drivers up at once, never more')
  t.equal(ended[0], 1, 'a fast scenario ended first')
  t.equal(ended.at(-1), 0, 'the slow one last: the fast ones ran beside it')
  t.equal(r.summary.exitCode, 0)
  t.equal(r.options.parallel, 3)
  t.ok(r.scenarios.every((s) => s.steps.length === 1 && s.steps[0].converged))
})

t.test('parallel 1 runs one scenario at a time', async (t) => {
  const fleet = new Fleet(() => 5)
  const r = await runScenarios(['a', 'b', 'c'].map(scenario), fleet.make, 'run', opts, new AbortController().signal, {}, 1)
  t.equal(fleet.maxUp, 1)
  t.same(fleet.downs, ['a', 'b', 'c'])
  t.equal(r.options.parallel, 1)
})

t.test('a fatal environment error: running scenarios finish, none starts after it, the rest say why', async (t) => {
  const fleet = new Fleet((n) => (n === 'long' ? 100 : 5))
  const r = await runScenarios(['long', 'no-root', 'c', 'd'].map(scenario), fleet.make, 'run', opts, new AbortController().signal, {}, 2)
  t.same(
    r.scenarios.map((s) => s.error ?? 'ok'),
    ['ok', 'needs root', 'not run: needs root', 'not run: needs root'],
  )
  t.equal(r.summary.exitCode, 3)
})

t.test('an interrupt takes every running driver down', async (t) => {
  const fleet = new Fleet(() => 10000)
  const ac = new AbortController()
  setTimeout(() => ac.abort(), 100)
  const r = await runScenarios(['a', 'b', 'c', 'd'].map(scenario), fleet.make, 'run', opts, ac.signal, {}, 3)
  t.equal(fleet.up, 0, 'no driver left up')
  t.same([...fleet.downs].sort(), ['a', 'b', 'c'])
  t.same(
    r.scenarios.map((s) => s.error),
    ['interrupted', 'interrupted', 'interrupted', 'not run: interrupted'],
  )
  t.equal(r.summary.exitCode, 130)
})

t.test('--parallel auto: two local scenarios per CPU (at most 8), one at a time on a cluster', async (t) => {
  t.equal(defaultParallel('local', 2), 4, 'two per CPU')
  t.equal(defaultParallel('local', 1), 2)
  t.equal(defaultParallel('local', 64), 8)
  t.equal(defaultParallel('kind', 16), 1)
  t.equal(defaultParallel('kube', 16), 1)
})

// The suite bench's breakdown of a run report: where a run's time went, summed over scenarios.
import t from 'tap'
import { breakdown } from '../../src/bench/suite.js'
import type { RunReport, ScenarioReport } from '../../src/report/model.js'
import { sampleReport } from '../helpers/report.js'

t.test('setup, steps, chaos steps and teardown add up to each scenario', async (t) => {
  const base = sampleReport()
  const s0 = base.scenarios[0]
  const steps = s0.steps.map((st, i) => ({ ...st, durationMs: 1000 * (i + 1), applyMs: 100 }))
  const chaosSteps = steps.filter((st) => st.chaos?.length)
  t.ok(chaosSteps.length > 0 && chaosSteps.length < steps.length, 'the sample has chaos and plain steps')
  const own = steps.reduce((n, st) => n + st.durationMs, 0)
  const slow: ScenarioReport = { ...s0, name: 'slow', setupMs: 5000, durationMs: 5000 + own + 700, steps }
  const quick: ScenarioReport = { ...s0, name: 'quick', setupMs: 10, durationMs: 10 + own + 5, steps }
  const r: RunReport = { ...base, durationMs: 12345, scenarios: [quick, slow] }
  const b = breakdown(r)
  t.equal(b.wallMs, 12345)
  t.equal(b.scenarios, 2)
  t.equal(b.setupMs, 5010)
  t.equal(b.teardownMs, 705, 'what a scenario took beyond setup and steps')
  const chaos = chaosSteps.reduce((n, st) => n + st.durationMs, 0)
  t.equal(b.chaosStepsMs, 2 * chaos)
  t.equal(b.stepsMs, 2 * (own - chaos))
  t.equal(b.chaosPhaseMs, 2 * 100 * chaosSteps.length, "the chaos steps' apply and faults phase")
  t.same(
    b.slowest.map((s) => s.name),
    ['slow', 'quick'],
    'slowest first',
  )
  t.equal(b.cells, 2 * steps.reduce((n, st) => n + st.cells.length, 0))
  t.equal(b.problems > 0, true, 'the sample has a fail-open cell')
})

t.test('a scenario that never ran adds nothing', async (t) => {
  const base = sampleReport()
  const never: ScenarioReport = { ...base.scenarios[0], setupMs: 0, durationMs: 0, steps: [], unsupported: 'IPv6' }
  const b = breakdown({ ...base, scenarios: [never] })
  t.same([b.setupMs, b.stepsMs, b.chaosStepsMs, b.teardownMs, b.cells], [0, 0, 0, 0, 0])
})

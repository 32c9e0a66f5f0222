// The predict table output is stable (snapshot) and marks contradictions.
import t from 'tap'
import { predictScenario, predictTableChunks } from '../../src/cli/predict.js'
import { loadScenarios } from '../../src/scenario/load.js'
import type { Scenario } from '../../src/model/scenario.js'

const renderPredictTable = (s: Scenario, steps: ReturnType<typeof predictScenario>) => [...predictTableChunks(s, steps)].join('')

t.test('predict table for the seed scenario', async (t) => {
  const [s] = loadScenarios(['scenarios/basics/allow-web-to-customer.yaml'])
  t.matchSnapshot(renderPredictTable(s, predictScenario(s)))
})

t.test('predict table for an upstream case', async (t) => {
  const [s] = loadScenarios(['scenarios/upstream/egress-denied-client-side.yaml'])
  const text = renderPredictTable(s, predictScenario(s))
  t.matchSnapshot(text)
  t.notMatch(text, /[.X]\*/, 'no cell is marked as contradicting intent')
})

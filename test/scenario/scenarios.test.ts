// Every shipped scenario validates, and its predictions agree with its intent (the upstream e2e translations
// among them); explain agrees with predict on every cell.
import t from 'tap'
import { compile, explainCell } from '../../src/evaluator/index.js'
import { intentViolations, predictScenario } from '../../src/cli/predict.js'
import { loadScenarios } from '../../src/scenario/load.js'
import { stepStates } from '../../src/scenario/apply-actions.js'

const scenarios = loadScenarios(['scenarios'])

t.ok(scenarios.filter((s) => s.tags.includes('upstream')).length >= 40, 'the upstream e2e translations are present')

for (const s of scenarios) {
  t.test(s.name, async (t) => {
    const steps = predictScenario(s)
    t.same(intentViolations(s, steps), [], 'predictions agree with the expect rules')
    t.ok(
      s.steps.every((st) => st.expect),
      'every step states its intent',
    )
    const states = stepStates(s)
    steps.forEach((p, i) => {
      const model = compile(states[i])
      let disagreements = 0
      for (const c of p.table.entries()) if (explainCell(model, c.from, c.to, c.target).verdict !== c.value) disagreements++
      t.equal(disagreements, 0, `explain agrees with predict on every cell of step "${p.name}"`)
    })
  })
}

t.test('the practice library covers the policies people write', async (t) => {
  const practice = scenarios.filter((s) => s.tags.includes('practice')).map((s) => s.name)
  for (const name of [
    'practice-default-deny-ingress',
    'practice-deny-egress-leaving-cluster',
    'practice-external-ingress-to-web-tier',
    'practice-egress-to-database-subnet',
    'practice-dns-under-default-deny-egress',
    'practice-ingress-from-load-balancer-ranges',
    'practice-admin-port-never-reachable',
    'practice-namespace-isolation',
    'practice-policy-types-defaulting',
  ]) {
    t.ok(practice.includes(name), name)
  }
})

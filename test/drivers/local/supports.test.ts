// What the local driver can never run is known from the scenario: IPv6, chaos on nodes it does not have.
import t from 'tap'
import type { Scenario } from '../../../src/model/scenario.js'
import { parseScenario } from '../../../src/scenario/parse.js'
import { LocalDriver } from '../../../src/drivers/local/index.js'

function scenario(text: string): Scenario {
  const r = parseScenario(text, 's.yaml', () => undefined)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.scenario
}

const chaosOn = (node: string, pinned = '') =>
  scenario(`name: s\nnamespaces: {x: {pods: {a: {${pinned}}}}}\nsteps: [{name: one, chaos: [{action: restart-node, node: ${node}}]}]\n`)

t.test('IPv6 scenarios are unsupported, IPv4 ones are not', async (t) => {
  const d = new LocalDriver({ nodes: 2 })
  t.match(
    d.scenarioUnsupported(scenario('name: s\npodCIDR: fd00::/64\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one}]\n')),
    /IPv4 only .*fd00::a/,
  )
  t.equal(d.scenarioUnsupported(scenario('name: s\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one}]\n')), undefined)
})

t.test('chaos on a node the local cluster does not have is unsupported (it would fail mid-run)', async (t) => {
  t.equal(new LocalDriver({ nodes: 2 }).scenarioUnsupported(chaosOn('node-2')), undefined)
  t.match(
    new LocalDriver({ nodes: 2 }).scenarioUnsupported(chaosOn('node-3')),
    /node-3, which this local cluster does not have \(nodes: node-1, node-2; --nodes/,
  )
  t.equal(new LocalDriver({ nodes: 3 }).scenarioUnsupported(chaosOn('node-3')), undefined, '--nodes 3 has it')
  t.equal(new LocalDriver({ nodes: 2 }).scenarioUnsupported(chaosOn('edge', 'node: edge')), undefined, 'a node a pod is pinned to exists')
})

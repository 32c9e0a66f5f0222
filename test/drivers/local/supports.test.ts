// What the local driver can never run is known from the scenario: mixed families undeclared, chaos on nodes it does not have, node addresses.
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

t.test('IPv4, IPv6 and dual-stack scenarios run; only undeclared mixed families are unsupported', async (t) => {
  const d = new LocalDriver({ nodes: 2 })
  t.equal(
    d.scenarioUnsupported(scenario('name: s\npodCIDR: fd00::/64\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one}]\n')),
    undefined,
  )
  t.equal(d.scenarioUnsupported(scenario('name: s\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one}]\n')), undefined)
  t.equal(
    d.scenarioUnsupported(scenario('name: s\nipFamilies: [IPv4, IPv6]\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one}]\n')),
    undefined,
  )
  t.match(
    d.scenarioUnsupported(
      scenario('name: s\nnamespaces: {x: {pods: {a: {}}}}\nexternals: {e: {ip: "2001:db8::1"}}\nsteps: [{name: one}]\n'),
    ),
    /mixes IPv4 and IPv6 addresses without declaring ipFamilies \(2001:db8::1\)/,
  )
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

t.test("an endpoint at a node's own address is unsupported (nodes carry 172.18.0.2 upwards, as kind's)", async (t) => {
  const ext = (ip: string) => scenario(`name: s\nnamespaces: {x: {pods: {a: {}}}}\nexternals: {e: {ip: ${ip}}}\nsteps: [{name: one}]\n`)
  t.match(new LocalDriver({ nodes: 2 }).scenarioUnsupported(ext('172.18.0.3')), /172\.18\.0\.3 is a node address on the local driver/)
  t.equal(new LocalDriver({ nodes: 2 }).scenarioUnsupported(ext('172.18.0.4')), undefined, 'two nodes: .2 and .3 only')
})

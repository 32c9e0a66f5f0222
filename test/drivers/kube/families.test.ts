// The kube driver on both families: both addresses asked of Calico and read back (status.podIPs), each cell probed
// at its family's address; a family the cluster lacks: unsupported when known (kind's config, Calico's pools), a
// setup error naming what the pods got otherwise.
import t from 'tap'
import { poolFamilies } from '../../../src/drivers/kube/pods.js'
import { cellKey } from '../../../src/model/truth-table.js'
import { targetAddresses } from '../../../src/model/state.js'
import { parseScenario } from '../../../src/scenario/parse.js'
import type { Scenario } from '../../../src/model/scenario.js'
import { FakeKube } from '../../helpers/fake-kube.js'
import { kubeDriver } from '../../helpers/kube-driver.js'

const signal = new AbortController().signal
function scenario(text: string): Scenario {
  const r = parseScenario(text, 's.yaml', () => undefined)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.scenario
}
const DUAL = scenario('name: s\nipFamilies: [IPv4, IPv6]\nnamespaces: {x: {pods: {a: {}, b: {}}}}\nsteps: [{name: one}]\n')

t.test('dual-stack pods: both addresses asked for and read back; an IPv6 cell connects to the IPv6 address', async (t) => {
  const api = new FakeKube()
  const d = kubeDriver(api, { requestIpsIn: ['10.244.0.0/16', 'fd00:10:244::/56'] })
  await d.up(DUAL, signal)
  const pods = d.state().pods
  t.same(
    pods.map((p) => [p.ip, p.ips]),
    [
      ['10.244.0.10', ['10.244.0.10', 'fd00:10:244::a']],
      ['10.244.0.11', ['10.244.0.11', 'fd00:10:244::b']],
    ],
  )
  const target = { port: 80, protocol: 'TCP' as const, family: 'IPv6' as const }
  const ip = targetAddresses(d.state())('x/b', target)!
  t.equal(ip, 'fd00:10:244::b')
  await d.probe([{ key: cellKey('x/a', 'x/b', target), from: 'x/a', to: 'x/b', ip, target }], 1000)
  const exec = api.calls.find((c) => c.op === 'exec')!
  t.match((exec.args[3] as string[])[2], /connect \[fd00:10:244::b\]:80/, 'agnhost connect to the bracketed IPv6 address')
  await d.down()
})

t.test('a family the cluster lacks', async (t) => {
  t.match(
    kubeDriver(new FakeKube(), { ipFamilies: ['IPv4'] }).scenarioUnsupported(DUAL),
    /this cluster is IPv4 only; the scenario needs IPv6/,
    'known up front: unsupported',
  )
  t.equal(kubeDriver(new FakeKube(), { ipFamilies: ['IPv4', 'IPv6'] }).scenarioUnsupported(DUAL), undefined)
  // Not known up front: the pods get IPv4 only (no pool holds the IPv6 address), and setup says so.
  const api = new FakeKube()
  const d = kubeDriver(api, { requestIpsIn: ['10.244.0.0/16'] })
  await t.rejects(d.up(DUAL, signal), /needs IPv6 but its pods got 10\.99\.0\.\d+; 10\.99\.0\.\d+/)
  await d.down()
})

t.test("an existing cluster's families come from its Calico IP pools", async (t) => {
  const api = new FakeKube()
  t.equal(await poolFamilies(api), undefined, 'no pools: unknown')
  api.pools = ['fd00:10:244::/56', '10.244.0.0/16']
  t.same(await poolFamilies(api), ['IPv4', 'IPv6'])
  api.pools = ['10.244.0.0/16']
  t.same(await poolFamilies(api), ['IPv4'])
})

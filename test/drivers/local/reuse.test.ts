// Topology reuse: which scenarios may share a topology (pure), the pool's ownership rules, and, for real, that a
// reused topology starts as a fresh one: no policy of the previous scenario, no conntrack entry, no namespace left.
import t from 'tap'
import { execa } from 'execa'
import { cannotRunLocal, netnsNames } from '../../helpers/can-run.js'
import { LocalDriver } from '../../../src/drivers/local/index.js'
import { TopologyPool, layoutKey } from '../../../src/drivers/local/reuse.js'
import type { ProbeConnection } from '../../../src/drivers/driver.js'
import { type Exec, defaultExec } from '../../../src/drivers/exec.js'
import type { NetworkPolicy } from '../../../src/model/policy.js'
import type { Scenario } from '../../../src/model/scenario.js'
import { parseScenario } from '../../../src/scenario/parse.js'

const skip = await cannotRunLocal()

function scenario(text: string): Scenario {
  const r = parseScenario(text, 'reuse.yaml', () => undefined)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.scenario
}

const BASE = `name: one
namespaces:
  x: {pods: {a: {labels: {pod: a}}, b: {labels: {pod: b}}}}
probe: {ports: [53], protocols: [UDP, TCP], timeout: 600ms}
steps:
  - name: open
`

t.test('layoutKey: the same pods and addresses share; labels, policies and served ports do not matter', async (t) => {
  const one = layoutKey(scenario(BASE), 2)
  t.type(one, 'string')
  t.equal(layoutKey(scenario(BASE.replace('name: one', 'name: two').replace('{pod: a}', '{pod: z, tier: web}')), 2), one, 'labels differ')
  t.not(layoutKey(scenario(BASE), 3), one, 'another node count')
  t.equal(layoutKey(scenario(BASE.replace('[53]', '[53, 80]')), 2), one, 'another served port: the agents serve it when taken over')
  t.not(layoutKey(scenario(BASE.replace('b: {labels: {pod: b}}', 'c: {labels: {pod: b}}')), 2), one, 'another pod name')
  t.not(layoutKey(scenario(BASE.replace('a: {labels: {pod: a}}', 'a: {labels: {pod: a}, node: node-2}')), 2), one, 'a pinned pod')
  const chaos = scenario(
    BASE + '  - name: recreate\n    chaos: [{action: recreate-pod, pod: x/a}]\n    during: {interval: 200ms, timeout: 500ms}\n',
  )
  t.equal(layoutKey(chaos, 2), undefined, 'chaos that changes addresses or links: never shared')
})

t.test('TopologyPool: one owner at a time, and close destroys what is parked', async (t) => {
  const destroyed: string[] = []
  const topo = (name: string) => ({ name, destroy: async () => void destroyed.push(name) })
  const pool = new TopologyPool<ReturnType<typeof topo>>()
  t.equal(pool.take('k'), undefined, 'nothing parked')
  t.equal(pool.take(undefined), undefined, 'a scenario that may not share')
  t.ok(pool.park('k', topo('a')))
  t.equal(pool.take('other'), undefined, 'another layout')
  t.equal(pool.take('k')?.name, 'a')
  t.equal(pool.take('k'), undefined, 'taken: no longer in the pool')
  t.equal(pool.reused, 1)
  pool.park('k', topo('b'))
  await pool.close()
  t.same(destroyed, ['b'])
  t.notOk(pool.park('k', topo('c')), 'closed: the caller destroys it')
})

t.test("TopologyPool with the run's layouts: parks only while a scenario of the layout is still to start", async (t) => {
  const destroyed: string[] = []
  const topo = (name: string) => ({ name, destroy: async () => void destroyed.push(name) })
  const pool = new TopologyPool<ReturnType<typeof topo>>(['k', undefined, 'k', 'solo'])
  t.equal(pool.take('k'), undefined, 'the first scenario of k builds its own')
  t.equal(pool.take('solo'), undefined)
  t.notOk(pool.park('solo', topo('s')), 'no other scenario of its layout: removed at once')
  t.ok(pool.park('k', topo('a')), 'one more scenario of k is to come')
  t.equal(pool.take('k')?.name, 'a')
  t.notOk(pool.park('k', topo('b')), 'the last scenario of k ended')
  await pool.close()
  t.same(destroyed, [], 'nothing was left parked')
})

const denyB: NetworkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'deny-b', namespace: 'x' },
  spec: { podSelector: { matchLabels: { pod: 'b' } }, policyTypes: ['Ingress'] },
}

t.test(
  'a reused topology starts fresh: no old policy, no conntrack entry, and it is removed at close',
  { skip, timeout: 90000 },
  async (t) => {
    const pool = new TopologyPool<LocalDriver>()
    const logs: string[] = []
    const commands: string[] = []
    const exec: Exec = (file, args, opts) => (commands.push([file, ...args].join(' ')), defaultExec(file, args, opts))
    const make = () => new LocalDriver({ nodes: 1, attempts: 1, resyncMs: 0, pool, exec, log: (l) => logs.push(l) })
    t.teardown(() => pool.close())
    const first = scenario(BASE)
    const second = scenario(BASE.replace('name: one', 'name: two'))
    const conn = (protocol: 'TCP' | 'UDP'): ProbeConnection => ({
      key: `a-b-${protocol}`,
      from: 'x/a',
      to: 'x/b',
      ip: first.pods.find((p) => p.name === 'b')!.ip,
      target: { port: 53, protocol },
    })

    const d1 = make()
    await d1.up(first, new AbortController().signal)
    const sid = /namespaces nph-([0-9a-f]{6})-/.exec(logs[0])?.[1]
    t.ok(sid, 'the first scenario builds its topology')
    const node = `nph-${sid}-n0`
    const count = async () =>
      Number((await execa('ip', ['netns', 'exec', node, 'cat', '/proc/sys/net/netfilter/nf_conntrack_count'])).stdout)
    t.same(
      (await d1.probe([conn('UDP'), conn('TCP')], 600)).map((o) => o.outcome),
      ['connected', 'connected'],
    )
    t.ok((await count()) > 0, 'the allowed flows are in the node conntrack table')
    await d1.apply([{ kind: 'apply-policy', policy: denyB }])
    t.same(
      (await d1.probe([conn('UDP')], 600)).map((o) => o.outcome),
      ['timeout'],
      'the first scenario denies b',
    )
    await d1.down()
    t.ok((await netnsNames()).includes(node), 'parked, not removed')

    const d2 = make()
    await d2.up(second, new AbortController().signal)
    t.match(logs.at(-1), new RegExp(`topology reused \\(namespaces nph-${sid}-\\*\\)`), 'the second scenario takes it over')
    t.equal(pool.reused, 1)
    t.equal(await count(), 0, 'conntrack flushed: no flow of the first scenario is left')
    t.same(
      (await d2.probe([conn('UDP'), conn('TCP')], 600)).map((o) => o.outcome),
      ['connected', 'connected'],
      "the first scenario's policy is gone",
    )
    await d2.down()
    await pool.close()
    t.notOk(
      (await netnsNames()).some((n) => n.startsWith(`nph-${sid}-`)),
      'closing the pool removes every namespace of the parked topology',
    )
  },
)

t.test("a topology taken over serves the new scenario's ports, and no longer the old ones", { skip, timeout: 90000 }, async (t) => {
  const pool = new TopologyPool<LocalDriver>()
  t.teardown(() => pool.close())
  const logs: string[] = []
  const make = () => new LocalDriver({ nodes: 1, attempts: 1, resyncMs: 0, pool, log: (l) => logs.push(l) })
  const first = scenario(BASE)
  const second = scenario(
    BASE.replace('name: one', 'name: two').replace('ports: [53], protocols: [UDP, TCP]', 'ports: [80], protocols: [TCP]'),
  )
  t.equal(layoutKey(second, 1), layoutKey(first, 1), 'the same layout')
  const b = first.pods.find((p) => p.name === 'b')!.ip
  const conn = (port: number, protocol: 'TCP' | 'UDP'): ProbeConnection => ({
    key: `a-b-${port}-${protocol}`,
    from: 'x/a',
    to: 'x/b',
    ip: b,
    target: { port, protocol },
  })
  const d1 = make()
  await d1.up(first, new AbortController().signal)
  t.same(
    (await d1.probe([conn(53, 'TCP'), conn(80, 'TCP')], 600)).map((o) => o.outcome),
    ['connected', 'refused'],
    'the first scenario serves 53 only',
  )
  await d1.down()
  const d2 = make()
  await d2.up(second, new AbortController().signal)
  t.match(logs.at(-1), /topology reused .*, 2 endpoints serving other ports/, 'taken over, every endpoint served again')
  t.same(
    (await d2.probe([conn(80, 'TCP'), conn(53, 'TCP'), conn(53, 'UDP')], 600)).map((o) => o.outcome),
    ['connected', 'refused', 'refused'],
    "the second scenario's port answers, the first one's no longer",
  )
  t.ok(d2.listening('x/b', { port: 80, protocol: 'TCP' }) && !d2.listening('x/b', { port: 53, protocol: 'TCP' }), 'listening follows')
  await d2.down()
})

t.test('a topology whose driver failed is not handed on', { skip, timeout: 60000 }, async (t) => {
  const pool = new TopologyPool<LocalDriver>()
  t.teardown(() => pool.close())
  const d = new LocalDriver({ nodes: 1, resyncMs: 0, pool })
  await d.up(scenario(BASE), new AbortController().signal)
  await t.rejects(d.chaos({ action: 'restart-agent', node: 'node-9', downForMs: 0 }, new AbortController().signal))
  await d.down()
  t.equal(pool.take(layoutKey(scenario(BASE), 1)), undefined, 'removed, not parked')
})

// Topology reuse: which scenarios may share a topology (pure), the pool's ownership rules, and, for real, that a
// reused topology starts as a fresh one: no policy of the previous scenario, no conntrack entry, no namespace left.
import t from 'tap'
import { execa } from 'execa'
import { cannotRunLocal, netnsNames } from '../../helpers/can-run.js'
import { LocalDriver } from '../../../src/drivers/local/index.js'
import { type PoolKey, TopologyPool, layoutKey, poolKey } from '../../../src/drivers/local/reuse.js'
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

/** A pool key: a layout, its base (the nodes) and its parts (pods). */
const key = (layout: string, base = 'n2', parts: string[] = []): PoolKey => ({ layout, base, parts })

t.test('TopologyPool: one owner at a time, and close destroys what is parked', async (t) => {
  const destroyed: string[] = []
  const topo = (name: string) => ({ name, destroy: async () => void destroyed.push(name) })
  const pool = new TopologyPool<ReturnType<typeof topo>>()
  t.equal(pool.take(key('k')), undefined, 'nothing parked')
  t.equal(pool.take(undefined), undefined, 'a scenario that may not share')
  t.ok(pool.park(key('k'), topo('a')))
  t.equal(pool.take(key('other', 'n3')), undefined, 'another layout on other nodes')
  t.equal(pool.take(key('k'))?.name, 'a')
  t.equal(pool.take(key('k')), undefined, 'taken: no longer in the pool')
  t.equal(pool.reused, 1)
  pool.park(key('k'), topo('b'))
  await pool.close()
  t.same(destroyed, ['b'])
  t.notOk(pool.park(key('k'), topo('c')), 'closed: the caller destroys it')
})

t.test("TopologyPool with the run's layouts: parks only while a scenario of the layout is still to start", async (t) => {
  const destroyed: string[] = []
  const topo = (name: string) => ({ name, destroy: async () => void destroyed.push(name) })
  const pool = new TopologyPool<ReturnType<typeof topo>>([key('k'), undefined, key('k'), key('solo', 'n3')])
  t.equal(pool.take(key('k')), undefined, 'the first scenario of k builds its own')
  t.equal(pool.take(key('solo', 'n3')), undefined)
  t.notOk(pool.park(key('solo', 'n3'), topo('s')), 'no other scenario of its layout or its nodes: removed at once')
  t.ok(pool.park(key('k'), topo('a')), 'one more scenario of k is to come')
  t.equal(pool.take(key('k'))?.name, 'a')
  t.notOk(pool.park(key('k'), topo('b')), 'the last scenario of k ended')
  await pool.close()
  t.same(destroyed, [], 'nothing was left parked')
})

t.test('TopologyPool across layouts: a spare of the same nodes is reconciled, the exact layout preferred', async (t) => {
  const destroyed: string[] = []
  const topo = (name: string) => ({ name, destroy: async () => void destroyed.push(name) })
  // Four scenarios on two nodes (layouts A, B, C, A), one on three nodes (D); one at a time: one spare at most.
  const A = key('A', 'n2', ['a', 'b', 'c'])
  const B = key('B', 'n2', ['a', 'b', 'x'])
  const C = key('C', 'n2', ['y'])
  const D = key('D', 'n3', ['a', 'b', 'c'])
  const pool = new TopologyPool<ReturnType<typeof topo>>([A, B, C, A, D], { spares: 1 })
  t.equal(pool.take(A), undefined, 'the first builds')
  t.ok(pool.park(A, topo('1')), 'kept: A is still to come (and B, C could reconcile it)')
  t.equal(pool.take(B), undefined, "the only parked one is A's, kept for the A still to come")
  t.ok(pool.park(B, topo('2')), 'B parks as a spare: C is still to come on the same nodes')
  t.equal(pool.size, 2)
  t.notOk(pool.park(key('B', 'n2', ['a', 'b', 'x']), topo('3')), 'a second spare: over the bound, removed by the caller')
  t.equal(pool.take(D), undefined, 'other nodes: nothing to reconcile')
  t.equal(pool.take(C)?.name, '2', 'C reconciles the spare, not the A kept for A')
  t.equal(pool.reconciled, 1)
  t.equal(pool.take(A)?.name, '1', 'A takes its own layout over')
  t.equal(pool.reused, 1)
  t.notOk(pool.park(C, topo('4')), 'nothing is still to start')
  await pool.close()
  t.same(destroyed, [])
})

t.test('TopologyPool across layouts: the spare differing in the fewest pods, and spares nothing can use are removed', async (t) => {
  const destroyed: string[] = []
  const topo = (name: string) => ({ name, destroy: async () => void destroyed.push(name) })
  const far = key('far', 'n2', ['p', 'q', 'r'])
  const near = key('near', 'n2', ['a', 'b', 'r'])
  const want = key('want', 'n2', ['a', 'b', 'c'])
  const other = key('other', 'n3', ['z'])
  const pool = new TopologyPool<ReturnType<typeof topo>>([far, near, want, other, other], { spares: 2 })
  pool.take(far)
  pool.take(near)
  t.ok(pool.park(far, topo('far')), 'a spare: want is still to come on the same nodes')
  t.ok(pool.park(near, topo('near')), 'a second spare, within the bound of 2')
  t.equal(pool.take(want)?.name, 'near', 'two pods differ (c for r) rather than six')
  t.equal(pool.reconciled, 1)
  t.equal(pool.take(other), undefined, 'other nodes: builds its own')
  t.notOk(pool.park(want, topo('w')), 'nothing of its layout or its nodes is still to start')
  t.ok(pool.park(other, topo('o')), 'one more scenario of other is to come')
  t.equal(pool.size, 1, 'the spare nothing can use any more was removed')
  await pool.close()
  t.same(destroyed.sort(), ['far', 'o'])
})

t.test('TopologyPool at its bound of spares: a spare more scenarios still to start could use replaces one fewer could', async (t) => {
  const destroyed: string[] = []
  const topo = (name: string) => ({ name, destroy: async () => void destroyed.push(name) })
  const [a, b, c] = [key('a', 'rare'), key('b', 'common'), key('c', 'common')]
  const pool = new TopologyPool<ReturnType<typeof topo>>([a, b, key('r', 'rare'), c, key('d', 'common'), key('e', 'common')], { spares: 1 })
  pool.take(a)
  pool.take(b)
  t.ok(pool.park(a, topo('a')), 'a spare for the one rare scenario still to start')
  t.notOk(pool.park(key('b2', 'rare'), topo('a2')), 'a second spare of the same base: over the bound')
  t.ok(pool.park(b, topo('b')), 'three common scenarios are still to start against one rare: it takes the place')
  t.equal(pool.size, 1)
  t.notOk(pool.park(key('c2', 'common'), topo('c2')), 'a spare of the same base is there already: over the bound')
  t.ok(pool.park(c, topo('c')), 'kept for the scenario of its own layout still to start: not a spare')
  await pool.close()
  t.same(destroyed.sort(), ['a', 'b', 'c'], 'the replaced spare removed at once, the others at close')
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
  t.equal(pool.take(poolKey(scenario(BASE), 1)), undefined, 'removed, not parked')
})

/** Layout 1: x/a, x/b, x/c, x/d (pinned to node-1), an external; serving 80. */
const LAYOUT1 = `name: one
namespaces:
  x:
    pods:
      a: {labels: {pod: a}, ip: 10.244.0.10}
      b: {labels: {pod: b}, ip: 10.244.0.11}
      c: {labels: {pod: c}, ip: 10.244.0.12}
      d: {labels: {pod: d}, ip: 10.244.0.13, node: node-1}
externals:
  old-ext: {ip: 203.0.113.20, ports: [{port: 80, protocol: TCP}]}
probe: {ports: [80], protocols: [TCP], timeout: 600ms}
steps:
  - name: open
`

/**
 * Layout 2 on the same two nodes: x/a kept as it was, x/b at another address, x/c gone, x/d moved to node-2, x/e new
 * at c's old address, x/f new; another external at the old one's address; serving 8080.
 */
const LAYOUT2 = `name: two
namespaces:
  x:
    pods:
      a: {labels: {pod: a}, ip: 10.244.0.10}
      b: {labels: {pod: b}, ip: 10.244.0.21}
      d: {labels: {pod: d}, ip: 10.244.0.13, node: node-2}
      e: {labels: {pod: e}, ip: 10.244.0.12}
      f: {labels: {pod: f}, ip: 10.244.0.30}
externals:
  new-ext: {ip: 203.0.113.20, ports: [{port: 8080, protocol: TCP}]}
probe: {ports: [8080], protocols: [TCP], timeout: 600ms}
steps:
  - name: open
`

const denyA: NetworkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'deny-a', namespace: 'x' },
  spec: { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Ingress', 'Egress'] },
}

/** A TCP connection from `from` to `to` at `ip`. */
const tcp = (from: string, to: string, ip: string, port: number): ProbeConnection => ({
  key: `${from}>${to}@${ip}:${port}`,
  from,
  to,
  ip,
  target: { port, protocol: 'TCP' },
})

t.test(
  'a topology of another layout is reconciled: nothing of the first scenario is left, the second sees a fresh cluster',
  { skip, timeout: 120000 },
  async (t) => {
    const one = scenario(LAYOUT1)
    const two = scenario(LAYOUT2)
    const [k1, k2] = [poolKey(one, 2)!, poolKey(two, 2)!]
    t.not(k1.layout, k2.layout, 'two layouts')
    t.equal(k1.base, k2.base, 'on the same nodes')
    const pool = new TopologyPool<LocalDriver>([k1, k2])
    t.teardown(() => pool.close())
    const logs: string[] = []
    const make = () => new LocalDriver({ nodes: 2, attempts: 1, resyncMs: 0, pool, log: (l) => logs.push(l) })

    const d1 = make()
    await d1.up(one, new AbortController().signal)
    const sid = /namespaces nph-([0-9a-f]{6})-/.exec(logs[0])?.[1]
    t.ok(sid, 'the first scenario builds its topology')
    const mine = async () => netnsNames(`nph-${sid}-`)
    const before = await mine()
    t.equal(before.length, 1 + 2 + 4 + 1, 'the fabric, two nodes, four pods, one external')
    t.same(
      (await d1.probe([tcp('x/b', 'x/a', '10.244.0.10', 80), tcp('x/a', 'old-ext', '203.0.113.20', 80)], 600)).map((o) => o.outcome),
      ['connected', 'connected'],
    )
    await d1.apply([{ kind: 'apply-policy', policy: denyA }])
    t.same(
      (await d1.probe([tcp('x/b', 'x/a', '10.244.0.10', 80)], 600)).map((o) => o.outcome),
      ['timeout'],
      'the first scenario isolates a',
    )
    await d1.down()
    t.equal(pool.size, 1, 'parked as a spare: the second scenario is on the same nodes')

    const d2 = make()
    await d2.up(two, new AbortController().signal)
    t.match(
      logs.at(-1),
      new RegExp(
        `topology reconciled \\(namespaces nph-${sid}-\\*\\): 2 nodes, 5 pods, 1 externals; 3 pods removed, 4 added, 1 externals removed, 1 added in [0-9.]+ s`,
      ),
      'taken over and reconciled: b (new address), c (gone), d (moved) removed; b, d, e, f added',
    )
    t.equal(pool.reconciled, 1)
    const after = await mine()
    t.equal(after.length, 1 + 2 + 5 + 1, 'the fabric, two nodes, five pods, one external')
    t.same(
      before.filter((n) => !after.includes(n)).sort(),
      [`nph-${sid}-e0`, `nph-${sid}-p1`, `nph-${sid}-p2`, `nph-${sid}-p3`],
      "the removed pods' and external's namespaces are gone",
    )
    t.ok(after.includes(`nph-${sid}-p0`), 'the kept pod keeps its namespace')
    for (const node of [0, 1]) {
      const conntrack = await execa('ip', ['netns', 'exec', `nph-${sid}-n${node}`, 'cat', '/proc/sys/net/netfilter/nf_conntrack_count'])
      t.equal(Number(conntrack.stdout), 0, `node ${node}: conntrack flushed`)
      const routes = (await execa('ip', ['-n', `nph-${sid}-n${node}`, 'route', 'show'])).stdout
      t.notMatch(routes, /10\.244\.0\.11\b/, `node ${node}: no route to a removed address`)
    }
    const links = async (node: number) =>
      (await execa('ip', ['-n', `nph-${sid}-n${node}`, '-o', 'link', 'show'])).stdout.split('\n').filter((l) => /: vp\d+@/.test(l)).length
    t.same([await links(0), await links(1)], [2, 3], 'node-1 links a and e, node-2 b, d and f: no link of a removed pod')

    // Every pod of the second scenario answers on 8080 as itself, from every other one and from the external's side.
    const pods = two.pods.map((p) => ({ id: `x/${p.name}`, ip: p.ip }))
    const round = pods.flatMap((from) => pods.filter((to) => to !== from).map((to) => tcp(from.id, to.id, to.ip, 8080)))
    round.push(...pods.map((from) => tcp(from.id, 'new-ext', '203.0.113.20', 8080)))
    const got = await d2.probe(round, 600)
    t.same(
      got.filter((o) => o.outcome !== 'connected').map((o) => `${o.key}: ${o.outcome} ${o.detail ?? ''}`),
      [],
      "every cell connects: the first scenario's policy on a is gone",
    )
    t.same(
      got.filter((o) => o.answeredBy !== round.find((c) => c.key === o.key)!.to).map((o) => o.key),
      [],
      "each answered by its own pod or external (x/e at the address x/c had, new-ext at old-ext's)",
    )
    const old = await d2.probe(
      [
        tcp('x/a', 'x/b', '10.244.0.11', 8080),
        tcp('x/a', 'x/b', '10.244.0.11', 80),
        tcp('x/f', 'old-ext', '203.0.113.20', 80),
        tcp('x/a', 'x/e', '10.244.0.12', 80),
        tcp('x/f', 'x/a', '10.244.0.10', 80),
      ],
      600,
    )
    t.same(
      old.filter((o) => o.outcome === 'connected').map((o) => o.key),
      [],
      "nothing answers at a removed address, nor on the first scenario's port",
    )
    await d2.down()
    await pool.close()
    t.same(await mine(), [], 'closing the pool leaves no namespace')
  },
)

t.test('a failure while reconciling: the scenario fails cleanly and the topology is never parked', { skip, timeout: 90000 }, async (t) => {
  const one = scenario(LAYOUT1)
  const two = scenario(LAYOUT2)
  const pool = new TopologyPool<LocalDriver>([poolKey(one, 2), poolKey(two, 2), poolKey(two, 2)])
  t.teardown(() => pool.close())
  const logs: string[] = []
  const d1 = new LocalDriver({ nodes: 2, attempts: 1, resyncMs: 0, pool, log: (l) => logs.push(l) })
  await d1.up(one, new AbortController().signal)
  const sid = /namespaces nph-([0-9a-f]{6})-/.exec(logs[0])?.[1]
  await d1.down()
  // Creating the added pods' namespaces fails.
  const failing: Exec = (file, args, opts) =>
    opts?.input?.includes('netns add')
      ? Promise.resolve({ exitCode: 1, stdout: '', stderr: 'injected failure' })
      : defaultExec(file, args, opts)
  const d2 = new LocalDriver({ nodes: 2, attempts: 1, resyncMs: 0, pool, exec: failing })
  await t.rejects(d2.up(two, new AbortController().signal), /injected failure/)
  await d2.down()
  t.equal(pool.size, 0, 'not parked, although another scenario of its layout is still to start')
  t.same(await netnsNames(`nph-${sid}-`), [], 'every namespace of the topology removed')
})

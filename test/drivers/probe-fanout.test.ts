// The probe step both drivers share: one command per source, all sources at once, outcomes flattened in source order.
import t from 'tap'
import type { ProbeConnection, RawOutcome } from '../../src/drivers/driver.js'
import { connectSpec, probeBySource } from '../../src/drivers/probe-fanout.js'

const conn = (from: string, to: string, port: number, protocol: 'TCP' | 'UDP' = 'TCP'): ProbeConnection => ({
  key: `${from}>${to}:${port}/${protocol}`,
  from,
  to,
  ip: `10.0.0.${to.length}`,
  target: { port, protocol },
})
const round = [
  conn('x/a', 'y/b', 80),
  conn('y/b', 'x/a', 80),
  conn('x/a', 'y/b', 53, 'UDP'),
  conn('z/c', 'x/a', 81),
  conn('y/b', 'z/c', 80),
]
const answer = (conns: readonly ProbeConnection[]): RawOutcome[] => conns.map((c) => ({ key: c.key, outcome: 'connected', latencyMs: 1 }))

t.test("one command per source, carrying that source's connections in round order", async (t) => {
  const calls: [string, string[]][] = []
  const out = await probeBySource(round, async (from, conns) => {
    calls.push([from, conns.map((c) => c.key)])
    return answer(conns)
  })
  t.same(
    calls,
    [
      ['x/a', [round[0].key, round[2].key]],
      ['y/b', [round[1].key, round[4].key]],
      ['z/c', [round[3].key]],
    ],
    'sources in first-seen order, three commands for five connections',
  )
  t.same(
    out.map((o) => o.key),
    [round[0], round[2], round[1], round[4], round[3]].map((c) => c.key),
    'outcomes source after source',
  )
})

t.test('every source runs at once: a round costs one timeout, not one per source', async (t) => {
  let running = 0
  let peak = 0
  await probeBySource(round, async (_from, conns) => {
    peak = Math.max(peak, ++running)
    await new Promise((r) => setTimeout(r, 50))
    running--
    return answer(conns)
  })
  t.equal(peak, 3, 'all three sources in flight together')
})

t.test('a source whose command fails fails the round (a harness fault); an empty round runs nothing', async (t) => {
  await t.rejects(
    probeBySource(round, async (from, conns) => (from === 'y/b' ? Promise.reject(new Error('no agent for y/b')) : answer(conns))),
    /no agent for y\/b/,
  )
  let called = false
  t.same(await probeBySource([], async () => ((called = true), [])), [])
  t.notOk(called)
})

t.test('connectSpec: what a prober needs of a connection, and the key that brings the outcome back', async (t) => {
  t.same(connectSpec(round[2]), { key: round[2].key, ip: round[2].ip, port: 53, protocol: 'UDP' })
})

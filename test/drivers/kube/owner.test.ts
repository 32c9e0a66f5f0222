// Telling another run's live namespace from a leftover: same host and a dead process, or older than any scenario.
import t from 'tap'
import { HOST_LABEL, PID_LABEL, hostLabel, leftoverReason, listForCleanup, removeLeftovers } from '../../../src/drivers/kube/owner.js'
import { RUN_LABEL } from '../../../src/drivers/kube/manifests.js'

const now = Date.parse('2026-12-02T12:00:00Z')
const mine = { [RUN_LABEL]: 'r0', [HOST_LABEL]: hostLabel(), [PID_LABEL]: '4242' }
const dead = () => false
const alive = () => true
const rows: [string, Record<string, string>, number | undefined, (pid: number) => boolean, RegExp | undefined][] = [
  ['this host, process gone', mine, now - 60_000, dead, /process 4242 on this host is gone/],
  ['this host, process alive, young', mine, now - 60_000, alive, undefined],
  ['another host, young: may be running', { ...mine, [HOST_LABEL]: 'elsewhere' }, now - 60_000, dead, undefined],
  ['another host, older than two hours', { ...mine, [HOST_LABEL]: 'elsewhere' }, now - 3 * 3600_000, alive, /created 180 min ago/],
  ['no owner labels (an older harness), young', { [RUN_LABEL]: 'r0' }, now - 60_000, dead, undefined],
  ['no creation time known', { ...mine, [HOST_LABEL]: 'elsewhere' }, undefined, dead, undefined],
]
for (const [name, labels, createdAt, isAlive, want] of rows) {
  const why = leftoverReason(labels, createdAt, now, isAlive)
  if (want) t.match(why, want, name)
  else t.equal(why, undefined, name)
}
t.test('the host label is a valid Kubernetes label value', async (t) => {
  for (const h of ['ci-runner.example.com', 'A_b', '-x-', 'ä'.repeat(80), 'x'.repeat(80)])
    t.match(hostLabel(h), /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/, h)
})

t.test("removeLeftovers: a gone run's objects removed in order and logged, a live run's kept or refused, this run's skipped", async (t) => {
  const young = Date.now() - 60_000
  const of = (name: string, run: string, pid: number) => ({
    name,
    labels: { ...mine, [RUN_LABEL]: run, [PID_LABEL]: String(pid) },
    createdAt: young,
  })
  const objects = [of('a', 'dead', 111), of('b', 'live', 222), of('c', 'r0', 333), of('d', 'dead', 111)]
  const lines: string[] = []
  const removed: string[] = []
  const live: string[] = []
  await removeLeftovers(objects, {
    skipRun: 'r0',
    alive: (pid) => pid === 222,
    log: (l) => lines.push(l),
    describe: (x) => `Thing ${x.name}`,
    remove: async (x) => {
      removed.push(x.name)
    },
    live: (x) => live.push(x.name),
  })
  t.same(removed, ['a', 'd'], "only the gone run's, one after the other")
  t.same(live, ['b'], "this run's own object is never judged (c neither live nor removed)")
  t.same(lines, [
    'removing Thing a left by run dead: its process 111 on this host is gone',
    'removing Thing d left by run dead: its process 111 on this host is gone',
  ])
  // Without skipRun every object is judged: this run's own (alive) process makes it live, and `live` may refuse.
  await t.rejects(
    removeLeftovers([of('c', 'r0', 333)], {
      alive: () => true,
      describe: (x) => x.name,
      remove: async () => {
        t.fail('never removed')
      },
      live: (x) => {
        throw new Error(`${x.name} may still be in use`)
      },
    }),
    /c may still be in use/,
  )
  // A failing removal stops the loop (each caller decides whether its errors are fatal).
  await t.rejects(
    removeLeftovers(objects, {
      alive: () => false,
      describe: (x) => x.name,
      remove: async (x) => {
        throw new Error(`cannot delete ${x.name}`)
      },
    }),
    /cannot delete a/,
  )
})

t.test('listForCleanup: a list the client may not make is said and taken as empty', async (t) => {
  const lines: string[] = []
  t.same(await listForCleanup(Promise.resolve([1, 2]), 'Thing', (l) => lines.push(l)), [1, 2])
  t.same(await listForCleanup(Promise.reject(new Error('forbidden')), 'Calico Tier', (l) => lines.push(l)), [])
  t.same(lines, ['cannot list Calico Tier objects to remove those of crashed runs: forbidden'])
})

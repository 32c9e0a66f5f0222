// An interrupted step (signal, closed output) keeps the probes it completed, marked; the probe in flight is dropped.
import t from 'tap'
import type { Driver, ProbeConnection } from '../../src/drivers/driver.js'
import type { RawOutcome } from '../../src/model/observation.js'
import type { Scenario } from '../../src/model/scenario.js'
import type { ClusterState } from '../../src/model/state.js'
import { applyAction, initialState } from '../../src/scenario/apply-actions.js'
import { parseScenario } from '../../src/scenario/parse.js'
import { runStep } from '../../src/runner/run-step.js'

const TEXT = `name: s
namespaces: {x: {pods: {a: {}, b: {}}}}
probe: {targets: [{port: 80}], timeout: 100ms}
steps:
  - name: deny all
    apply:
      - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: d, namespace: x}, spec: {podSelector: {}}}
`

/** A dataplane that never enforces (every connection answered), and aborts the run in round `abortIn`. */
class NeverEnforces implements Driver {
  info = { name: 'local' as const, cni: 'scripted', versions: {} }
  rounds = 0
  private st: ClusterState
  constructor(
    s: Scenario,
    private readonly ac: AbortController,
    private readonly abortIn: number,
    private readonly how: 'reject' | 'answer',
  ) {
    this.st = initialState(s)
  }
  async up() {}
  async apply(actions: Scenario['steps'][number]['actions']) {
    for (const a of actions) this.st = applyAction(this.st, a)
  }
  state() {
    return this.st
  }
  unsupported() {
    return undefined
  }
  async probe(conns: readonly ProbeConnection[]): Promise<RawOutcome[]> {
    if (++this.rounds === this.abortIn) {
      this.ac.abort()
      // A driver may give up on abort, or finish the round it had started: either way that round is not evidence.
      if (this.how === 'reject') throw new Error('probe aborted')
    }
    return conns.map((c) => ({ key: c.key, outcome: 'connected', latencyMs: 1, answeredBy: c.to }))
  }
  chaosUnsupported() {
    return undefined
  }
  async chaos() {}
  async down() {}
}

function scenario(): Scenario {
  const r = parseScenario(TEXT, 's.yaml', () => undefined)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.scenario
}

const opts = { settleMs: 60000, reprobes: 3, roundIntervalMs: 5 }

for (const how of ['reject', 'answer'] as const)
  // Every cell of this step flips and never enforces, so every probe is of the enforcement cadence (round 0).
  t.test(`interrupted in the 4th probe (the driver's probe ${how === 'reject' ? 'rejects' : 'still answers'}): 3 kept`, async (t) => {
    const s = scenario()
    const ac = new AbortController()
    const r = await runStep(new NeverEnforces(s, ac, 4, how), s, 0, opts, ac.signal)
    t.equal(r.interrupted, true)
    t.equal(r.rounds, 0, 'no full round: interrupted while enforcing')
    t.equal(r.converged, false)
    t.equal(r.timeToEnforceMs, null)
    const open = r.cells.find((c) => c.from === 'x/b' && c.to === 'x/a')!
    t.equal(open.classification, 'fail-open', 'the evidence so far is judged')
    t.same(
      open.observation.attempts.map((a) => [a.round, a.result]),
      [
        [0, 'allowed'],
        [0, 'allowed'],
        [0, 'allowed'],
      ],
    )
    t.equal(r.counts['fail-open'], 2)
  })

t.test('interrupted during the first round: nothing observed, every cell skipped and says why', async (t) => {
  const s = scenario()
  const ac = new AbortController()
  const r = await runStep(new NeverEnforces(s, ac, 1, 'reject'), s, 0, opts, ac.signal)
  t.equal(r.interrupted, true)
  t.equal(r.rounds, 0)
  t.ok(r.cells.every((c) => c.classification === 'skipped' && c.observation.attempts.length === 0))
  t.match(r.cells[0].observation.detail, /interrupted before this cell was probed/)
})

t.test('a step that ends without interruption is not marked', async (t) => {
  const s = scenario()
  const ac = new AbortController()
  const r = await runStep(new NeverEnforces(s, ac, Infinity, 'answer'), s, 0, { ...opts, settleMs: 30, reprobes: 1 }, ac.signal)
  t.notOk('interrupted' in r)
  t.equal(r.counts['fail-open'], 2)
})

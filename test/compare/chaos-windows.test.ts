// Judging continuous probing during faults: windows, confirmation of fail-closed, recovery, invariants.
import t from 'tap'
import { type Sample, checkInvariants, failClosedEvidence, recoveryAfter, windowsOf } from '../../src/compare/chaos-windows.js'
import type { Agreement } from '../../src/compare/compare.js'

/** Samples every 100 ms from a string per cell: `.` agree, `O` fail-open, `C` fail-closed, `!` probe error. */
function samples(cells: Record<string, string>): Sample[] {
  const n = Math.max(...Object.values(cells).map((s) => s.length))
  const map: Record<string, Agreement> = { '.': 'agree', O: 'fail-open', C: 'fail-closed', '!': 'probe-error' }
  return Array.from({ length: n }, (_, i) => ({
    atMs: i * 100,
    cells: new Map(Object.entries(cells).map(([k, s]) => [k, map[s[i] ?? '.']])),
  }))
}

t.test('a probe error is neither a window nor agreement: no window, but no recovery while it lasts', async (t) => {
  t.same(windowsOf(samples({ a: '.!!!!.' }), 100), [])
  t.equal(recoveryAfter(samples({ a: '!!!!!!' }), 0), null)
  t.equal(recoveryAfter(samples({ a: '..!!..' }), 100), 300, 'the first clean pair after the errors')
})

t.test('fail-closed needs k consecutive samples of the same cell (at least 4); lost packets are no outage', async (t) => {
  t.same(
    windowsOf(samples({ a: '.C.CC.CCCC.' }), 100, 4),
    [{ kind: 'fail-closed', startMs: 600, endMs: 1000, cells: 1 }],
    'only the run of four makes a window, from its first sample',
  )
  t.same(windowsOf(samples({ a: '..C...' }), 100), [], 'no window from one lost packet')
  t.same(windowsOf(samples({ a: 'CCC.CCC', b: '.CCC.CC' }), 100), [], 'runs of different cells do not add up')
  t.same(windowsOf(samples({ a: '.C.CC.' }), 100, 2), [{ kind: 'fail-closed', startMs: 300, endMs: 500, cells: 1 }], 'k is a parameter')
  t.same(windowsOf(samples({ a: '.CCCC' }), 100, 4), [{ kind: 'fail-closed', startMs: 100, endMs: 500, cells: 1 }], 'up to the last sample')
  t.same(windowsOf(samples({ a: '...CC' }), 100), [], 'a short run at the end is not evidence either')
})

t.test('fail-open stays strict under loss: one sample is a window, among any number of lost packets', async (t) => {
  t.same(windowsOf(samples({ a: 'C.C.O.CC.C' }), 100), [{ kind: 'fail-open', startMs: 400, endMs: 500, cells: 1 }])
  t.same(
    checkInvariants(undefined, windowsOf(samples({ a: 'C.C.O.CC.C' }), 100), 0).map((i) => [i.name, i.passed]),
    [['maxFailOpen', false]],
  )
})

t.test('evidence from the loss seen: a synthetic 30 % loss raises no fail-closed window; a real outage among it does', async (t) => {
  // Deterministic pseudo-random losses (mulberry32): every sample of an allowed cell lost with probability 0.3.
  let seed = 12345
  const rnd = () => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32
  }
  const lossy = () => Array.from({ length: 200 }, () => (rnd() < 0.3 ? 'C' : '.')).join('')
  const cells = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`c${i}`, lossy()]))
  const runs = Object.values(cells).flatMap((s) => s.match(/C+/g) ?? [])
  t.ok(Math.max(...runs.map((r) => r.length)) >= 4, 'the sequence has runs of lost samples a fixed k = 4 would call outages')
  const k = failClosedEvidence(samples(cells)).k
  // p: the worst cell's share lost between its first and last agreeing sample.
  const worst = Math.max(
    ...Object.values(cells).map((s) => {
      const span = s.slice(s.indexOf('.'), s.lastIndexOf('.') + 1)
      return (span.match(/C/g)?.length ?? 0) / span.length
    }),
  )
  t.equal(k, Math.ceil(Math.log(1e-4 / 1000) / Math.log(worst)), 'k: the least with n p^k <= 1e-4, p the worst cell')
  t.ok(k >= 14 && k <= 17, `about 15 at p = 0.3 (the worst of 5 cells higher) over 1000 samples (${k})`)
  t.same(windowsOf(samples(cells), 100), [])
  t.same(
    checkInvariants({ maxFailClosedMs: 0 }, windowsOf(samples(cells), 100), 0).map((i) => i.passed),
    [true, true],
  )
  const withOutage = { ...cells, c0: cells.c0.slice(0, 100) + 'C'.repeat(20) + cells.c0.slice(120) }
  const w = windowsOf(samples(withOutage), 100)
  t.equal(w.length, 1, 'a 2 s outage is found')
  t.ok(w[0].kind === 'fail-closed' && w[0].startMs <= 10000 && w[0].endMs >= 12000, `and spans it (${w[0].startMs}-${w[0].endMs})`)
  t.equal(failClosedEvidence(samples({ a: '....' })).k, 4, 'no loss: the minimum')
  const denied = samples({ a: '.C..CC.C', d: '........' }).map((s) => ({ ...s, allowed: new Set(['a']) }))
  t.equal(failClosedEvidence(denied).k, failClosedEvidence(samples({ a: '.C..CC.C' })).k, 'agreeing denied cells do not dilute the loss')
  const worstPath = failClosedEvidence(samples({ a: '.C.C.CC.C.', b: '..........' }))
  t.ok(worstPath.k === worstPath.of('b') && worstPath.k === worstPath.of('a'), 'the worst path (a: 4 of 10 lost) sets k for every cell')
  const short = failClosedEvidence(samples({ a: '.CC.C.' + '!'.repeat(24), b: '.'.repeat(30) }))
  t.ok(
    short.of('a') > short.k && short.of('b') === short.k,
    'a cell with too few samples to speak for its path, losing more, gets its own larger k',
  )
})

t.test('recovery: from a time to two clean samples in a row', async (t) => {
  const s = samples({ a: '..OOO.C.....', b: '............' })
  t.equal(recoveryAfter(s, 300), 200, 'first clean pair after 300 ms starts at 500 ms (the lone C is a lost packet)')
  t.equal(recoveryAfter(samples({ a: '.CCCCC..CC' }), 100, 4), 500, 'a run that may still grow at the last sample is no clean pair')
  t.equal(recoveryAfter(samples({ a: '.CCCCCCC' }), 100, 4), null, 'an outage still going on')
  t.equal(recoveryAfter(samples({ a: 'OOOO' }), 0), null, 'never')
})

t.test('invariants', async (t) => {
  const w = windowsOf(samples({ a: '.OO..CC...' }), 100, 2)
  t.same(
    checkInvariants(undefined, w, 100).map((i) => [i.name, i.passed]),
    [['maxFailOpen', false]],
    'maxFailOpen defaults to 0',
  )
  t.same(
    checkInvariants({ maxFailOpenMs: 200, maxFailClosedMs: 100, maxRecoveryMs: 50 }, w, 100).map((i) => [i.name, i.observedMs, i.passed]),
    [
      ['maxFailOpen', 200, true],
      ['maxFailClosed', 200, false],
      ['maxRecovery', 100, false],
    ],
  )
  t.same(
    checkInvariants({ maxRecoveryMs: 1000 }, [], null).find((i) => i.name === 'maxRecovery')?.passed,
    false,
    'never recovering fails maxRecovery',
  )
})

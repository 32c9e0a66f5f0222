// Judging continuous probing during faults: windows, confirmation of fail-closed, recovery, invariants.
import t from 'tap'
import { type Sample, checkInvariants, recoveryAfter, windowsOf } from '../../src/compare/chaos-windows.js'
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

t.test('a single fail-closed sample is a lost packet, two in a row are an outage', async (t) => {
  t.same(
    windowsOf(samples({ a: '.C.CC.' }), 100),
    [{ kind: 'fail-closed', startMs: 300, endMs: 500, cells: 1 }],
    'only the pair makes a window',
  )
  t.same(windowsOf(samples({ a: '..C...' }), 100), [], 'no window from one lost packet')
})

t.test('fail-open counts at once; windows span their samples and count cells', async (t) => {
  const w = windowsOf(samples({ a: '..OO...', b: '...O...', c: '.....CC' }), 100)
  t.same(w, [
    { kind: 'fail-open', startMs: 200, endMs: 400, cells: 2 },
    { kind: 'fail-closed', startMs: 500, endMs: 700, cells: 1 },
  ])
})

t.test('recovery: from a time to two clean samples in a row', async (t) => {
  const s = samples({ a: '..OOO.C.....', b: '............' })
  t.equal(recoveryAfter(s, 300), 200, 'first clean pair after 300 ms starts at 500 ms (the lone C is a lost packet)')
  t.equal(recoveryAfter(samples({ a: 'OOOO' }), 0), null, 'never')
})

t.test('invariants', async (t) => {
  const w = windowsOf(samples({ a: '.OO..CC...' }), 100)
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

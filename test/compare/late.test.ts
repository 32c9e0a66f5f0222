// `slow` under loss: what proves a flipping cell still not enforced after the limit (lateProven), and how many failed
// attempts in a row it takes (lateEvidenceRun, the fail-closed arithmetic without its cap). docs/chaos.md.
import t from 'tap'
import { enforcement, lateProven } from '../../src/compare/compare.js'
import { MAX_FAIL_CLOSED_EVIDENCE, MIN_CELL_EVIDENCE, lateEvidenceRun, lossOf } from '../../src/compare/evidence.js'
import type { Attempt } from '../../src/model/observation.js'

/** Attempts on the 200 ms cadence from `startMs`: 'a' answered (after `latencyMs`), 'b' timed out at 500 ms. */
function cadence(results: string, startMs = 0, latencyMs = 300): Attempt[] {
  return [...results].map((r, i) => ({
    round: 0,
    atMs: startMs + i * 200,
    ...(r === 'a' ? { result: 'allowed' as const, latencyMs } : { result: 'blocked' as const, latencyMs: 500 }),
  }))
}

const LIMIT = 5000

t.test('lateEvidenceRun: one failure without loss, the uncapped fail-closed run with it', async (t) => {
  t.equal(lateEvidenceRun(0, 20), 1, 'no loss seen: a timeout is taken at its word')
  const path = lateEvidenceRun(0.51, 20)
  t.ok(path >= MIN_CELL_EVIDENCE && path <= 25, `two lossy nodes (0.51): ${path}, fewer than a 5 s late change's 25 attempts`)
  const name = lateEvidenceRun(0.96, 20)
  t.ok(name > MAX_FAIL_CLOSED_EVIDENCE, `a name probe's own loss (0.96): ${name}, past the fail-closed cap`)
  t.equal(lateEvidenceRun(1, 20), Number.POSITIVE_INFINITY, 'a cell that never answered after its first answer proves nothing')
})

// The shape of issue 21's false alarm (p30b-run4, practice-dns-under-default-deny-egress, app/web -> app/api by
// name): 73 cadence attempts without an answer, the first one at 14.6 s, then about one answer in 25.
const nameCell = cadence('b'.repeat(73) + 'a' + 'b'.repeat(57) + 'abbbabbbbba')

t.test('a name probe answered late under loss is not proven slow', async (t) => {
  const own = lossOf(nameCell.map((a) => (a.result === 'allowed' ? 'agree' : 'fail-closed')))
  t.ok(own.lost / own.total > 0.75, `the cell's own loss after its first answer: ${own.lost}/${own.total}`)
  const e = enforcement('allow', nameCell, MAX_FAIL_CLOSED_EVIDENCE)
  t.ok(e && e.timeToEnforceMs > LIMIT, `its time to enforce as measured: ${e?.timeToEnforceMs} ms, past the limit`)
  const k = lateEvidenceRun(own.lost / own.total, 20)
  t.equal(lateProven('allow', nameCell, LIMIT, k), false, `73 failures in a row are loss at this rate (k ${k})`)
  // The same attempts on a path with the injected loss only (0.51) would be proof: 73 failures cannot be loss there.
  t.equal(lateProven('allow', nameCell, LIMIT, lateEvidenceRun(0.51, 20)), true)
})

t.test('a change programmed late is still proven slow, with and without loss', async (t) => {
  // Not enforced for 6 s (30 attempts fail), then a path losing half its attempts.
  const late = cadence('b'.repeat(30) + 'abbabaabab')
  t.equal(lateProven('allow', late, LIMIT, lateEvidenceRun(0.51, 20)), true, 'under loss: 30 failures, k about 18')
  t.equal(lateProven('allow', cadence('b'.repeat(27) + 'aaa'), LIMIT, 1), true, 'without loss: the time to enforce at its word')
  const relapse = cadence('b'.repeat(20) + 'aaaaaab' + 'b'.repeat(20) + 'aaa')
  t.equal(lateProven('allow', relapse, LIMIT, lateEvidenceRun(0.51, 20)), true, 'a relapse of 21 failures after the limit, under loss')
  t.equal(lateProven('allow', cadence('b'.repeat(20) + 'aaaaaabbbbaaa'), LIMIT, 19), false, '4 failures after the limit: loss')
})

t.test('a cell meant to be denied is proven late only by an answer after the limit', async (t) => {
  const open = (results: string) => cadence(results, 0, 1)
  t.equal(lateProven('deny', open('a'.repeat(27) + 'bbb'), LIMIT, 40), true, 'answered at 5.2 s: loss cannot do that')
  // Answers until 4.8 s, then no attempt until 5.1 s (a busy machine): the measured enforcement falls past the
  // limit (somewhere between the two), but nothing answered after it.
  const boundary = [...open('a'.repeat(25)), ...cadence('bbbbb', 5100)]
  const e = enforcement('deny', boundary, 1)
  t.ok(e && e.timeToEnforceMs > LIMIT, `measured at ${e?.timeToEnforceMs} ms`)
  t.equal(lateProven('deny', boundary, LIMIT, 6), false, 'under loss: not proven late')
  t.equal(lateProven('deny', boundary, LIMIT, 1), true, 'without loss: the measured time to enforce at its word, as always')
})

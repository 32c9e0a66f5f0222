// The evidence arithmetic shared by cells and chaos samples: k from the loss seen, the loss of a cell, and which
// fail-closed runs are lost packets.
import t from 'tap'
import {
  FALSE_ALARM_RISK,
  MAX_CELL_EVIDENCE,
  MAX_FAIL_CLOSED_EVIDENCE,
  MIN_CELL_EVIDENCE,
  MIN_FAIL_CLOSED_EVIDENCE,
  confirmDenied,
  confirmFailClosed,
  evidenceRun,
  lossOf,
  lossBound,
  lossShare,
  worstLoss,
} from '../../src/compare/evidence.js'
import type { Agreement } from '../../src/compare/compare.js'

/** '.' agree, 'C' fail-closed, 'O' fail-open, 'E' probe error. */
const seq = (s: string): Agreement[] =>
  [...s].map((c) => (c === '.' ? 'agree' : c === 'C' ? 'fail-closed' : c === 'O' ? 'fail-open' : 'probe-error'))
const str = (a: readonly Agreement[]) =>
  a.map((g) => (g === 'agree' ? '.' : g === 'fail-closed' ? 'C' : g === 'fail-open' ? 'O' : 'E')).join('')

t.test('k: the least run with chances x p^k under the risk, within bounds', async (t) => {
  t.equal(evidenceRun(0, 100), MIN_FAIL_CLOSED_EVIDENCE, 'no loss: the least')
  t.equal(evidenceRun(0.1, 0), MIN_FAIL_CLOSED_EVIDENCE, 'nothing that could fail')
  t.equal(evidenceRun(1, 10), MAX_FAIL_CLOSED_EVIDENCE, 'everything lost: the most')
  t.equal(evidenceRun(0.99, 10), MAX_FAIL_CLOSED_EVIDENCE, 'capped')
  for (const [p, n] of [
    [0.3, 20],
    [0.6, 20],
    [0.6, 500],
    [0.1, 4000],
  ]) {
    const k = evidenceRun(p, n)
    t.ok(n * p ** k <= FALSE_ALARM_RISK, `p ${p}, ${n} chances: k = ${k} keeps the risk`)
    t.ok(k === MIN_FAIL_CLOSED_EVIDENCE || n * p ** (k - 1) > FALSE_ALARM_RISK, `and is the least that does`)
  }
  t.equal(evidenceRun(0.6, 20), 24, 'a cross-node cell at 30 % loss per node (about 0.6 of its probes lost), 20 allowed cells')
})

t.test('the loss a cell shows while it works', async (t) => {
  t.same(lossOf(seq('CCC')), { lost: 0, total: 0 }, 'never worked: no loss to tell (it may be blocked)')
  t.same(
    lossOf(seq('CC.C..C.CCC')),
    { lost: 2, total: 6 },
    'from the first agreeing attempt to the last: the trailing failures are in question',
  )
  t.same(lossOf(seq('.E.O.')), { lost: 0, total: 3 }, 'only agreeing and fail-closed attempts count')
  t.equal(lossShare([lossOf(seq('.C.')), lossOf(seq('...')), lossOf(seq('CC'))]), 1 / 6)
  t.equal(lossShare([]), 0)
  t.equal(
    worstLoss([lossOf(seq('.CC.C.CC.C')), lossOf(seq('..........')), lossOf(seq('.C.'))]),
    5 / 9,
    'the worst path with enough observations (8) speaks for all: a cross-node cell loses more than one within a node',
  )
  t.equal(
    worstLoss([lossOf(seq('.C.')), lossOf(seq('...'))]),
    lossBound({ lost: 1, total: 6 }),
    'none with enough: the upper bound of the share over all',
  )
  t.equal(worstLoss([lossOf(seq('....')), lossOf(seq('...'))]), 0, 'nothing lost: no loss, however few the observations')
})

t.test('the loss a few observations make plausible is above their share, and comes down to it with many', async (t) => {
  t.equal(lossBound({ lost: 0, total: 5 }), 0, 'none lost: none (k stays at its least without loss)')
  const few = lossBound({ lost: 4, total: 20 })
  t.ok(few > 0.38 && few < 0.42, `4 of 20 lost (0.2): up to about 0.4 (${few}); a small step at 30 % loss measured 0.2 to 0.52`)
  const many = lossBound({ lost: 600, total: 2000 })
  t.ok(many > 0.3 && many < 0.33, `600 of 2000: close to 0.3 (${many})`)
  t.equal(lossBound({ lost: 5, total: 5 }), 1, 'all lost: at most 1')
  t.ok(
    evidenceRun(lossBound({ lost: 4, total: 20 }), 4, MIN_CELL_EVIDENCE) >= 10,
    'so a step with 4 allowed cells that saw 4 of 20 lost asks for 10 or more failures in a row, not 8',
  )
})

t.test('fail-closed runs shorter than k next to a working attempt are lost packets', async (t) => {
  t.equal(str(confirmFailClosed(seq('.CC.CCCC.C'), 4)), '....CCCC..', 'a run of k stays, shorter ones around working attempts go')
  t.equal(str(confirmFailClosed(seq('CC.'), 4)), '...', 'before it worked, when it works after (judging)')
  t.equal(str(confirmFailClosed(seq('CC.'), 4, false)), 'CC.', 'not when only what came before counts (time to enforce)')
  t.equal(str(confirmFailClosed(seq('CCC'), 4)), 'CCC', 'a cell that never worked keeps every failure')
  t.equal(str(confirmFailClosed(seq('.OCC'), 4)), '.O..', 'fail-open always stays')
  t.equal(str(confirmFailClosed(seq('.CCC'), 4)), '....', 'a trailing run after it worked, still short of k')
})

t.test("a step's cells need at least six in a row: failures come in bursts the arithmetic does not see", async (t) => {
  t.equal(evidenceRun(0, 50, MIN_CELL_EVIDENCE), 6)
  t.equal(evidenceRun(0.6, 20, MIN_CELL_EVIDENCE), evidenceRun(0.6, 20), 'loss that asks for more asks for the same')
})

t.test('a cell meant to work all along counts its failures from the start', async (t) => {
  t.same(lossOf(seq('CC.C.'), true), { lost: 3, total: 5 })
  t.same(lossOf(seq('CC.C.')), { lost: 1, total: 3 }, 'one the step opened may not have been enforced before it first worked')
  t.same(lossOf(seq('CCC'), true), { lost: 0, total: 0 }, 'never worked: still no loss to tell')
})

t.test('a denied connection: timeouts shorter than k next to an answer are lost packets of a connection that works', async (t) => {
  // '.' agree by timeout, 'r' agree by refusal, 'O' fail-open (it answered).
  const of = (s: string) => ({ g: seq(s.replaceAll('r', '.')), timedOut: [...s].map((c) => c === '.') })
  const deny = (s: string, k: number, after = true) => {
    const { g, timedOut } = of(s)
    return str(confirmDenied(g, timedOut, k, after))
  }
  t.equal(deny('O..O', 4), 'OOOO', 'two timeouts between answers: it works, the packets were lost')
  t.equal(deny('OO....', 4), 'OO....', 'k timeouts in a row after it answered: now denied (enforced late)')
  t.equal(deny('..O', 4), 'OOO', 'before an answer, when what comes after counts (judging)')
  t.equal(deny('..O', 4, false), '..O', 'not when only what came before counts (time to enforce)')
  t.equal(deny('O.r', 4), 'OO.', 'a refusal is never lost packets')
  t.equal(deny('....', 4), '....', 'never answered: every timeout is taken as denied')
  t.equal(deny('O.O.', 1), 'O.O.', 'k of 1 (no loss seen): a timeout is taken at its word')
})

// Issue 21: gryffindor/harry -> slytherin/draco 80/TCP (cluster-policy-admin-ingress-rules, step 2, a full suite at
// 30 % loss) failed 46 times in a row and was fail-closed: its step's cells between two nodes failed about 0.75 of
// their attempts in a row, where 40 (the old cap) is reached by chance once in about 1e5 runs of failures.
t.test("an allowed cell's k goes past the fail-closed cap, to what a two-node path at 30 % loss asks for", async (t) => {
  t.ok(evidenceRun(0.75, 32, MIN_CELL_EVIDENCE, MAX_CELL_EVIDENCE) > MAX_FAIL_CLOSED_EVIDENCE, 'p 0.75: past the old cap')
  // The step's worst cell with 8 observations or more: hufflepuff/cedric -> ravenclaw/luna 8080, 15 of 16 lost.
  const k = evidenceRun(worstLoss([{ lost: 15, total: 16 }]), 32, MIN_CELL_EVIDENCE, MAX_CELL_EVIDENCE)
  t.equal(k, MAX_CELL_EVIDENCE, `that step's k: ${k}`)
  t.equal(evidenceRun(0.75, 32), MAX_FAIL_CLOSED_EVIDENCE, 'the chaos samples and the denied cells keep the old cap')
  t.equal(evidenceRun(0.99, 32, MIN_CELL_EVIDENCE, MAX_CELL_EVIDENCE), MAX_CELL_EVIDENCE, 'capped all the same')
  const harry = [...Array(46).fill('fail-closed'), 'agree']
  t.equal(
    confirmFailClosed(harry, k)
      .slice(0, 46)
      .every((g) => g === 'agree'),
    true,
    '46 failures before an answer: loss',
  )
  t.equal(confirmFailClosed(harry.slice(0, 46), k)[0], 'fail-closed', 'never answered in the step: still fail-closed')
})

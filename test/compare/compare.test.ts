// Judging: prediction vs observation, stable vs flaky, intent.
import t from 'tap'
import { agreement, enforcement, judgeCell, judgedAgreements, latestAgreement, trailingFailClosed } from '../../src/compare/compare.js'
import { intendedVerdict } from '../../src/compare/intent.js'

t.test('agreement of one observation with the prediction', async (t) => {
  const table = [
    ['allow', 'allowed', 'agree'],
    ['deny', 'allowed', 'fail-open'],
    ['deny', 'blocked', 'agree'],
    ['allow', 'blocked', 'fail-closed'],
    ['deny', 'refused', 'agree'],
    ['allow', 'refused', 'probe-error'],
    ['allow', 'error', 'probe-error'],
    ['deny', 'error', 'probe-error'],
    ['allow', 'skipped', 'not-probed'],
    ['deny', 'unsupported', 'not-probed'],
  ] as const
  for (const [p, o, want] of table) t.equal(agreement(p, o), want, `${p} + ${o}`)
})

t.test('judging a cell', async (t) => {
  t.same(judgeCell(undefined, 'deny', 'blocked', ['agree']), { classification: 'match', intentViolation: false })
  t.same(judgeCell(undefined, 'deny', 'allowed', ['fail-open', 'fail-open', 'fail-open', 'fail-open']), {
    classification: 'fail-open',
    intentViolation: false,
  })
  t.same(judgeCell(undefined, 'allow', 'blocked', ['fail-closed', 'fail-closed']), {
    classification: 'fail-closed',
    intentViolation: false,
  })
  t.same(judgeCell(undefined, 'deny', 'blocked', ['fail-open', 'agree', 'fail-open']), { classification: 'flaky', intentViolation: false })
  t.same(judgeCell('allow', 'deny', 'blocked', ['agree']), { classification: 'intent-violation', intentViolation: true })
  t.same(
    judgeCell('allow', 'deny', 'allowed', ['fail-open']),
    { classification: 'fail-open', intentViolation: true },
    'a dataplane fault outranks the intent violation, both recorded',
  )
  t.same(judgeCell(undefined, 'allow', 'error', ['probe-error']), { classification: 'probe-error', intentViolation: false })
  t.same(judgeCell(undefined, 'allow', 'skipped', []), { classification: 'skipped', intentViolation: false })
  t.same(judgeCell(undefined, 'allow', 'unsupported', []), { classification: 'unsupported', intentViolation: false })
})

t.test('intent: rules in order, later wins; default; wildcards; self never judged', async (t) => {
  const expect = {
    default: 'deny' as const,
    rules: [
      { from: '*/*', to: 'x/*', verdict: 'allow' as const },
      { from: 'y/a', to: 'x/b', port: 80, verdict: 'deny' as const },
      { from: '*', to: 'db', protocol: 'UDP' as const, verdict: 'allow' as const },
    ],
  }
  const tcp80 = { port: 80, protocol: 'TCP' as const }
  t.equal(intendedVerdict(expect, 'y/a', 'x/a', tcp80), 'allow')
  t.equal(intendedVerdict(expect, 'y/a', 'x/b', tcp80), 'deny')
  t.equal(intendedVerdict(expect, 'y/a', 'x/b', { port: 81, protocol: 'TCP' }), 'allow')
  t.equal(intendedVerdict(expect, 'y/a', 'y/b', tcp80), 'deny', 'default')
  t.equal(intendedVerdict(expect, 'ext', 'db', { port: 53, protocol: 'UDP' }), 'allow', '* matches externals')
  t.equal(intendedVerdict(expect, 'ext', 'x/a', tcp80), 'deny', '*/* does not match externals')
  t.equal(intendedVerdict(expect, 'x/a', 'x/a', tcp80), undefined)
  t.equal(intendedVerdict({ rules: [] }, 'a/b', 'c/d', tcp80), undefined)
})

t.test("a cell's attempts: latest agreement, since when it agrees, what decides its judgement", async (t) => {
  const at = (round: number, atMs: number, result: 'allowed' | 'blocked' | 'error') => ({ round, atMs, result })
  // deny predicted: allowed twice (late enforcement), then blocked; round 3 is probed twice (a doubt).
  const attempts = [at(1, 0, 'allowed'), at(2, 250, 'allowed'), at(3, 500, 'blocked'), at(3, 520, 'blocked'), at(4, 750, 'blocked')]
  t.equal(latestAgreement('deny', []), undefined)
  t.equal(latestAgreement('deny', attempts), 'agree')
  t.equal(latestAgreement('allow', attempts), 'fail-closed')
  t.same(
    enforcement('deny', attempts, 1),
    { timeToEnforceMs: 500, resolutionMs: 250 },
    'from the first attempt of the current agreeing run',
  )
  t.equal(enforcement('deny', attempts, 4), null, 'under loss (k = 4): three timeouts after it answered may be lost packets')
  t.equal(enforcement('allow', attempts, 3), null, 'allow predicted: three timeouts in a row with k = 3 are a block')
  t.same(enforcement('allow', attempts)?.timeToEnforceMs, 0, 'and lost packets with k = 4, after it worked')
  t.equal(enforcement('deny', [...attempts, at(5, 1000, 'allowed')]), null, 'a disagreement resets it')
  t.same(enforcement('deny', [...attempts, at(5, 1000, 'error'), at(6, 1250, 'blocked')], 1)?.timeToEnforceMs, 1250, 'a probe error too')
  t.same(judgedAgreements('deny', attempts, 2, 1), ['fail-open', 'agree', 'agree', 'agree'], 'every attempt from round 2 on')
  t.same(
    judgedAgreements('deny', attempts, 2, 4),
    ['fail-open', 'fail-open', 'fail-open', 'fail-open'],
    'under loss, fewer than k timeouts after an answer are a connection that works',
  )
  t.same(
    judgedAgreements('deny', [at(3, 500, 'allowed'), at(3, 520, 'blocked')], 3, 1),
    ['fail-open', 'agree'],
    'a denied connection that succeeded stays evidence, whatever the doubt re-probe says',
  )
  t.same(judgedAgreements('deny', [], 1, 4), [])
  // allow predicted: it worked in round 1; rounds 2 and 3 lost some attempts.
  const lossy = [at(1, 0, 'allowed'), at(2, 250, 'blocked'), at(2, 270, 'blocked'), at(3, 500, 'blocked'), at(3, 520, 'allowed')]
  t.same(judgedAgreements('allow', lossy, 2, 4), ['agree', 'agree', 'agree', 'agree'], 'three lost in a row, k = 4: loss')
  t.same(judgedAgreements('allow', lossy, 2, 3), ['fail-closed', 'fail-closed', 'fail-closed', 'agree'], 'k = 3: a block that ended')
  t.same(
    judgedAgreements('allow', [at(2, 0, 'blocked'), at(2, 20, 'blocked'), at(3, 250, 'blocked')], 2, 4),
    ['fail-closed', 'fail-closed', 'fail-closed'],
    'a cell that never worked: its failures are no loss, however few',
  )
  t.same(judgedAgreements('allow', lossy.slice(0, 4), 2, 4), ['agree', 'agree', 'agree'], 'fewer than k after it worked: loss so far')
  t.equal(trailingFailClosed('allow', lossy.slice(0, 4)), 3)
  t.equal(trailingFailClosed('allow', lossy), 0)
  t.equal(trailingFailClosed('deny', lossy.slice(0, 4)), 0, 'blocked is no failure where policy denies')
})

t.test('time to enforce: from submission, with its resolution, loss-aware, in order of start', async (t) => {
  const at = (atMs: number, result: 'allowed' | 'blocked' | 'error', round = 0) => ({ round, atMs, result })
  // allow predicted (a policy opened the cell): blocked until enforcement between 400 and 600 ms.
  const flip = [at(5, 'blocked'), at(205, 'blocked'), at(405, 'blocked'), at(605, 'allowed'), at(805, 'allowed')]
  t.same(enforcement('allow', flip), { timeToEnforceMs: 605, resolutionMs: 200 })
  t.same(
    enforcement('allow', [flip[4], flip[2], flip[0], flip[3], flip[1]]),
    { timeToEnforceMs: 605, resolutionMs: 200 },
    'attempts finish out of order',
  )
  t.same(
    enforcement('allow', [at(40, 'allowed')]),
    { timeToEnforceMs: 40, resolutionMs: 40 },
    'agreeing at once: known to within submission',
  )
  const lost = [...flip, at(1005, 'blocked'), at(1205, 'allowed')]
  t.same(
    enforcement('allow', lost),
    { timeToEnforceMs: 605, resolutionMs: 200 },
    'one allowed connection lost between agreeing ones is loss',
  )
  const outage = [...flip, at(1005, 'blocked'), at(1205, 'blocked'), at(1405, 'allowed')]
  t.same(enforcement('allow', outage), { timeToEnforceMs: 605, resolutionMs: 200 }, 'two in a row: loss while k = 4 (the least)')
  t.same(enforcement('allow', outage, 2), { timeToEnforceMs: 1405, resolutionMs: 200 }, 'with k = 2 they are a relapse')
  t.same(enforcement('allow', [...flip, at(1005, 'blocked')])?.timeToEnforceMs, 605, 'a trailing timeout after it worked: loss so far')
  t.equal(enforcement('allow', [...flip, at(1005, 'blocked'), at(1205, 'blocked')], 2), null, 'until it reaches k')
  const open = [at(5, 'blocked'), at(205, 'allowed'), at(405, 'blocked'), at(605, 'blocked')]
  t.same(enforcement('deny', open, 1), { timeToEnforceMs: 405, resolutionMs: 200 }, 'a denied cell that connects always counts (fail-open)')
  // A hedged probe started at 205 whose third connection (at 605) was answered at 610: enforced by 610, not 205.
  const hedged = [at(5, 'blocked'), { round: 0, atMs: 205, result: 'allowed' as const, latencyMs: 405 }, at(405, 'blocked')]
  t.same(enforcement('allow', hedged), { timeToEnforceMs: 610, resolutionMs: 205 }, 'an answered connection counts when it was answered')
})

t.test('judgeCell: an agreeing cell enforced late is slow; a disagreement outranks it', async (t) => {
  t.same(judgeCell(undefined, 'deny', 'blocked', ['agree', 'agree'], true), { classification: 'slow', intentViolation: false })
  t.same(
    judgeCell('allow', 'deny', 'blocked', ['agree'], true),
    { classification: 'slow', intentViolation: true },
    'a dataplane fault outranks intent',
  )
  t.same(judgeCell(undefined, 'deny', 'allowed', ['fail-open'], true).classification, 'fail-open')
  t.same(judgeCell(undefined, 'deny', 'blocked', ['agree'], false).classification, 'match')
})

// Judging: prediction vs observation, stable vs flaky, intent.
import t from 'tap'
import { agreeingSince, agreement, judgeCell, latestAgreement, roundAgreements } from '../../src/compare/compare.js'
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

t.test("a cell's attempts: latest agreement, since when it agrees, each settled round's last word", async (t) => {
  const at = (round: number, atMs: number, result: 'allowed' | 'blocked' | 'error') => ({ round, atMs, result })
  // deny predicted: allowed twice (late enforcement), then blocked; round 3 is probed twice (a doubt).
  const attempts = [at(1, 0, 'allowed'), at(2, 250, 'allowed'), at(3, 500, 'blocked'), at(3, 520, 'blocked'), at(4, 750, 'blocked')]
  t.equal(latestAgreement('deny', []), undefined)
  t.equal(latestAgreement('deny', attempts), 'agree')
  t.equal(latestAgreement('allow', attempts), 'fail-closed')
  t.equal(agreeingSince('deny', attempts), 500, 'from the first attempt of the current agreeing run')
  t.equal(agreeingSince('allow', attempts), null)
  t.equal(agreeingSince('deny', [...attempts, at(5, 1000, 'allowed')]), null, 'a disagreement resets it')
  t.equal(agreeingSince('deny', [...attempts, at(5, 1000, 'error'), at(6, 1250, 'blocked')]), 1250, 'a probe error too')
  t.same(roundAgreements('deny', attempts, 2), ['fail-open', 'agree', 'agree'], 'one per round from round 2, its last attempt')
  t.same(roundAgreements('deny', [at(3, 500, 'allowed'), at(3, 520, 'blocked')], 3), ['agree'], 'the doubt re-probe has the last word')
  t.same(roundAgreements('deny', [], 1), [])
})

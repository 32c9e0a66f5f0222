// Judging: prediction vs observation, stable vs flaky, intent.
import t from 'tap'
import { agreement, judgeCell } from '../../src/compare/compare.js'
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
  t.same(judgeCell(undefined, 'deny', 'allowed', ['fail-open', 'fail-open', 'fail-open', 'fail-open']), { classification: 'fail-open', intentViolation: false })
  t.same(judgeCell(undefined, 'allow', 'blocked', ['fail-closed', 'fail-closed']), { classification: 'fail-closed', intentViolation: false })
  t.same(judgeCell(undefined, 'deny', 'blocked', ['fail-open', 'agree', 'fail-open']), { classification: 'flaky', intentViolation: false })
  t.same(judgeCell('allow', 'deny', 'blocked', ['agree']), { classification: 'intent-violation', intentViolation: true })
  t.same(judgeCell('allow', 'deny', 'allowed', ['fail-open']), { classification: 'fail-open', intentViolation: true }, 'a dataplane fault outranks the intent violation, both recorded')
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

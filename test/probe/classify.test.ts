// Raw outcomes become observations; a reply from the wrong pod is an error, never "allowed".
import t from 'tap'
import { classifyOutcome } from '../../src/probe/classify.js'

t.test('classify', async (t) => {
  t.same(classifyOutcome({ key: 'k', outcome: 'connected', latencyMs: 2, answeredBy: 'x/a' }, 'x/a'), { result: 'allowed', latencyMs: 2, answeredBy: 'x/a' })
  const wrong = classifyOutcome({ key: 'k', outcome: 'connected', latencyMs: 2, answeredBy: 'x/b' }, 'x/a')
  t.equal(wrong.result, 'error')
  t.match(wrong.detail, /answered by x\/b, expected x\/a/)
  t.equal(classifyOutcome({ key: 'k', outcome: 'timeout', latencyMs: 1000 }, 'x/a').result, 'blocked')
  t.equal(classifyOutcome({ key: 'k', outcome: 'refused', latencyMs: 1 }, 'x/a').result, 'refused')
  t.same(classifyOutcome({ key: 'k', outcome: 'error', latencyMs: 1, detail: 'EHOSTUNREACH' }, 'x/a'), { result: 'error', latencyMs: 1, detail: 'EHOSTUNREACH' })
})

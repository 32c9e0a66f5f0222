// Raw outcomes become observations; a reply from the wrong pod is an error, never "allowed".
import t from 'tap'
import { classifyOutcome } from '../../src/probe/classify.js'

t.test('classify', async (t) => {
  t.same(classifyOutcome({ key: 'k', outcome: 'connected', latencyMs: 2, answeredBy: 'x/a' }, 'x/a', true), {
    result: 'allowed',
    latencyMs: 2,
    answeredBy: 'x/a',
  })
  const wrong = classifyOutcome({ key: 'k', outcome: 'connected', latencyMs: 2, answeredBy: 'x/b' }, 'x/a', true)
  t.equal(wrong.result, 'error')
  t.match(wrong.detail, /answered by x\/b, expected x\/a/)
  t.same(classifyOutcome({ key: 'k', outcome: 'timeout', latencyMs: 1000 }, 'x/a', true), { result: 'blocked', latencyMs: 1000 })
  t.same(
    classifyOutcome({ key: 'k', outcome: 'timeout', latencyMs: 1000, detail: 'name lookup unanswered' }, 'x/a', true),
    { result: 'blocked', latencyMs: 1000, detail: 'name lookup unanswered' },
    'what went unanswered, when it was not the connection (a name lookup)',
  )
  t.equal(
    classifyOutcome({ key: 'k', outcome: 'refused', latencyMs: 1 }, 'x/a', true).result,
    'refused',
    'a REJECT from a server known to listen',
  )
  t.same(classifyOutcome({ key: 'k', outcome: 'error', latencyMs: 1, detail: 'EHOSTUNREACH' }, 'x/a', true), {
    result: 'error',
    latencyMs: 1,
    detail: 'EHOSTUNREACH',
  })
})

// Issue 12, defect 2: on kind, externals built from agnhost 2.56 porter with SERVE_TCP_PORT_ never listened, so every
// connection to them was refused and a refusal on a denied cell read as agreement, hiding a real egress fail-open.
t.test('a refusal from a port nobody was seen serving is an error naming the destination, not a deny', async (t) => {
  const o = classifyOutcome({ key: 'k', outcome: 'refused', latencyMs: 1, detail: 'REFUSED' }, 'orders-db', false)
  t.equal(o.result, 'error')
  t.match(o.detail, /refused by orders-db, whose server on this port was never seen listening/)
})

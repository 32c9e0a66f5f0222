// A probe round on a cluster: one exec of the probe script per source within the probe timeout plus slack; a failed
// exec is a probe error for each of that source's connections, never "blocked".
import t from 'tap'
import type { ExecResult } from '../../../src/drivers/kube/api.js'
import { EXEC_SLACK_MS, probeRound } from '../../../src/drivers/kube/probe.js'
import type { ProbeConnection } from '../../../src/drivers/driver.js'

const conn = (from: string, to: string, ip: string, port: number): ProbeConnection => ({
  key: `${from}|${to}|${port}`,
  from,
  to,
  ip,
  target: { port, protocol: 'TCP' },
})
const round = [
  conn('x/a', 'y/b', '10.244.0.11', 80),
  conn('x/a', 'y/b', '10.244.0.11', 81),
  conn('y/b', 'x/a', '10.244.0.10', 80),
  conn('db', 'x/a', '10.244.0.10', 80),
]

t.test('one exec per source with the one-exec script, within the timeout plus slack; lines parsed back to their connections', async (t) => {
  const execs: { from: string; command: readonly string[]; budgetMs: number }[] = []
  const out = await probeRound(round, 700, async (from, command, budgetMs): Promise<ExecResult> => {
    execs.push({ from, command, budgetMs })
    // What the script prints: `@@<index> <exit> <ms> <agnhost output>` per connection of this source.
    return {
      stdout: from === 'x/a' ? '@@1 1 0 TIMEOUT: i/o timeout\n@@0 0 0 \n' : '@@0 1 0 REFUSED: connection refused\n',
      stderr: '',
      exitCode: 0,
    }
  })
  t.same(
    execs.map((e) => [e.from, e.budgetMs]),
    [
      ['x/a', 700 + EXEC_SLACK_MS],
      ['y/b', 700 + EXEC_SLACK_MS],
      ['db', 700 + EXEC_SLACK_MS],
    ],
    'three sources, three execs',
  )
  t.equal(execs[0].command[0], '/bin/sh')
  t.match(
    execs[0].command[2],
    /connect 10\.244\.0\.11:80 --timeout=700ms --protocol=tcp[\s\S]*connect 10\.244\.0\.11:81 --timeout=700ms/,
    'both connections of x/a in one script',
  )
  const byKey = new Map(out.map((o) => [o.key, o]))
  t.match(
    byKey.get(round[0].key),
    { outcome: 'connected', answeredBy: 'y/b' },
    'agnhost does not say who answered: the destination is known by its address',
  )
  t.match(byKey.get(round[1].key), { outcome: 'timeout' })
  t.match(byKey.get(round[2].key), { outcome: 'refused' })
  t.equal(out.length, round.length)
})

t.test('a failed exec (no exit status) is a probe error for every connection of that source, never blocked', async (t) => {
  const out = await probeRound(round, 500, async (from) =>
    from === 'x/a'
      ? { stdout: '', stderr: 'boom', error: 'container not found' }
      : from === 'y/b'
        ? { stdout: '', stderr: 'stream reset' }
        : { stdout: '@@0 0 0 \n', stderr: '', exitCode: 0 },
  )
  t.same(
    out.filter((o) => o.key.startsWith('x/a|')).map((o) => [o.outcome, o.detail]),
    [
      ['error', 'exec in x/a failed: container not found'],
      ['error', 'exec in x/a failed: container not found'],
    ],
  )
  t.same(
    out.filter((o) => o.key.startsWith('y/b|')).map((o) => [o.outcome, o.detail]),
    [['error', 'exec in y/b failed: stream reset']],
    'no exit code and no error: the stderr says why',
  )
  t.match(
    out.find((o) => o.key.startsWith('db|')),
    { outcome: 'connected', answeredBy: 'x/a' },
    'the other sources are unaffected',
  )
})

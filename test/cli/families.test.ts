// The family in the command line's outputs: predict -o json/yaml/table, explain --family (its default, its errors),
// and validation mistakes about families exiting 2 with their path.
import t from 'tap'
import { runCli as run } from '../helpers/cli.js'

const DUAL = 'scenarios/dual-stack/ipblock-one-family.yaml'

t.test('predict shows the family of every dual-stack cell', async (t) => {
  const json = await run(['predict', DUAL, '-o', 'json'])
  t.equal(json.code, 0, json.err)
  const doc = JSON.parse(json.out)
  const step2 = doc.steps[1].cells as { from: string; to: string; family: string; verdict: string }[]
  t.ok(
    doc.steps.every((s: { cells: { family?: string }[] }) => s.cells.every((c) => c.family === 'IPv4' || c.family === 'IPv6')),
    'every cell has a family',
  )
  t.same(
    step2.filter((c) => c.from === 'x/a' && c.to === 'x/b').map((c) => [c.family, c.verdict]),
    [
      ['IPv4', 'allow'],
      ['IPv6', 'deny'],
    ],
  )
  const table = await run(['predict', DUAL, '-o', 'table'])
  t.match(table.out, /80\/TCP\/IPv4\n[\s\S]*80\/TCP\/IPv6\n/)
  const single = JSON.parse((await run(['predict', 'scenarios/basics/allow-web-to-customer.yaml', '-o', 'json'])).out)
  t.notOk('family' in single.steps[0].cells[0], 'single-family scenarios: the JSON contract is unchanged')
})

t.test('explain --family: the cell of that family, its addresses; the primary family by default', async (t) => {
  const v6 = await run(['explain', DUAL, '--step', '2', '--from', 'x/a', '--to', 'x/b', '--port', '80', '--family', 'IPv6'])
  t.equal(v6.code, 0, v6.err)
  t.match(v6.out, /x\/a -> x\/b on 80\/TCP\/IPv6 at step 2 .*: DENY/)
  t.match(v6.out, /no peer selects x\/a \(ipBlock 10\.244\.0\.10\/32\)/)
  t.match(v6.out, /IPv6 addresses: x\/a fd00:10:244::a, x\/b fd00:10:244::b/)
  const primary = await run(['explain', DUAL, '--step', '2', '--from', 'x/a', '--to', 'x/b', '--port', '80'])
  t.match(primary.out, /on 80\/TCP\/IPv4 .*: ALLOW/)
  const wrong = await run([
    'explain',
    'scenarios/basics/allow-web-to-customer.yaml',
    '--step',
    '1',
    '--from',
    'prod/web',
    '--to',
    'prod/customer',
    '--port',
    '80',
    '--family',
    'IPv6',
  ])
  t.equal(wrong.code, 2)
  t.match(wrong.err, /is IPv4 only; there are no IPv6 cells/)
  const bad = await run(['explain', DUAL, '--step', '1', '--from', 'x/a', '--to', 'x/b', '--port', '80', '--family', 'IPv5'])
  t.equal(bad.code, 2)
})

t.test('validate: a family mistake exits 2 and names its path', async (t) => {
  const dir = t.testdir({
    'bad.yaml': 'name: s\nipFamilies: [IPv4]\nnamespaces: {x: {pods: {a: {ip: "fd00::5"}}}}\nsteps: [{name: one}]\n',
  })
  const r = await run(['validate', `${dir}/bad.yaml`])
  t.equal(r.code, 2)
  t.match(r.err, /namespaces\.x\.pods\.a\.ip.*fd00::5 is an IPv6 address but the scenario's ipFamilies are IPv4/)
})

// `predict` and Calico's staged policies: the cells they would change are in every output (table, JSON, YAML), with
// the verdict now, the one they would get, and which staged policy alone would change each.
import t from 'tap'
import { parse } from 'yaml'
import { runCli as run } from '../helpers/cli.js'

const STAGED = 'scenarios/calico/staged-preview.yaml'
const step1 = [
  {
    from: 'team/a',
    to: 'team/b',
    port: 80,
    protocol: 'TCP',
    now: 'allow',
    wouldBe: 'deny',
    policies: ['staged-gnp/deny-all', 'staged-np/team/deny-b'],
  },
  {
    from: 'team/b',
    to: 'team/a',
    port: 80,
    protocol: 'TCP',
    now: 'allow',
    wouldBe: 'deny',
    policies: ['staged-gnp/deny-all', 'staged-knp/team/isolate-a'],
  },
]

t.test('predict -o json: each step with staged policies lists the cells they would change', async (t) => {
  const r = await run(['predict', STAGED, '-o', 'json'])
  t.equal(r.code, 0, r.err)
  const doc = JSON.parse(r.out)
  t.same(doc.steps[0].staged, step1)
  t.same(
    doc.steps[1].staged.map((c: { from: string; to: string }) => `${c.from} -> ${c.to}`),
    ['team/b -> team/a'],
    'the enforced deny-b already denies a -> b: the staged ones change only b -> a',
  )
  t.ok(
    doc.steps[0].cells.every((c: { verdict: string }) => c.verdict === 'allow'),
    'the staged policies change no predicted cell',
  )
  const plain = JSON.parse((await run(['predict', 'scenarios/basics/allow-web-to-customer.yaml', '-o', 'json'])).out)
  t.notOk('staged' in plain.steps[0], 'no staged policy: no field')
})

t.test('predict -o yaml: the same document', async (t) => {
  const [json, yaml] = await Promise.all([run(['predict', STAGED, '-o', 'json']), run(['predict', STAGED, '-o', 'yaml'])])
  t.equal(yaml.code, 0, yaml.err)
  t.same(parse(yaml.out), JSON.parse(json.out))
})

t.test('predict -o table: the cells, their verdicts and the staged policies', async (t) => {
  const r = await run(['predict', STAGED])
  t.match(
    r.out,
    'staged policies (not enforced) would change 2 cells\n  team/a -> team/b 80/TCP: allow, would be deny (staged-gnp/deny-all, staged-np/team/deny-b)\n',
  )
})

// The Calico lint rules: a Deny matching everything before later policies, a Pass with nothing after it, order ties
// decided by name, selectors that match nothing; each tripped by a scenario and quiet on a clean variant.
import t from 'tap'
import { main } from '../../src/cli/main.js'

type F = { rule: string; path: string; message: string }

async function findings(apply: string): Promise<F[]> {
  const scenario = `name: s
namespaces:
  a:
    pods: {p: {labels: {app: p}}, q: {labels: {app: q}}}
probe: {targets: [{port: 80}]}
steps:
  - name: one
    apply:
${apply
  .trim()
  .split('\n')
  .map((l) => `      ${l}`)
  .join('\n')}
    expect: {default: allow}
`
  const dir = t.testdir({ 's.yaml': scenario })
  let out = ''
  const code = await main(['lint', dir, '-o', 'json', '--severity', 'info'], { out: (s) => void (out += s), err: () => {} })
  t.not(code, 2, 'the scenario is valid')
  return JSON.parse(out).findings.filter((f: F) => f.rule.startsWith('calico-'))
}

const gnp = (name: string, spec: string) =>
  `- apiVersion: projectcalico.org/v3\n  kind: GlobalNetworkPolicy\n  metadata: {name: ${name}}\n  spec: ${spec}\n`
const rules = (fs: F[], id: string) => fs.filter((f) => f.rule === id)

t.test('calico-deny-shadows-all: a Deny of everything before another policy of the same pods', async (t) => {
  const deny = gnp('deny', "{order: 1, selector: app == 'p', ingress: [{action: Deny}]}")
  const allow = gnp('allow', "{order: 2, selector: app == 'p', ingress: [{action: Allow, source: {selector: app == 'q'}}]}")
  t.equal(rules(await findings(deny + allow), 'calico-deny-shadows-all').length, 1)
  const narrow = gnp('deny', "{order: 1, selector: app == 'p', ingress: [{action: Deny, protocol: UDP}]}")
  t.same(rules(await findings(narrow + allow), 'calico-deny-shadows-all'), [], 'a narrowed Deny is fine')
})

t.test('calico-pass-with-nothing-after: a Pass no later tier handles', async (t) => {
  const tier = '- apiVersion: projectcalico.org/v3\n  kind: Tier\n  metadata: {name: sec}\n  spec: {order: 10}\n'
  const pass = gnp('pass', "{tier: sec, selector: app == 'p', ingress: [{action: Pass}]}")
  t.equal(rules(await findings(tier + pass), 'calico-pass-with-nothing-after').length, 1)
  const later = gnp('later', "{selector: app == 'p', ingress: [{action: Allow}]}")
  t.same(rules(await findings(tier + pass + later), 'calico-pass-with-nothing-after'), [], 'the default tier decides after it')
})

t.test('calico-order-tie: same tier, same order, same pods', async (t) => {
  const one = gnp('one', "{order: 5, selector: app == 'p', ingress: [{action: Allow}]}")
  const two = gnp('two', "{order: 5, selector: app == 'p', ingress: [{action: Deny}]}")
  t.equal(rules(await findings(one + two), 'calico-order-tie').length, 1)
  t.same(rules(await findings(one + two.replace('order: 5', 'order: 6')), 'calico-order-tie'), [], 'distinct orders are fine')
})

t.test('calico-selects-nothing: a policy and a rule selector that match no pod', async (t) => {
  const typo = gnp('typo', "{selector: app == 'pp', ingress: [{action: Allow, source: {selector: app == 'qq'}}]}")
  const hit = rules(await findings(typo), 'calico-selects-nothing')
  t.equal(hit.length, 2)
  const fine = gnp('fine', "{selector: app == 'p', ingress: [{action: Allow, source: {selector: app == 'q'}}]}")
  t.same(rules(await findings(fine), 'calico-selects-nothing'), [])
})

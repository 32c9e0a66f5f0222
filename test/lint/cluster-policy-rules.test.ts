// The cluster-policy lint rules: equal priorities over the same pods, an Admin Deny overriding a namespace's allow,
// a Pass with nothing below; each tripped by plain manifests and quiet on a clean variant.
import t from 'tap'
import { main } from '../../src/cli/main.js'

async function findings(files: Record<string, string>): Promise<{ rule: string; path: string; message: string }[]> {
  const dir = t.testdir(files)
  let out = ''
  const code = await main(['lint', dir, '-o', 'json', '--severity', 'info'], { out: (s) => void (out += s), err: () => {} })
  t.not(code, 2, 'the manifests are valid')
  return JSON.parse(out).findings
}

const cnp = (name: string, spec: string) =>
  `apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: ${name}}\nspec: ${spec}\n---\n`
const pod = (ns: string, name: string, labels: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  containers: [{name: c, image: x}]\n---\n`.replace(
    'metadata: {',
    `metadata: {labels: ${labels}, `,
  )
const NS = (name: string, labels: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, labels: ${labels}}\n---\n`
const WORLD = NS('a', '{house: a}') + NS('b', '{house: b}') + pod('a', 'p', '{app: p}') + pod('b', 'q', '{app: q}')
type F = { rule: string; path: string; message: string }
const rules = (fs: F[], id: string): F[] => fs.filter((f) => f.rule === id)

t.test('cluster-policy-same-priority: same tier and priority over the same pods', async (t) => {
  const deny = (name: string, prio: number, subject = '{namespaces: {matchLabels: {house: a}}}') =>
    cnp(name, `{tier: Admin, priority: ${prio}, subject: ${subject}, ingress: [{action: Deny, from: [{namespaces: {}}]}]}`)
  const hit = rules(await findings({ 'm.yaml': WORLD + deny('one', 5) + deny('two', 5) }), 'cluster-policy-same-priority')
  t.equal(hit.length, 1)
  t.match(hit[0].message, /cnp\/one and cnp\/two are both Admin tier at priority 5/)
  t.equal(hit[0].path, 'spec.priority')
  t.same(
    rules(await findings({ 'm.yaml': WORLD + deny('one', 5) + deny('two', 6) }), 'cluster-policy-same-priority'),
    [],
    'different priorities',
  )
  t.same(
    rules(
      await findings({ 'm.yaml': WORLD + deny('one', 5) + deny('two', 5, '{namespaces: {matchLabels: {house: b}}}') }),
      'cluster-policy-same-priority',
    ),
    [],
    'disjoint subjects',
  )
})

t.test("admin-deny-shadows-allow: an Admin Deny of what a namespace's NetworkPolicy allows", async (t) => {
  const np = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-b, namespace: a}\nspec:\n  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {house: b}}}]}]\n---\n`
  const admin = (action: string) =>
    cnp(
      'guard',
      `{tier: Admin, priority: 1, subject: {namespaces: {matchLabels: {house: a}}}, ingress: [{action: ${action}, from: [{namespaces: {matchLabels: {house: b}}}]}]}`,
    )
  const hit = rules(await findings({ 'm.yaml': WORLD + np + admin('Deny') }), 'admin-deny-shadows-allow')
  t.equal(hit.length, 1)
  t.match(hit[0].message, /cnp\/guard ingress rule 0 \(Admin, Deny\) denies b\/Pod\/q -> a\/Pod\/p, which a\/allow-b ingress rule 0 allows/)
  t.same(
    rules(await findings({ 'm.yaml': WORLD + np + admin('Pass') }), 'admin-deny-shadows-allow'),
    [],
    'a Pass leaves it to the namespace',
  )
})

t.test('pass-with-nothing-below: a Pass where no NetworkPolicy isolates and no Baseline selects', async (t) => {
  const pass = cnp(
    'p',
    `{tier: Admin, priority: 1, subject: {namespaces: {matchLabels: {house: a}}}, ingress: [{action: Pass, from: [{namespaces: {}}]}]}`,
  )
  const hit = rules(await findings({ 'm.yaml': WORLD + pass }), 'pass-with-nothing-below')
  t.equal(hit.length, 1)
  t.match(
    hit[0].message,
    /cnp\/p ingress rule 0 passes for a\/Pod\/p, but no NetworkPolicy isolates it for Ingress and no Baseline policy selects it/,
  )
  const baseline = cnp(
    'b',
    `{tier: Baseline, priority: 1, subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {matchLabels: {house: b}}}]}]}`,
  )
  t.same(rules(await findings({ 'm.yaml': WORLD + pass + baseline }), 'pass-with-nothing-below'), [], 'a Baseline policy decides below')
})

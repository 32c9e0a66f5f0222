// Calico objects in a scenario's apply: read as calicoctl takes them, the raw object kept for the kube driver,
// bad selectors reported with their column, out-of-scope fields reported unsupported with a reason.
import t from 'tap'
import { parseScenario } from '../../src/scenario/parse.js'
import { HEAD, problems } from '../helpers/scenario-text.js'

const step = (doc: string) => `probe: {targets: [{port: 80}]}
steps:
  - name: one
    apply:
      - ${doc.split('\n').join('\n        ')}
`

t.test('a Calico NetworkPolicy becomes an apply-calico action carrying what was written', async (t) => {
  const doc = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec: {selector: "app == 'a'", ingress: [{action: Allow, source: {selector: "has(app)"}}]}`
  const r = parseScenario(HEAD + step(doc), 'test.yaml', () => undefined)
  t.ok(r.ok)
  if (!r.ok) return
  const a = r.scenario.steps[0].actions[0]
  t.equal(a.kind, 'apply-calico')
  if (a.kind !== 'apply-calico') return
  t.equal(a.object.kind, 'NetworkPolicy')
  t.same((a.raw as { spec: unknown }).spec, { selector: "app == 'a'", ingress: [{ action: 'Allow', source: { selector: 'has(app)' } }] })
})

t.test('a bad selector is a problem naming its column', async (t) => {
  const doc = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: g}
spec: {selector: "app == a"}`
  const ps = problems(HEAD + step(doc))
  t.equal(ps.length, 1)
  t.match(ps[0].message, /bad selector "app == a": expected a quoted string.* at column 8/)
  t.equal(ps[0].line, 17, 'the line of the selector')
})

t.test('out-of-scope fields are unsupported, with the reason', async (t) => {
  const doc = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: g}
spec: {doNotTrack: true, preDNAT: true, applyOnForward: true, ingress: [{action: Allow, http: {methods: [GET]}, source: {services: {name: s}}}]}`
  const ms = problems(HEAD + step(doc)).map((p) => p.message)
  for (const field of ['doNotTrack', 'preDNAT', 'applyOnForward', 'HTTP match', 'services peers'])
    t.ok(
      ms.some((m) => m.startsWith('unsupported:') && m.includes(field)),
      field,
    )
})

t.test('a namespace the scenario does not declare, and an unknown kind', async (t) => {
  const ns = problems(
    HEAD + step('apiVersion: projectcalico.org/v3\nkind: NetworkSet\nmetadata: {name: s, namespace: nope}\nspec: {nets: [10.0.0.0/8]}'),
  )
  t.match(ns[0].message, /namespace "nope" is not declared/)
  const kind = problems(HEAD + step('apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h}\nspec: {}'))
  t.match(kind[0].message, /kind must be one of/)
})

t.test('delete names a Calico object by apiVersion, kind, name (and namespace)', async (t) => {
  const text =
    HEAD +
    step('apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: sec}\nspec: {order: 1}') +
    `  - name: two
    delete: [{apiVersion: projectcalico.org/v3, kind: Tier, name: sec}]
`
  const r = parseScenario(text, 'test.yaml', () => undefined)
  t.ok(r.ok)
  if (r.ok) t.same(r.scenario.steps[1].actions, [{ kind: 'delete-calico', calicoKind: 'Tier', name: 'sec' }])
  const bad = problems(
    HEAD +
      step('apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: sec}\nspec: {order: 1}') +
      `  - name: two
    delete: [{apiVersion: projectcalico.org/v3, kind: Tier, name: other}]
`,
  )
  t.match(bad[0].message, /no Tier other exists/)
})

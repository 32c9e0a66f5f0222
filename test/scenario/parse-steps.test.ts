// Steps: actions in their fixed order, the policies live at each step, and every reference checked.
import t from 'tap'
import { parseScenario } from '../../src/scenario/parse.js'
import { HEAD, expectOne, policyStep } from '../helpers/scenario-text.js'

const P = (name: string) =>
  `{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: ${name}, namespace: x}, spec: {podSelector: {}}}`

t.test('actions in order (apply, delete, setPodLabels, setNamespaceLabels), with intent', async (t) => {
  const text =
    HEAD +
    `steps:
  - {name: one, apply: [${P('p')}]}
  - name: two
    setNamespaceLabels: {x: {team: b}}
    setPodLabels: {x/a: {app: z}}
    delete: [{namespace: x, name: p}]
    apply: [${P('q')}]
    expect: {default: deny, rules: [{from: x/a, to: db, port: 5432, verdict: allow}]}
`
  const r = parseScenario(text, 'f.yaml', () => undefined)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  const [one, two] = r.scenario.steps
  t.same(
    one.actions.map((a) => a.kind === 'apply-policy' && a.source),
    [{ file: 'f.yaml', doc: 0, path: ['steps', 0, 'apply', 0] }],
    'an inline policy is located at its entry',
  )
  t.same(
    two.actions.map((a) => a.kind),
    ['apply-policy', 'delete-policy', 'set-pod-labels', 'set-namespace-labels'],
  )
  t.same(two.actions[2], { kind: 'set-pod-labels', namespace: 'x', pod: 'a', labels: { app: 'z' } })
  t.same(
    two.actions[3],
    { kind: 'set-namespace-labels', namespace: 'x', labels: { team: 'b', 'kubernetes.io/metadata.name': 'x' } },
    'the name label stays',
  )
  t.same(two.expect, { default: 'deny', rules: [{ from: 'x/a', to: 'db', port: 5432, verdict: 'allow' }] })
  t.equal(one.expect, undefined)
})

t.test('references: namespaces, pods, live policies, step names, intent patterns', async (t) => {
  expectOne(t, HEAD + policyStep('{podSelector: {}}', '{name: p, namespace: nope}'), 'steps[0].apply[0].metadata.namespace', /not declared/)
  expectOne(t, HEAD + 'steps: [{name: a, delete: [{namespace: x, name: ghost}]}]\n', 'steps[0].delete[0]', /no policy x\/ghost/)
  expectOne(
    t,
    HEAD + `steps: [{name: a, apply: [${P('p')}]}, {name: b, delete: [{namespace: x, name: p}, {namespace: x, name: p}]}]\n`,
    'steps[1].delete[1]',
    /no policy x\/p exists at this step/,
  )
  expectOne(
    t,
    HEAD + 'steps: [{name: a, setPodLabels: {x/zz: {a: b}}}]\n',
    'steps[0].setPodLabels.x/zz',
    /no pod "x\/zz" \(use namespace\/pod\)/,
  )
  expectOne(t, HEAD + 'steps: [{name: a, setNamespaceLabels: {q: {a: b}}}]\n', 'steps[0].setNamespaceLabels.q', /no namespace/)
  expectOne(
    t,
    HEAD + 'steps: [{name: a, setNamespaceLabels: {x: {kubernetes.io/metadata.name: y}}}]\n',
    'steps[0].setNamespaceLabels.x.kubernetes.io/metadata.name',
    /must be "x" or left out: the API server always sets it/,
  )
  expectOne(t, HEAD + 'steps: [{name: a}, {name: a}]\n', 'steps[1].name', /duplicate step/)
  expectOne(
    t,
    HEAD + 'steps: [{name: a, expect: {rules: [{from: x/q, to: "*", verdict: allow}]}}]\n',
    'steps[0].expect.rules[0].from',
    /matches no pod.*wildcards/,
  )
})

t.test('a policy file naming an undeclared namespace is reported in that file', async (t) => {
  const file = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: nope}\nspec: {podSelector: {}}\n'
  const r = parseScenario(HEAD + 'steps: [{name: a, apply: [{file: p.yaml}]}]\n', 'dir/s.yaml', (p) =>
    p === 'dir/p.yaml' ? file : undefined,
  )
  t.notOk(r.ok)
  if (!r.ok)
    t.same(
      r.problems.map((p) => `${p.file}:${p.line} ${p.path}`),
      ['dir/p.yaml:3 metadata.namespace'],
    )
})

// `apply` entries: inline policies and {file: ...} references, read by the schema; every problem located in its own file.
import t from 'tap'
import { z } from 'zod'
import { applyEntrySchema, locatePolicies, scenarioProblems } from '../../src/scenario/apply-entry.js'
import { parseScenario } from '../../src/scenario/parse.js'
import { parseYaml } from '../../src/scenario/yaml-source.js'

const policy = (name: string, extra = '') =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: x}\nspec: {podSelector: {}${extra}}\n`
const FILES: Record<string, string> = {
  'dir/p.yaml': policy('one') + '---\n' + policy('two'),
  'dir/empty.yaml': '# nothing here\n',
  'dir/broken.yaml': 'a: [\n',
  'dir/bad.yaml': policy('one') + '---\n' + policy('Two', ', policyTypes: [x]'),
}
const SCENARIO = `apply:
  - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: inline, namespace: x}, spec: {podSelector: {}}}
  - {file: p.yaml}
  - {file: p.yaml, extra: 1}
  - {file: nope.yaml}
  - {file: empty.yaml}
  - {file: broken.yaml}
  - {file: bad.yaml}
  - {apiVersion: v1, kind: NetworkPolicy, metadata: {name: p, namespace: x}, spec: {podSelector: {}}}
`
const parsed = parseYaml(SCENARIO, 'dir/s.yaml')
const schema = z.object({ apply: z.array(applyEntrySchema('dir/s.yaml', (p) => FILES[p])) })
const entries = (parsed.value as { apply: unknown[] }).apply

t.test('an inline policy, and every document of a referenced file (relative to the scenario)', async (t) => {
  const r = schema.parse({ apply: entries.slice(0, 2) })
  t.same(
    r.apply.map((e) => e.map((p) => ('metadata' in p.policy ? p.policy.metadata.name : p.policy.object.name))),
    [['inline'], ['one', 'two']],
  )
  t.equal(r.apply[0][0].file, undefined, 'inline: no file')
  t.same(
    r.apply[1].map((p) => [p.file?.source.file, p.file?.doc]),
    [
      ['dir/p.yaml', 0],
      ['dir/p.yaml', 1],
    ],
  )
})

t.test('each failing entry is one issue; its problems keep their own file and line', async (t) => {
  const r = schema.safeParse({ apply: entries })
  t.notOk(r.success)
  if (r.success) return
  t.equal(r.error.issues.length, 6, 'one issue per failing entry')
  t.same(
    scenarioProblems(r.error, parsed.source).map((p) => `${p.file}:${p.line} ${p.path ?? ''} ${p.message}`),
    [
      'dir/s.yaml:4 apply[2] a policy reference must be exactly {file: relative/path.yaml}',
      'dir/s.yaml:5 apply[3].file policy file not found: dir/nope.yaml',
      'dir/empty.yaml:1  the file holds no YAML document',
      'dir/broken.yaml:2  invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
      "dir/bad.yaml:8 metadata.name must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit",
      'dir/bad.yaml:9 spec.policyTypes[0] policyTypes entries must be Ingress or Egress (got "x")',
      'dir/s.yaml:9 apply[7].apiVersion apiVersion must be networking.k8s.io/v1 (got "v1")',
    ],
  )
})

t.test("a scenario reports its shape problems first, then its policies', each in file order", async (t) => {
  const text = `name: s
namespaces: {x: {}}
steps:
  - name: a
    apply: [{file: policies/missing.yaml}]
  - name: 1
    apply: [{apiVersion: v1, kind: NetworkPolicy, metadata: {name: p, namespace: x}, spec: {podSelector: {}}}]
stpes: []
`
  const r = parseScenario(text, 'dir/s.yaml', () => undefined)
  t.notOk(r.ok)
  if (!r.ok)
    t.same(
      r.problems.map((p) => p.path),
      ['steps[1].name', 'stpes', 'steps[0].apply[0].file', 'steps[1].apply[0].apiVersion'],
    )
})

t.test('policy files through a scenario: found, multi-document, problems located in their own file', async (t) => {
  const text = 'name: s\nnamespaces: {x: {}}\nsteps: [{name: a, apply: [{file: p.yaml}]}]\n'
  const ok = parseScenario(text, 'dir/s.yaml', (p) => FILES[p])
  t.ok(ok.ok)
  if (ok.ok)
    t.same(
      ok.scenario.steps[0].actions.map((a) => (a.kind === 'apply-policy' ? [a.policy.metadata.name, a.source] : [])),
      [
        ['one', { file: 'dir/p.yaml', doc: 0, path: [] }],
        ['two', { file: 'dir/p.yaml', doc: 1, path: [] }],
      ],
    )
  const bad = parseScenario(text.replace('p.yaml', 'bad.yaml'), 'dir/s.yaml', (p) => FILES[p])
  t.notOk(bad.ok)
  if (!bad.ok) {
    t.ok(bad.problems.every((p) => p.file === 'dir/bad.yaml'))
    t.same(
      bad.problems.map((p) => p.line),
      [8, 9],
      'metadata.name on line 8 and spec.policyTypes on line 9 of the second document',
    )
  }
})

t.test("locatePolicies: inline policies at their entry's path, file policies at their own document", async (t) => {
  const r = schema.parse({ apply: entries.slice(0, 2) })
  const inline = locatePolicies(r.apply[0], parsed.source, ['steps', 0, 'apply', 0])
  t.same(
    inline.map((l) => [l.source.file, l.doc, l.path]),
    [['dir/s.yaml', 0, ['steps', 0, 'apply', 0]]],
  )
  const fromFile = locatePolicies(r.apply[1], parsed.source, ['steps', 0, 'apply', 1])
  t.same(
    fromFile.map((l) => [l.source.file, l.doc, l.path]),
    [
      ['dir/p.yaml', 0, []],
      ['dir/p.yaml', 1, []],
    ],
  )
})

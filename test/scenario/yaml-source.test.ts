// Problems located by YAML path: line and column of a key or item, or of its nearest existing ancestor; the fast path
// agrees with the reference parser; alias bombs are refused.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parseAllDocuments } from 'yaml'
import { formatPath, parseYaml, parseYamlStream, problemSink } from '../../src/scenario/yaml-source.js'

const scenario = parseYaml('name: s\nsteps:\n  - name: a\n    apply: [{x: 1}]\n', 's.yaml').source
const other = parseYamlStream('a: 1\n---\nb: 2\n', 'p.yaml').docs[1].source

t.equal(formatPath(['steps', 1, 'apply', 0, 'spec']), 'steps[1].apply[0].spec')

t.test('a sink locates problems in the scenario, or in another parsed file', async (t) => {
  const sink = problemSink(scenario)
  sink.at(['steps', 0, 'apply', 0, 'x'], 'here', 'a hint')
  sink.at(['steps', 0, 'nothing', 'below'], 'at the nearest ancestor')
  sink.atIn(other, ['b'], 'in the other file')
  t.same(sink.problems, [
    { file: 's.yaml', line: 4, column: 14, path: 'steps[0].apply[0].x', message: 'here', hint: 'a hint' },
    { file: 's.yaml', line: 3, column: 5, path: 'steps[0].nothing.below', message: 'at the nearest ancestor' },
    { file: 'p.yaml', line: 3, column: 1, path: 'b', message: 'in the other file' },
  ])
  t.equal(sink.source, scenario)
})

/** Same options as the reference parse in yaml-source.ts. */
const reference = (text: string) => parseAllDocuments(text, { uniqueKeys: true, strict: true, merge: true }).map((d) => d.toJS())

t.test('the fast path reads every shipped YAML file and every plain scalar form as the reference parser does', async (t) => {
  const files = readdirSync('scenarios', { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f))
  t.ok(files.length > 20)
  for (const f of files) {
    const text = readFileSync(join('scenarios', f), 'utf8')
    const want = reference(text).filter((v) => v !== null)
    t.same(
      parseYamlStream(text, f).docs.map((d) => d.value),
      want,
      f,
    )
  }
  const forms = [
    '0x50',
    '0o17',
    '017',
    '1_000',
    '+12',
    '-0',
    '.inf',
    '.NaN',
    '-.Inf',
    '1e3',
    '1.5',
    '0b101',
    'yes',
    'True',
    'tRue',
    '~',
    'NuLL',
    '',
  ]
  for (const c of [...forms, '2024-01-01', '12:30', '+.5', '+0x1', '08', '0X1F', '1.', '-1.5e-3', '99999999999999999999', '"80"']) {
    const text = `v: ${c}\n`
    t.same(parseYaml(text, 'f').value, reference(text)[0], c)
  }
})

t.test('duplicate keys and YAML errors are reported with their line whichever path parses', async (t) => {
  t.match(parseYaml('a: 1\nb: 2\na: 3\n', 'd.yaml').problems, [
    { file: 'd.yaml', line: 3, message: /invalid YAML: Map keys must be unique/ },
  ])
  t.match(parseYamlStream('x: 1\n---\na: 1\na: 2\n', 'd.yaml').problems, [{ line: 4, message: /Map keys must be unique/ }])
  const anchors = parseYaml('base: &b {app: web}\ncopy:\n  <<: *b\n  tier: x\n', 'm.yaml')
  t.same(anchors.value, { base: { app: 'web' }, copy: { app: 'web', tier: 'x' } }, 'anchors and merge keys go through the reference parser')
})

t.test('an alias bomb is refused with the line of its first alias, not expanded', async (t) => {
  let text = 'a: &a [x, x, x, x, x, x, x, x, x]\n'
  let prev = 'a'
  for (const n of 'bcdefghi') {
    text += `${n}: &${n} [${Array(9).fill(`*${prev}`).join(', ')}]\n`
    prev = n
  }
  for (const r of [parseYaml(text, 'bomb.yaml'), parseYamlStream(text, 'bomb.yaml')]) {
    t.match(r.problems, [{ file: 'bomb.yaml', line: 2, column: 8, message: /aliases expand too much .*alias bomb/ }])
  }
  t.same(parseYaml('a: &a [1, 2]\nb: *a\nc: *a\n', 'ok.yaml').value, { a: [1, 2], b: [1, 2], c: [1, 2] }, 'ordinary aliases still work')
})

t.test('positions of a fast-parsed file are computed when a problem is located', async (t) => {
  const r = parseYamlStream('a: 1\n---\nkind: X\nspec:\n  b: 2\n', 'lazy.yaml')
  t.equal(r.docs.length, 2)
  t.same(problemSink(r.docs[1].source).problems, [])
  const sink = problemSink(r.docs[0].source)
  sink.atIn(r.docs[1].source, ['spec', 'b'], 'here')
  t.same(sink.problems, [{ file: 'lazy.yaml', line: 5, column: 3, path: 'spec.b', message: 'here' }])
})

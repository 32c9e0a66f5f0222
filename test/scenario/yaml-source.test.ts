// Problems located by YAML path: line and column of a key or item, or of its nearest existing ancestor.
import t from 'tap'
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

// The scenario file's shape, and what the schema converts on the way (durations, protocol defaults, probe targets, intent).
import t from 'tap'
import { parse } from 'yaml'
import { applyEntrySchema } from '../../src/scenario/apply-entry.js'
import { makeScenarioSchema } from '../../src/scenario/scenario-schema.js'
import { HEAD, expectOne } from '../helpers/scenario-text.js'

const schema = makeScenarioSchema(applyEntrySchema('s.yaml', () => undefined))
const raw = (text: string) => schema.parse(parse(text))

t.test('probe blocks: targets, ports x protocols (protocol by protocol), timeout in milliseconds', async (t) => {
  const r = raw(
    HEAD +
      `probe: {ports: [80, 81], protocols: [UDP, TCP], timeout: 1.5s}
steps:
  - {name: a, probe: {targets: [{port: 53, protocol: UDP}, {port: 80}]}}
  - {name: b, probe: {ports: [9]}}
  - {name: c}
`,
  )
  t.same(r.probe, {
    targets: [
      { port: 80, protocol: 'UDP' },
      { port: 81, protocol: 'UDP' },
      { port: 80, protocol: 'TCP' },
      { port: 81, protocol: 'TCP' },
    ],
    timeoutMs: 1500,
  })
  t.same(
    r.steps.map((s) => s.probe),
    [
      {
        targets: [
          { port: 53, protocol: 'UDP' },
          { port: 80, protocol: 'TCP' },
        ],
      },
      { targets: [{ port: 9, protocol: 'TCP' }] },
      undefined,
    ],
    'unset fields stay unset (inherited later)',
  )
})

t.test('container ports default to TCP; intent comes out with its rules list', async (t) => {
  const r = raw(
    HEAD +
      'steps: [{name: a, expect: {default: allow}}, {name: b, expect: {rules: [{from: "*", to: db, protocol: UDP, verdict: deny}]}}]\n',
  )
  t.same(r.externals?.db.ports, [{ port: 5432, protocol: 'TCP' }])
  t.same(
    r.steps.map((s) => s.expect),
    [{ default: 'allow', rules: [] }, { rules: [{ from: '*', to: 'db', protocol: 'UDP', verdict: 'deny' }] }],
  )
})

t.test('probe settings that cannot work', async (t) => {
  expectOne(t, HEAD + 'probe: {timeout: soon}\nsteps: [{name: a}]\n', 'probe.timeout', /invalid duration "soon"/)
  expectOne(t, HEAD + 'probe: {targets: [{port: 80}], ports: [80]}\nsteps: [{name: a}]\n', 'probe.targets', /either targets or ports/)
  expectOne(t, HEAD + 'probe: {protocols: [UDP]}\nsteps: [{name: a}]\n', 'probe.protocols', /needs ports/)
  expectOne(t, HEAD + 'probe: {ports: []}\nsteps: [{name: a}]\n', 'probe.ports', /must not be empty/)
})

t.test('intent values', async (t) => {
  expectOne(
    t,
    HEAD + 'steps: [{name: a, expect: {rules: [{from: x/a, to: db, verdict: maybe}]}}]\n',
    'steps[0].expect.rules[0].verdict',
    /allow or deny \(got "maybe"\)/,
  )
  expectOne(t, HEAD + 'steps: [{name: a, expect: {default: open}}]\n', 'steps[0].expect.default', /default must be allow or deny/)
})

// How the scenario and its steps probe (unset fields inherited), and the ports pods serve by default.
import t from 'tap'
import type { ProbeSpec } from '../../src/model/scenario.js'
import { DEFAULT_PROBE, resolveProbe, servePorts } from '../../src/scenario/parse-probe.js'
import { parseScenario } from '../../src/scenario/parse.js'

const tcp80 = { port: 80, protocol: 'TCP' } as const
const udp53 = { port: 53, protocol: 'UDP' } as const

t.test('resolveProbe: what is set replaces, the rest is inherited, targets once each', async (t) => {
  const base: ProbeSpec = { targets: [tcp80], timeoutMs: 1000 }
  t.equal(resolveProbe(undefined, base), base, 'nothing set: the base itself')
  t.same(resolveProbe({ timeoutMs: 250 }, base), { targets: [tcp80], timeoutMs: 250 })
  t.same(resolveProbe({ targets: [udp53, tcp80, udp53] }, base), { targets: [udp53, tcp80], timeoutMs: 1000 })
  t.same(DEFAULT_PROBE, { targets: [tcp80], timeoutMs: 1000 })
})

t.test('servePorts: one per target of any probe, named as the e2e suite does', async (t) => {
  t.same(
    servePorts([
      { targets: [tcp80], timeoutMs: 1 },
      { targets: [udp53, tcp80, { port: 9, protocol: 'SCTP' }], timeoutMs: 1 },
    ]),
    [
      { name: 'serve-80-tcp', port: 80, protocol: 'TCP' },
      { name: 'serve-53-udp', port: 53, protocol: 'UDP' },
      { name: 'serve-9-sctp', port: 9, protocol: 'SCTP' },
    ],
  )
})

t.test('steps inherit the scenario probe field by field', async (t) => {
  const r = parseScenario(
    'name: s\nnamespaces: {x: {pods: {a: {}}}}\nprobe: {ports: [80, 81], timeout: 2s}\nsteps: [{name: a}, {name: b, probe: {timeout: 500ms}}, {name: c, probe: {targets: [{port: 53, protocol: UDP}]}}]\n',
    'f.yaml',
    () => undefined,
  )
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  const probes = r.scenario.steps.map((s) => `${s.probe.targets.map((x) => `${x.port}/${x.protocol}`).join(',')} ${s.probe.timeoutMs}`)
  t.same(probes, ['80/TCP,81/TCP 2000', '80/TCP,81/TCP 500', '53/UDP 2000'])
  t.equal(r.scenario.steps[0].probe, r.scenario.probe, "a step without probe shares the scenario's")
  t.same(
    r.scenario.pods[0].ports.map((p) => p.name),
    ['serve-80-tcp', 'serve-81-tcp', 'serve-53-udp'],
    "pods serve every step's targets",
  )
})

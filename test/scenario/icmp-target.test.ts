// The ICMP echo probe target: `{protocol: ICMP}` without a port, on pod addresses only; pods serve nothing for it;
// expect rules may name it; `explain --protocol ICMP` takes no port.
import t from 'tap'
import { main } from '../../src/cli/main.js'
import { renderExplain } from '../../src/cli/explain.js'
import { targetId } from '../../src/model/cluster.js'
import { parseScenario } from '../../src/scenario/parse.js'
import { loadScenarios } from '../../src/scenario/load.js'

const head = 'name: s\nnamespaces: {x: {pods: {a: {}, b: {}}}}\n'
const parse = (rest: string) => parseScenario(head + rest, 'f.yaml', () => undefined)
const problems = (rest: string) => {
  const r = parse(rest)
  return r.ok ? [] : r.problems.map((p) => p.message)
}

t.test('{protocol: ICMP} is an echo target with port 0, printed ICMP; pods serve only the TCP port', async (t) => {
  const r = parse(
    'probe: {targets: [{port: 80}, {protocol: ICMP}]}\nsteps: [{name: a, expect: {rules: [{from: x/a, to: x/b, protocol: ICMP, verdict: deny}]}}]\n',
  )
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  t.same(r.scenario.probe.targets, [
    { port: 80, protocol: 'TCP' },
    { port: 0, protocol: 'ICMP' },
  ])
  t.same(r.scenario.probe.targets.map(targetId), ['80/TCP', 'ICMP'])
  t.same(targetId({ port: 0, protocol: 'ICMP', family: 'IPv6' }), 'ICMP/IPv6')
  t.same(
    r.scenario.pods[0].ports.map((p) => `${p.port}/${p.protocol}`),
    ['80/TCP'],
    'no container port for the echo',
  )
  t.equal(r.scenario.steps[0].expect?.rules[0].protocol, 'ICMP')
})

t.test('an echo has no port, no Service, and other targets still need a port', async (t) => {
  t.match(problems('probe: {targets: [{protocol: ICMP, port: 7}]}\nsteps: [{name: a}]\n'), [/an ICMP echo has no port/])
  t.match(problems('probe: {targets: [{protocol: ICMP, via: service-ip}]}\nsteps: [{name: a}]\n'), [/pod addresses only/])
  t.match(problems('probe: {targets: [{protocol: UDP}]}\nsteps: [{name: a}]\n'), [/port is required/])
  t.match(problems('probe: {targets: [{port: 80, protocol: icmp}]}\nsteps: [{name: a}]\n'), [/protocol must be TCP, UDP, SCTP or ICMP/])
})

t.test("a step's via over inherited targets leaves the echo on the pod address", async (t) => {
  const r = parseScenario(
    'name: s\nnamespaces: {x: {pods: {a: {labels: {app: web}}, b: {}}, services: {web: {selector: {app: web}, ports: [{port: 80}]}}}}\n' +
      'probe: {targets: [{port: 80}, {protocol: ICMP}]}\nsteps: [{name: a, probe: {via: [pod-ip, service-ip]}}]\n',
    'f.yaml',
    () => undefined,
  )
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  t.same(r.scenario.steps[0].probe.targets.map(targetId), ['80/TCP', '80/TCP/service-ip', 'ICMP'])
})

t.test('explain takes --protocol ICMP without --port, and names the rule that decided', async (t) => {
  const [s] = loadScenarios(['scenarios/calico/icmp.yaml'])
  const out = renderExplain(s, '1', 'lab/pinger', 'lab/server', { port: 0, protocol: 'ICMP' })
  t.match(out, /deny/i)
  t.match(out, /server-web/)
  let err = ''
  const io = { out: () => {}, err: (x: string) => void (err += x) }
  t.equal(
    await main(
      [
        'explain',
        'scenarios/calico/icmp.yaml',
        '--step',
        '1',
        '--from',
        'lab/pinger',
        '--to',
        'lab/server',
        '--protocol',
        'ICMP',
        '--port',
        '80',
      ],
      io,
    ),
    2,
  )
  t.match(err, /an ICMP echo has no port/)
  err = ''
  t.equal(await main(['explain', 'scenarios/calico/icmp.yaml', '--step', '1', '--from', 'lab/pinger', '--to', 'lab/server'], io), 2)
  t.match(err, /--port/)
})

// Services in scenario files: API server defaults and rules, nodePort allocation, probe `via` per probe, target and step.
import t from 'tap'
import { targetId } from '../../src/model/cluster.js'
import { parseScenario } from '../../src/scenario/parse.js'

const parse = (text: string) => parseScenario(text, 's.yaml', () => undefined)
const messages = (text: string) => {
  const r = parse(text)
  return r.ok ? [] : r.problems.map((p) => `${p.line}: ${p.message}`)
}

t.test('defaults: targetPort = port, ClusterIP, Cluster traffic policy, nodePorts allocated past the written ones', async (t) => {
  const r = parse(`name: s
namespaces:
  x:
    pods: {a: {labels: {app: a}}}
    services:
      a: {selector: {app: a}, ports: [{port: 80}]}
      n: {selector: {app: a}, type: NodePort, ports: [{name: one, port: 81}, {name: two, port: 82, nodePort: 30000}]}
probe: {ports: [80, 81]}
steps: [{name: a}]
`)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  t.same(r.scenario.services, [
    {
      namespace: 'x',
      name: 'a',
      selector: { app: 'a' },
      type: 'ClusterIP',
      externalTrafficPolicy: 'Cluster',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    },
    {
      namespace: 'x',
      name: 'n',
      selector: { app: 'a' },
      type: 'NodePort',
      externalTrafficPolicy: 'Cluster',
      ports: [
        { name: 'one', port: 81, protocol: 'TCP', targetPort: 81, nodePort: 30001 },
        { name: 'two', port: 82, protocol: 'TCP', targetPort: 82, nodePort: 30000 },
      ],
    },
  ])
  t.same(
    r.scenario.pods[0].ports.map((p) => p.port),
    [80, 81, 82],
    'pods without ports also serve every numeric targetPort',
  )
})

t.test('a scenario without services parses as before (no services field, targets without via)', async (t) => {
  const r = parse('name: s\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: a}]\n')
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  t.notOk('services' in r.scenario)
  t.same(r.scenario.probe.targets, [{ port: 80, protocol: 'TCP' }])
})

t.test('via on the probe, on targets, inherited by steps', async (t) => {
  const r = parse(`name: s
namespaces:
  x:
    pods: {a: {labels: {app: a}}}
    services: {a: {selector: {app: a}, ports: [{port: 80, name: http}, {port: 53, protocol: UDP, name: dns}], type: NodePort}}
probe: {ports: [80], via: [pod-ip, service-ip]}
steps:
  - name: a
  - name: b
    probe: {via: node-port}
  - name: c
    probe: {targets: [{port: 53, protocol: UDP, via: [service-name]}]}
`)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  t.same(
    r.scenario.steps.map((s) => s.probe.targets.map(targetId)),
    [['80/TCP', '80/TCP/service-ip'], ['80/TCP/node-port'], ['53/UDP/service-name']],
  )
})

t.test('problems: as the API server says, and a via no Service carries', async (t) => {
  const got = messages(`name: s
namespaces:
  x:
    pods: {a: {labels: {app: a}}}
    services:
      a: {selector: {app: a}, externalTrafficPolicy: Local, ports: [{port: 80, nodePort: 30080}, {port: 81}]}
      b: {selector: {}, type: NodePort, ports: [{port: 80, nodePort: 30080}]}
      c: {selector: {app: a}, ports: [{port: 80, targetPort: 8080, tagetPort: 1}]}
probe: {targets: [{port: 90, via: service-ip}]}
steps: [{name: a, probe: {via: node-port, targets: [{port: 80, via: service-ip}]}}]
`)
  t.match(got.join('\n'), /tagetPort/, 'unknown fields are named')
  t.match(got.join('\n'), /use via either on the probe or on its targets/)
  const second = messages(`name: s
namespaces:
  x:
    pods: {a: {labels: {app: a}}}
    services:
      a: {selector: {app: a}, externalTrafficPolicy: Local, ports: [{port: 80, nodePort: 30080}, {port: 81}]}
      b: {selector: {}, type: NodePort, ports: [{port: 80, nodePort: 30080}]}
probe: {targets: [{port: 90, via: service-ip}]}
steps: [{name: a, probe: {targets: [{port: 80, via: node-port}]}}]
`)
  const all = second.join('\n')
  t.match(all, /externalTrafficPolicy may only be set on a NodePort Service/)
  t.match(all, /nodePort may only be set on a NodePort Service/)
  t.match(all, /more than one port must name each port/)
  t.match(all, /a Service needs a selector/)
  t.match(all, /nodePort 30080 is already used by x\/a/)
  t.match(all, /via service-ip on 90\/TCP: no Service of the scenario has that port/)
  t.notMatch(all, /via node-port on 80\/TCP/, 'x/b is a NodePort Service on 80')
})

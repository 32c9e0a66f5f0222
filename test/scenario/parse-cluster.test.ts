// Namespaces, pods and externals: labels completed, addresses declared or allocated, names checked.
import t from 'tap'
import { parseScenario } from '../../src/scenario/parse.js'
import { expectOne } from '../helpers/scenario-text.js'

const parse = (text: string) => {
  const r = parseScenario(text, 'f.yaml', () => undefined)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.scenario
}

t.test('namespaces carry their own name label; pods and externals get their defaults', async (t) => {
  const s = parse(
    'name: s\nnamespaces: {x: {labels: {team: a}, pods: {a: {node: edge, ports: [{name: http, port: 8080}]}, b: null}}, y: null}\nexternals: {db: {ip: 192.0.2.10}}\nprobe: {ports: [80, 53], protocols: [UDP]}\nsteps: [{name: one}]\n',
  )
  t.same(s.namespaces, [
    { name: 'x', labels: { team: 'a', 'kubernetes.io/metadata.name': 'x' } },
    { name: 'y', labels: { 'kubernetes.io/metadata.name': 'y' } },
  ])
  t.same(
    s.pods.map((p) => [p.name, p.ip, p.node, p.ports.map((cp) => `${cp.name}:${cp.port}/${cp.protocol}`)]),
    [
      ['a', '10.244.0.10', 'edge', ['http:8080/TCP']],
      ['b', '10.244.0.11', undefined, ['serve-80-udp:80/UDP', 'serve-53-udp:53/UDP']],
    ],
  )
  t.same(s.externals, [{ name: 'db', ip: '192.0.2.10', ports: [] }], 'externals serve only the ports they declare')
  t.equal(s.podCIDR, '10.244.0.0/16')
})

t.test('pod CIDR is configurable and skips declared addresses (IPv6 too)', async (t) => {
  const s = parse('name: s\npodCIDR: fd00:10::/64\nnamespaces: {x: {pods: {a: {ip: "fd00:10::a"}, b: {}, c: {}}}}\nsteps: [{name: one}]\n')
  t.same(
    s.pods.map((p) => p.ip),
    ['fd00:10::a', 'fd00:10::b', 'fd00:10::c'],
  )
})

t.test('addresses and names that clash', async (t) => {
  expectOne(
    t,
    'name: s\nnamespaces: {x: {pods: {a: {ip: 10.0.0.1}, b: {ip: 10.0.0.1}}}}\nsteps: [{name: a}]\n',
    'namespaces.x.pods.b.ip',
    /already used by x\/a/,
  )
  expectOne(
    t,
    'name: s\nnamespaces: {x: {pods: {a: {ip: 10.0.0.1}}}}\nexternals: {e: {ip: 10.0.0.1}}\nsteps: [{name: a}]\n',
    'namespaces.x.pods.a.ip',
    /already used by e/,
    2,
  )
  expectOne(
    t,
    'name: s\npodCIDR: 10.0.0.0/30\nnamespaces: {x: {pods: {a: {}, b: {}}}}\nsteps: [{name: a}]\n',
    'podCIDR',
    /has no room for 2 pods/,
  )
  expectOne(
    t,
    'name: s\nnamespaces: {x: {pods: {a: {}}}}\nexternals: {x: {ip: 192.0.2.1}}\nsteps: [{name: a}]\n',
    'externals.x',
    /has the name of a namespace/,
  )
  expectOne(
    t,
    'name: s\nnamespaces: {x: {labels: {kubernetes.io/metadata.name: y}}}\nsteps: [{name: a}]\n',
    'namespaces.x.labels.kubernetes.io/metadata.name',
    /must be "x" or left out/,
  )
})

t.test('addresses no pod or external can have are refused with one reason each', async (t) => {
  const ext = (ip: string) => `name: s\nnamespaces: {x: {pods: {a: {}}}}\nexternals: {e: {ip: "${ip}"}}\nsteps: [{name: one}]\n`
  const cases: [string, RegExp][] = [
    ['0.0.0.0', /"this network"/],
    ['255.255.255.255', /reserved .*broadcast/],
    ['127.0.0.1', /loopback/],
    ['169.254.1.1', /link-local/],
    ['169.254.200.1', /link-local/],
    ['224.0.0.5', /multicast/],
    ['::1', /IPv6 loopback/],
    ['::', /unspecified/],
    ['fe80::1', /IPv6 link-local/],
    ['ff02::1', /IPv6 multicast/],
    ['167772168', /four decimal octets/],
    ['10.0.0.010', /leading zeros/],
  ]
  for (const [ip, why] of cases) expectOne(t, ext(ip), 'externals.e.ip', why, 3)
  expectOne(
    t,
    'name: s\nnamespaces: {x: {pods: {a: {ip: 127.0.0.9}}}}\nsteps: [{name: one}]\n',
    'namespaces.x.pods.a.ip',
    /127\.0\.0\.9 is loopback.*no pod or external can have it/,
  )
})

t.test('a pod CIDR overlapping loopback, link-local or multicast is refused', async (t) => {
  for (const [cidr, why] of [
    ['127.0.0.0/16', /overlaps 127\.0\.0\.0\/8/],
    ['0.0.0.0/0', /overlaps 0\.0\.0\.0\/8/],
    ['169.254.0.0/24', /overlaps 169\.254\.0\.0\/16/],
    ['fe80::/64', /overlaps fe80::\/10/],
  ] as const)
    expectOne(t, `name: s\npodCIDR: "${cidr}"\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one}]\n`, 'podCIDR', why)
})

t.test('the same address spelled twice is one address', async (t) => {
  expectOne(
    t,
    'name: s\npodCIDR: fd00::/64\nnamespaces: {x: {pods: {a: {ip: "fd00::a"}, b: {ip: "fd00:0:0::a"}}}}\nsteps: [{name: one}]\n',
    'namespaces.x.pods.b.ip',
    /address fd00:0:0::a is already used by x\/a \(written fd00::a\)/,
  )
  const s = parse('name: s\npodCIDR: fd00::/64\nnamespaces: {x: {pods: {a: {ip: "fd00:0::a"}, b: {}}}}\nsteps: [{name: one}]\n')
  t.same(
    s.pods.map((p) => p.ip),
    ['fd00:0::a', 'fd00::b'],
    'allocation skips a declared address however it is written',
  )
})

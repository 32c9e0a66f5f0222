// ipFamilies: one or two families, addresses per family (written or allocated from each family's pod CIDR),
// targets probed on each family, and every mistake reported with its path (exit 2 in the CLI).
import t from 'tap'
import { parseScenario } from '../../src/scenario/parse.js'
import { expectOne } from '../helpers/scenario-text.js'

const parse = (text: string) => {
  const r = parseScenario(text, 'f.yaml', () => undefined)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.scenario
}
const DUAL = 'name: s\nipFamilies: [IPv4, IPv6]\n'

t.test('dual-stack: every pod gets one address per family, written ones kept, the rest allocated', async (t) => {
  const s = parse(
    `${DUAL}namespaces: {x: {pods: {a: {ips: [10.244.0.20, "fd00:10:244::20"]}, b: {}, c: {ip: "fd00:10:244::c"}}}}\nexternals: {e6: {ip: "2001:db8::1"}, both: {ips: ["2001:db8::2", 192.0.2.2]}}\nsteps: [{name: one}]\n`,
  )
  t.same(
    s.pods.map((p) => [p.name, p.ip, p.ips]),
    [
      ['a', '10.244.0.20', ['10.244.0.20', 'fd00:10:244::20']],
      ['b', '10.244.0.10', ['10.244.0.10', 'fd00:10:244::a']],
      ['c', '10.244.0.11', ['10.244.0.11', 'fd00:10:244::c']],
    ],
    'ip is the primary family; ips in family order',
  )
  t.same(
    s.externals.map((e) => [e.name, e.ip, e.ips]),
    [
      ['e6', '2001:db8::1', undefined],
      ['both', '192.0.2.2', ['192.0.2.2', '2001:db8::2']],
    ],
    'externals have what they are given',
  )
  t.same(s.ipFamilies, ['IPv4', 'IPv6'])
  t.same(s.podCIDRs, ['10.244.0.0/16', 'fd00:10:244::/56'])
  t.same(
    s.steps[0].probe.targets,
    [
      { port: 80, protocol: 'TCP', family: 'IPv4' },
      { port: 80, protocol: 'TCP', family: 'IPv6' },
    ],
    'every target on each family',
  )
  t.same(
    s.pods[0].ports.map((p) => p.name),
    ['serve-80-tcp'],
    'pods serve each port once, whatever the family',
  )
})

t.test('IPv6 primary, custom pod CIDRs per family; single family keeps plain targets', async (t) => {
  const s = parse(
    'name: s\nipFamilies: [IPv6, IPv4]\npodCIDR: ["fd00:1::/64", 10.1.0.0/16]\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one}]\n',
  )
  t.same([s.pods[0].ip, s.pods[0].ips], ['fd00:1::a', ['fd00:1::a', '10.1.0.10']])
  t.same(
    s.probe.targets.map((x) => x.family),
    ['IPv6', 'IPv4'],
    'primary family first',
  )
  const v6 = parse('name: s\nipFamilies: [IPv6]\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one}]\n')
  t.equal(v6.pods[0].ip, 'fd00:10:244::a', 'IPv6 only: the default IPv6 pod CIDR')
  t.same(v6.steps[0].probe.targets, [{ port: 80, protocol: 'TCP' }], 'one family: targets without a family')
  const legacy = parse('name: s\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one}]\n')
  t.equal(legacy.ipFamilies, undefined, 'undeclared: read as before families existed')
  t.equal(legacy.pods[0].ips, undefined)
})

t.test('mistakes are reported where they are written', async (t) => {
  const ns = (pod: string) => `namespaces: {x: {pods: {a: ${pod}}}}\nsteps: [{name: one}]\n`
  expectOne(t, `name: s\nipFamilies: [IPv5]\n${ns('{}')}`, 'ipFamilies[0]', /IPv4 or IPv6 \(got "IPv5"\)/)
  expectOne(t, `name: s\nipFamilies: [IPv4, IPv4]\n${ns('{}')}`, 'ipFamilies[1]', /IPv4 is already listed/)
  expectOne(
    t,
    `name: s\nipFamilies: [IPv4]\n${ns('{ip: "fd00::5"}')}`,
    'namespaces.x.pods.a.ip',
    /fd00::5 is an IPv6 address but the scenario's ipFamilies are IPv4/,
  )
  expectOne(t, `${DUAL}${ns('{ips: [10.0.0.5, 10.0.0.6]}')}`, 'namespaces.x.pods.a.ips[1]', /a second IPv4 address/)
  expectOne(t, `${DUAL}${ns('{ip: 10.0.0.5, ips: [10.0.0.5]}')}`, 'namespaces.x.pods.a.ips', /either ip or ips/)
  expectOne(
    t,
    `name: s\nipFamilies: [IPv4]\npodCIDR: ["fd00::/64"]\n${ns('{}')}`,
    'podCIDR[0]',
    /is IPv6 but the scenario's ipFamilies are IPv4/,
  )
  expectOne(
    t,
    `name: s\nipFamilies: [IPv4]\nnamespaces: {x: {pods: {a: {}}}}\nexternals: {e: {ip: "2001:db8::1"}}\nsteps: [{name: one}]\n`,
    'externals.e.ip',
    /IPv6 address but the scenario's ipFamilies are IPv4/,
  )
  expectOne(
    t,
    `name: s\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one, expect: {rules: [{from: x/a, to: x/a, family: IPv6, verdict: deny}]}}]\n`,
    'steps[0].expect.rules[0].family',
    /ipFamilies are IPv4/,
  )
  expectOne(t, 'name: s\nnamespaces: {x: {pods: {a: {}}}}\nexternals: {e: {}}\nsteps: [{name: one}]\n', 'externals.e.ip', /needs ip/)
})

t.test('an expect rule narrowed to a family asserts only that family', async (t) => {
  const s = parse(
    `${DUAL}namespaces: {x: {pods: {a: {}, b: {}}}}\nsteps: [{name: one, expect: {default: allow, rules: [{from: x/a, to: x/b, family: IPv6, verdict: deny}]}}]\n`,
  )
  const { intendedVerdict } = await import('../../src/compare/intent.js')
  const e = s.steps[0].expect
  t.equal(intendedVerdict(e, 'x/a', 'x/b', { port: 80, protocol: 'TCP', family: 'IPv6' }), 'deny')
  t.equal(intendedVerdict(e, 'x/a', 'x/b', { port: 80, protocol: 'TCP', family: 'IPv4' }), 'allow')
})

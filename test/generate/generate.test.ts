// generate on small scenarios: exact sets, widening reported with its cause, DNS kept whole (or left closed when
// the intent denies it), covering CIDRs, and the observed matrix of a report as intent.
import t from 'tap'
import { predict } from '../../src/evaluator/index.js'
import { generate, isExact } from '../../src/generate/generate.js'
import { intentFromExpect, intentFromReport } from '../../src/generate/intent.js'
import { renderNotes } from '../../src/generate/render.js'
import type { Scenario } from '../../src/model/scenario.js'
import type { StepReport } from '../../src/report/model.js'
import { loadScenarios } from '../../src/scenario/load.js'
import { parseScenario } from '../../src/scenario/parse.js'
import { TWINS } from '../helpers/scenario-text.js'

function scenario(body: string): Scenario {
  const r = parseScenario(`name: s\n${body}`, 'test.yaml', () => undefined)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.scenario
}

t.test('twins with the same stable labels: the widened cell is listed with the rule and the cause', async (t) => {
  const g = generate(intentFromExpect(scenario(TWINS), 0))
  t.notOk(isExact(g))
  t.same(g.proof.missing, [])
  t.same(
    g.proof.widened.map((w) => [w.from, w.to, w.target.port]),
    [['x/web', 'x/api-2', 80]],
  )
  t.match(g.proof.widened[0].allowedBy, ['x/allow-web egress rule 0', 'x/allow-api ingress rule 0'])
  t.match(g.proof.widened[0].why, /x\/api-2 shares its stable labels with x\/api-1/)
  t.match(renderNotes(g), /widened: x\/web -> x\/api-2 80\/TCP intended deny/)
})

t.test('an exact set: default deny per namespace, one policy per workload, explicit ports, verified by predict', async (t) => {
  const s = scenario(TWINS.replace('api-2: {labels: {app: api}}', 'api-2: {labels: {app: api, track: canary}}'))
  const intent = intentFromExpect(s, 0)
  const g = generate(intent)
  t.ok(isExact(g), renderNotes(g))
  t.same(
    g.policies.map((p) => p.metadata.name),
    ['default-deny', 'allow-web', 'allow-api'],
    'the canary is in no flow: the default deny alone covers it',
  )
  t.same(g.policies[0].spec, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })
  t.same(g.policies[1].spec.egress, [
    {
      to: [{ podSelector: { matchLabels: { app: 'api' }, matchExpressions: [{ key: 'track', operator: 'DoesNotExist' }] } }],
      ports: [{ protocol: 'TCP', port: 80 }],
    },
  ])
  // Independently of the proof: predict the set and compare every asserted cell.
  const table = predict({ ...intent.state, policies: [...g.policies] }, intent.targets)
  for (const c of intent.verdicts.entries()) t.equal(table.get(c.from, c.to, c.target), c.value, `${c.from} -> ${c.to}`)
})

const DNS = `namespaces:
  kube-system:
    pods:
      coredns: {labels: {k8s-app: kube-dns}}
  app:
    pods:
      web: {labels: {app: web}}
      api: {labels: {app: api}}
probe: {targets: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]}
steps:
  - name: udp
    expect:
      default: deny
      rules:
        - {from: app/web, to: kube-system/coredns, port: 53, protocol: UDP, verdict: allow}
  - name: udp only, tcp denied
    expect:
      default: deny
      rules:
        - {from: app/web, to: kube-system/coredns, port: 53, protocol: UDP, verdict: allow}
        - {from: app/web, to: kube-system/coredns, port: 53, protocol: TCP, verdict: deny}
`

t.test('DNS: TCP 53 goes beside UDP 53 unless the intent denies it; a workload without DNS gets none', async (t) => {
  const s = scenario(
    DNS.replace(
      'default: deny\n      rules:\n        - {from: app/web, to: kube-system/coredns, port: 53, protocol: UDP, verdict: allow}\n  - name: udp only',
      'rules:\n        - {from: app/web, to: kube-system/coredns, port: 53, protocol: UDP, verdict: allow}\n  - name: udp only',
    ),
  )
  const added = generate(intentFromExpect(s, 0))
  t.same(added.dns, [{ from: 'app/web', to: 'kube-system/coredns', intended: ['UDP'], added: ['TCP'], deniedByIntent: [] }])
  t.ok(isExact(added))
  const web = added.policies.find((p) => p.metadata.name === 'allow-web')!
  t.same(web.spec.egress![0].ports, [
    { protocol: 'TCP', port: 53 },
    { protocol: 'UDP', port: 53 },
  ])
  t.notOk(
    added.policies.some((p) => p.metadata.name === 'allow-api'),
    'api needs nothing: no DNS is invented for it',
  )
  t.match(renderNotes(added), /TCP 53 added beside the intended UDP 53/)
  const denied = generate(intentFromExpect(s, 1))
  t.same(denied.dns[0].deniedByIntent, ['TCP'])
  t.ok(isExact(denied), 'the intent still holds exactly')
  t.match(renderNotes(denied), /TCP 53 left closed: the intent denies it/)
})

const EXTERNALS = `namespaces:
  shop:
    pods:
      orders: {labels: {app: orders}}
externals:
  db-1: {ip: 172.20.5.10, ports: [{port: 3306}]}
  db-2: {ip: 172.20.5.12, ports: [{port: 3306}]}
  other: {ip: 172.20.5.13, ports: [{port: 3306}]}
probe: {targets: [{port: 3306, protocol: TCP}]}
steps:
  - name: intent
    expect:
      default: deny
      rules:
        - {from: shop/orders, to: db-1, verdict: allow}
        - {from: shop/orders, to: db-2, verdict: allow}
`

t.test('externals: /32 each by default; a covering CIDR on request, its widening reported', async (t) => {
  const intent = intentFromExpect(scenario(EXTERNALS), 0)
  const exact = generate(intent)
  t.ok(isExact(exact))
  t.same(exact.policies[1].spec.egress![0].to, [{ ipBlock: { cidr: '172.20.5.10/32' } }, { ipBlock: { cidr: '172.20.5.12/32' } }])
  const covering = generate(intent, 'covering')
  t.same(covering.coverings, [{ policy: 'shop/allow-orders', cidr: '172.20.5.8/29', externals: ['db-1', 'db-2'] }])
  t.same(
    covering.proof.widened.map((w) => [w.from, w.to]),
    [['shop/orders', 'other']],
  )
  t.match(covering.proof.widened[0].why, /other \(172\.20\.5\.13\) is inside 172\.20\.5\.8\/29/)
})

t.test("a report's observation as intent: allowed is allow, blocked and refused deny, errors unasserted", async (t) => {
  const s = scenario(TWINS.replace('api-2: {labels: {app: api}}', 'api-2: {labels: {app: api, v: two}}'))
  const cell = (from: string, to: string, result: 'allowed' | 'blocked' | 'refused' | 'error') => ({
    from,
    to,
    port: 80,
    protocol: 'TCP' as const,
    prediction: 'allow' as const,
    observation: { result, attempts: [] },
    classification: 'match' as const,
    intentViolation: false,
    timeToEnforceMs: 0,
  })
  const step = {
    name: 'intent',
    targets: [{ port: 80, protocol: 'TCP' }],
    cells: [
      cell('x/web', 'x/api-1', 'allowed'),
      cell('x/web', 'x/api-2', 'refused'),
      cell('x/api-1', 'x/web', 'blocked'),
      cell('x/api-2', 'x/web', 'error'),
    ],
  } as unknown as StepReport
  const intent = intentFromReport(s, 0, step, 'r1')
  t.equal(intent.verdicts.get('x/web', 'x/api-1', { port: 80, protocol: 'TCP' }), 'allow')
  t.equal(intent.verdicts.get('x/web', 'x/api-2', { port: 80, protocol: 'TCP' }), 'deny')
  t.equal(intent.verdicts.get('x/api-1', 'x/web', { port: 80, protocol: 'TCP' }), 'deny')
  t.equal(intent.verdicts.get('x/api-2', 'x/web', { port: 80, protocol: 'TCP' }), undefined)
  const g = generate(intent)
  t.ok(isExact(g))
  t.equal(g.proof.asserted, 3)
  const wrong = { ...step, cells: [cell('x/web', 'y/none', 'allowed')] } as unknown as StepReport
  t.throws(() => intentFromReport(s, 0, wrong, 'r1'), /does not have: is it the scenario that run ran/)
})

t.test('a run that observed exactly the intent generates exactly the set the intent generates', async (t) => {
  const [s] = loadScenarios(['scenarios/generate/dns.yaml'])
  const si = s.steps.findIndex((x) => x.name === 'generated')
  const fromExpect = generate(intentFromExpect(s, si))
  const cells = [...fromExpect.intent.verdicts.entries()].map((c) => ({
    from: c.from,
    to: c.to,
    port: c.target.port,
    protocol: c.target.protocol,
    observation: { result: c.value === 'allow' ? 'allowed' : 'blocked', attempts: [] },
  }))
  const step = { name: 'generated', targets: s.steps[si].probe.targets, cells } as unknown as StepReport
  const fromReport = generate(intentFromReport(s, si, step, 'r1'))
  t.same(fromReport.policies, fromExpect.policies)
  t.same(fromReport.dns, fromExpect.dns, 'TCP 53 is added beside the observed UDP 53 all the same')
})

const DUAL = `ipFamilies: [IPv4, IPv6]
namespaces:
  x:
    pods:
      a: {labels: {app: a}, ips: [10.244.0.10, 'fd00:10:244::a']}
      b: {labels: {app: b}, ips: [10.244.0.11, 'fd00:10:244::b']}
      c: {labels: {app: c}, ips: [10.244.0.12, 'fd00:10:244::c']}
externals:
  db: {ips: [198.51.100.10, '2001:db8::10'], ports: [{port: 5432}]}
  v6-only: {ip: '2001:db8:1::20', ports: [{port: 5432}]}
probe: {ports: [80, 5432]}
steps:
  - name: intent
    expect:
      default: deny
      rules:
        - {from: x/a, to: x/b, port: 80, verdict: allow}
        - {from: x/a, to: x/c, port: 80, family: IPv6, verdict: allow}
        - {from: x/a, to: db, port: 5432, verdict: allow}
        - {from: x/a, to: v6-only, port: 5432, verdict: allow}
`

t.test('dual-stack: per-family cells round-trip; a pod allowed over one family is pinned to that address', async (t) => {
  const intent = intentFromExpect(scenario(DUAL), 0)
  t.same(
    intent.targets.map((x) => x.family),
    ['IPv4', 'IPv6', 'IPv4', 'IPv6'],
    'the intent keeps the family dimension',
  )
  t.equal(
    intent.verdicts.get('x/a', 'v6-only', { port: 5432, protocol: 'TCP', family: 'IPv4' }),
    undefined,
    'no cell over a family one end lacks',
  )
  const g = generate(intent)
  t.ok(isExact(g), renderNotes(g))
  const a = g.policies.find((p) => p.metadata.name === 'allow-a')!
  t.same(a.spec.egress, [
    {
      to: [{ podSelector: { matchLabels: { app: 'b' } } }, { ipBlock: { cidr: 'fd00:10:244::c/128' } }],
      ports: [{ protocol: 'TCP', port: 80 }],
    },
    {
      to: [
        { ipBlock: { cidr: '198.51.100.10/32' } },
        { ipBlock: { cidr: '2001:db8::10/128' } },
        { ipBlock: { cidr: '2001:db8:1::20/128' } },
      ],
      ports: [{ protocol: 'TCP', port: 5432 }],
    },
  ])
  const c = g.policies.find((p) => p.metadata.name === 'allow-c')!
  t.same(c.spec.ingress, [{ from: [{ ipBlock: { cidr: 'fd00:10:244::a/128' } }], ports: [{ protocol: 'TCP', port: 80 }] }])
  t.same(
    g.pinned.map((p) => [p.policy, p.pod, p.family]),
    [
      ['x/allow-a', 'x/c', 'IPv6'],
      ['x/allow-c', 'x/a', 'IPv6'],
    ],
  )
  t.match(renderNotes(g), /pinned: x\/allow-a names x\/c as fd00:10:244::c\/128: the intent allows it over IPv6 only/)
  // Independently of the proof: every asserted cell of both families, predicted.
  const table = predict({ ...intent.state, policies: [...g.policies] }, intent.targets)
  let cells = 0
  for (const v of intent.verdicts.entries()) {
    if (v.from === v.to) continue
    cells++
    t.equal(table.get(v.from, v.to, v.target), v.value, `${v.from} -> ${v.to} ${v.target.port}/${v.target.family}`)
  }
  t.equal(cells, g.proof.asserted)
})

t.test('dual-stack: widening names the family; a covering CIDR widens by the address of the cell family', async (t) => {
  const twins = generate(
    intentFromExpect(
      scenario(
        TWINS.replace('namespaces:', 'ipFamilies: [IPv4, IPv6]\nnamespaces:').replace(
          'probe: {targets: [{port: 80, protocol: TCP}]}',
          'probe: {ports: [80]}',
        ),
      ),
      0,
    ),
  )
  t.same(
    twins.proof.widened.map((w) => `${w.from} -> ${w.to} ${w.target.port}/${w.target.family}`),
    ['x/web -> x/api-2 80/IPv4', 'x/web -> x/api-2 80/IPv6'],
  )
  t.match(renderNotes(twins), /widened: x\/web -> x\/api-2 80\/TCP\/IPv6 intended deny/)
  const ext = scenario(
    EXTERNALS.replace('namespaces:', 'ipFamilies: [IPv4, IPv6]\nnamespaces:')
      .replace('{ip: 172.20.5.10,', "{ips: [172.20.5.10, '2001:db8::10'],")
      .replace('{ip: 172.20.5.12,', "{ips: [172.20.5.12, '2001:db8::12'],")
      .replace('{ip: 172.20.5.13,', "{ips: [172.20.5.13, '2001:db8::13'],")
      .replace('probe: {targets: [{port: 3306, protocol: TCP}]}', 'probe: {ports: [3306]}'),
  )
  const covering = generate(intentFromExpect(ext, 0), 'covering')
  t.same(
    covering.coverings.map((k) => k.cidr),
    ['172.20.5.8/29', '2001:db8::10/126'],
  )
  t.same(
    covering.proof.widened.map((w) => [w.to, w.target.family]),
    [
      ['other', 'IPv4'],
      ['other', 'IPv6'],
    ],
  )
  t.match(covering.proof.widened[1].why, /other \(2001:db8::13\) is inside 2001:db8::10\/126/)
  t.ok(isExact(generate(intentFromExpect(ext, 0))), 'exact: a /32 and a /128 per host')
})

t.test('dual-stack: DNS is kept whole per family, and a report keeps each cell family', async (t) => {
  const dual = (body: string) => body.replace('namespaces:', 'ipFamilies: [IPv4, IPv6]\nnamespaces:')
  const s = scenario(`ipFamilies: [IPv4, IPv6]
namespaces:
  kube-system: {pods: {coredns: {labels: {k8s-app: kube-dns}}}}
  app: {pods: {web: {labels: {app: web}}}}
probe: {ports: [53], protocols: [UDP, TCP]}
steps:
  - name: udp
    expect:
      rules:
        - {from: app/web, to: kube-system/coredns, port: 53, protocol: UDP, verdict: allow}
  - name: tcp denied over IPv6
    expect:
      rules:
        - {from: app/web, to: kube-system/coredns, port: 53, protocol: UDP, verdict: allow}
        - {from: app/web, to: kube-system/coredns, port: 53, protocol: TCP, family: IPv6, verdict: deny}
`)
  const g = generate(intentFromExpect(s, 0))
  t.ok(isExact(g), renderNotes(g))
  t.same(
    g.dns.map((d) => [d.family, d.added]),
    [
      ['IPv4', ['TCP']],
      ['IPv6', ['TCP']],
    ],
  )
  const partly = generate(intentFromExpect(s, 1))
  t.ok(isExact(partly), renderNotes(partly))
  t.same(
    partly.dns.map((d) => [d.family, d.added, d.deniedByIntent]),
    [
      ['IPv4', ['TCP'], []],
      ['IPv6', [], ['TCP']],
    ],
    'TCP 53 over IPv4 is unasserted: added; over IPv6 denied: closed',
  )
  t.match(renderNotes(partly), /TCP 53 left closed over IPv6/)
  const r = scenario(dual(TWINS).replace('probe: {targets: [{port: 80, protocol: TCP}]}', 'probe: {ports: [80]}'))
  const cell = (family: 'IPv4' | 'IPv6', result: 'allowed' | 'blocked') => ({
    from: 'x/web',
    to: 'x/api-1',
    port: 80,
    protocol: 'TCP' as const,
    family,
    observation: { result, attempts: [] },
  })
  const step = {
    name: 'intent',
    targets: [
      { port: 80, protocol: 'TCP', family: 'IPv4' },
      { port: 80, protocol: 'TCP', family: 'IPv6' },
    ],
    cells: [cell('IPv4', 'allowed'), cell('IPv6', 'blocked')],
  } as unknown as StepReport
  const observed = intentFromReport(r, 0, step, 'r1')
  t.equal(observed.verdicts.get('x/web', 'x/api-1', { port: 80, protocol: 'TCP', family: 'IPv4' }), 'allow')
  t.equal(observed.verdicts.get('x/web', 'x/api-1', { port: 80, protocol: 'TCP', family: 'IPv6' }), 'deny')
  const fromRun = generate(observed)
  t.ok(isExact(fromRun), renderNotes(fromRun))
  t.same(
    fromRun.pinned.map((p) => [p.policy, p.pod, p.family]),
    [
      ['x/allow-web', 'x/api-1', 'IPv4'],
      ['x/allow-api', 'x/web', 'IPv4'],
    ],
    'observed over IPv4 only: written for IPv4 only',
  )
})

t.test('cells through a Service are left out (pod addresses only), and the origin says so', async (t) => {
  const [s] = loadScenarios(['scenarios/services/clusterip-named-target-port.yaml'])
  const si = s.steps.findIndex((st) => st.probe.targets.some((x) => x.via))
  t.ok(si >= 0, 'the scenario probes through its Service')
  const intent = intentFromExpect(s, si)
  t.same(
    intent.targets.filter((x) => x.via),
    [],
  )
  t.ok(intent.targets.length > 0, 'the pod-address targets stay')
  t.match(intent.origin, /pod addresses only: 1 target through a Service left out/)
})

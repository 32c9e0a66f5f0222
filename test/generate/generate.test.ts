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

function scenario(body: string): Scenario {
  const r = parseScenario(`name: s\n${body}`, 'test.yaml', () => undefined)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.scenario
}

const TWINS = `namespaces:
  x:
    pods:
      web: {labels: {app: web}}
      api-1: {labels: {app: api}}
      api-2: {labels: {app: api}}
probe: {targets: [{port: 80, protocol: TCP}]}
steps:
  - name: intent
    expect:
      default: deny
      rules:
        - {from: x/web, to: x/api-1, verdict: allow}
`

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

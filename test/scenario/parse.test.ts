// Every validation error class: one clear message per problem, with line and YAML path.
import t from 'tap'
import { parseScenario } from '../../src/scenario/parse.js'
import { HEAD, expectOne, policyStep as policy, problems } from '../helpers/scenario-text.js'

t.test('a valid scenario parses, with defaults resolved', async (t) => {
  const r = parseScenario(
    HEAD + 'probe: {ports: [80, 81], protocols: [TCP, UDP], timeout: 500ms}\nsteps: [{name: baseline}]\n',
    'f.yaml',
    () => undefined,
  )
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  const s = r.scenario
  t.equal(s.probe.timeoutMs, 500)
  t.same(
    s.probe.targets.map((x) => `${x.port}/${x.protocol}`),
    ['80/TCP', '81/TCP', '80/UDP', '81/UDP'],
  )
  t.same(s.namespaces[0].labels, { team: 'a', 'kubernetes.io/metadata.name': 'x' })
  t.same(
    s.pods.map((p) => p.ip),
    ['10.244.0.10', '10.244.0.11'],
    'deterministic addresses from the default pod CIDR',
  )
  t.same(
    s.pods[0].ports.map((p) => p.name),
    ['serve-80-tcp', 'serve-81-tcp', 'serve-80-udp', 'serve-81-udp'],
  )
  t.same(s.externals[0].ports, [{ port: 5432, protocol: 'TCP' }])
})

t.test('YAML syntax and duplicate keys', async (t) => {
  const dup = problems('name: a\nname: b\n')
  t.equal(dup.length, 1)
  t.match(dup[0].message, /unique/)
  t.equal(dup[0].line, 2)
  t.match(problems('name: [unclosed\n')[0].message, /invalid YAML/)
})

t.test('not a mapping, or a Kubernetes object instead of a scenario', async (t) => {
  t.match(problems('- a\n- b\n')[0].message, /must be a YAML mapping/)
  t.match(problems('apiVersion: v1\nkind: NetworkPolicy\n')[0].message, /not a scenario/)
})

t.test('unknown fields get a did-you-mean hint', async (t) => {
  expectOne(t, HEAD + 'stpes: []\nsteps: [{name: a}]\n', 'stpes', /unknown field.*did you mean `steps`/, 10)
  expectOne(t, HEAD + policy('{podSelecter: {}}'), 'steps[0].apply[0].spec.podSelecter', /did you mean `podSelector`/)
  expectOne(
    t,
    HEAD + policy('{podSelector: {matchLabel: {a: b}}}'),
    'steps[0].apply[0].spec.podSelector.matchLabel',
    /did you mean `matchLabels`/,
  )
})

t.test('required fields and types', async (t) => {
  expectOne(t, 'namespaces: {}\nsteps: [{name: a}]\n', 'name', /required/)
  expectOne(t, HEAD, 'steps', /required/)
  expectOne(t, HEAD + 'steps: []\n', 'steps', /at least one step/)
  expectOne(t, HEAD + 'steps: [{apply: []}]\n', 'steps[0].name', /required/)
  expectOne(t, HEAD + policy('{podSelector: []}'), 'steps[0].apply[0].spec.podSelector', /expected object/)
})

t.test('wrong apiVersion and kind', async (t) => {
  const text = HEAD + policy('{podSelector: {}}').replace('networking.k8s.io/v1', 'v1').replace('kind: NetworkPolicy', 'kind: Deployment')
  expectOne(t, text, 'steps[0].apply[0].apiVersion', /networking.k8s.io\/v1/)
  expectOne(t, text, 'steps[0].apply[0].kind', /must be NetworkPolicy \(got "Deployment"\)/)
})

t.test('names: DNS-1123', async (t) => {
  expectOne(
    t,
    HEAD + policy('{podSelector: {}}', '{name: Bad_Name, namespace: x}'),
    'steps[0].apply[0].metadata.name',
    /DNS-1123 subdomain/,
  )
  expectOne(t, 'name: s\nnamespaces: {Prod: {}}\nsteps: [{name: a}]\n', 'namespaces.Prod', /DNS-1123 label/)
})

t.test('label keys and values', async (t) => {
  expectOne(
    t,
    HEAD + policy('{podSelector: {matchLabels: {"bad key": a}}}'),
    'steps[0].apply[0].spec.podSelector.matchLabels.bad key',
    /label key/,
  )
  expectOne(t, HEAD + policy('{podSelector: {matchLabels: {a: "-x"}}}'), 'steps[0].apply[0].spec.podSelector.matchLabels.a', /label value/)
  expectOne(t, HEAD + policy('{podSelector: {matchLabels: {a: 1}}}'), 'steps[0].apply[0].spec.podSelector.matchLabels.a', /must be strings/)
  expectOne(
    t,
    HEAD + policy(`{podSelector: {matchLabels: {a: ${'v'.repeat(64)}}}}`),
    'steps[0].apply[0].spec.podSelector.matchLabels.a',
    /at most 63/,
  )
  expectOne(
    t,
    HEAD + policy('{podSelector: {matchLabels: {"-bad.io/x": a}}}'),
    'steps[0].apply[0].spec.podSelector.matchLabels.-bad.io/x',
    /prefix/,
  )
})

t.test('selector operators and their values', async (t) => {
  const base = 'steps[0].apply[0].spec.podSelector.matchExpressions[0]'
  expectOne(
    t,
    HEAD + policy('{podSelector: {matchExpressions: [{key: a, operator: Equals}]}}'),
    `${base}.operator`,
    /In, NotIn, Exists or DoesNotExist/,
  )
  expectOne(t, HEAD + policy('{podSelector: {matchExpressions: [{key: a, operator: In}]}}'), `${base}.values`, /non-empty/)
  expectOne(t, HEAD + policy('{podSelector: {matchExpressions: [{key: a, operator: NotIn, values: []}]}}'), `${base}.values`, /non-empty/)
  expectOne(
    t,
    HEAD + policy('{podSelector: {matchExpressions: [{key: a, operator: Exists, values: [x]}]}}'),
    `${base}.values`,
    /must be empty/,
  )
})

t.test('policyTypes values', async (t) => {
  expectOne(t, HEAD + policy('{podSelector: {}, policyTypes: [Ingres]}'), 'steps[0].apply[0].spec.policyTypes[0]', /Ingress or Egress/)
  expectOne(
    t,
    HEAD + policy('{podSelector: {}, policyTypes: [Ingress, Egress, Ingress]}'),
    'steps[0].apply[0].spec.policyTypes',
    /at most two/,
  )
})

t.test('ports, named ports, endPort and protocols', async (t) => {
  const p = 'steps[0].apply[0].spec.ingress[0].ports[0]'
  expectOne(t, HEAD + policy('{podSelector: {}, ingress: [{ports: [{port: 0}]}]}'), `${p}.port`, /1 to 65535/)
  expectOne(t, HEAD + policy('{podSelector: {}, ingress: [{ports: [{port: 70000}]}]}'), `${p}.port`, /1 to 65535/)
  expectOne(t, HEAD + policy('{podSelector: {}, ingress: [{ports: [{port: Web_Port}]}]}'), `${p}.port`, /port name/)
  expectOne(t, HEAD + policy('{podSelector: {}, ingress: [{ports: [{port: a-very-long-port-name}]}]}'), `${p}.port`, /at most 15/)
  expectOne(t, HEAD + policy('{podSelector: {}, ingress: [{ports: [{port: "8080"}]}]}'), `${p}.port`, /at least one letter/)
  expectOne(t, HEAD + policy('{podSelector: {}, ingress: [{ports: [{endPort: 90}]}]}'), `${p}.endPort`, /numeric port/)
  expectOne(t, HEAD + policy('{podSelector: {}, ingress: [{ports: [{port: http, endPort: 90}]}]}'), `${p}.endPort`, /named port/)
  expectOne(t, HEAD + policy('{podSelector: {}, ingress: [{ports: [{port: 100, endPort: 90}]}]}'), `${p}.endPort`, /greater than or equal/)
  expectOne(t, HEAD + policy('{podSelector: {}, ingress: [{ports: [{port: 80, protocol: ICMP}]}]}'), `${p}.protocol`, /TCP, UDP or SCTP/)
})

t.test('peers and CIDRs', async (t) => {
  const peer = 'steps[0].apply[0].spec.ingress[0].from[0]'
  expectOne(t, HEAD + policy('{podSelector: {}, ingress: [{from: [{}]}]}'), peer, /must set podSelector, namespaceSelector or ipBlock/)
  expectOne(
    t,
    HEAD + policy('{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]}'),
    `${peer}.ipBlock`,
    /may not be combined/,
  )
  expectOne(
    t,
    HEAD + policy('{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]}'),
    `${peer}.ipBlock.cidr`,
    /not a valid CIDR/,
  )
  expectOne(
    t,
    HEAD + policy('{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/16]}}]}]}'),
    `${peer}.ipBlock.except[0]`,
    /strict subset/,
  )
  expectOne(
    t,
    HEAD + policy('{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]}]}'),
    `${peer}.ipBlock.except[0]`,
    /strict subset/,
  )
  expectOne(
    t,
    HEAD + policy('{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [garbage]}}]}]}'),
    `${peer}.ipBlock.except[0]`,
    /not a valid CIDR/,
  )
  t.same(
    problems(HEAD + policy('{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: "fd00::/48", except: ["fd00::/64"]}}]}]}')),
    [],
    'IPv6 except inside cidr is fine',
  )
})

t.test('every problem in a file is reported at once', async (t) => {
  const ps = problems(`name: s
namespacs: {}
probe: {targets: [{port: 70000, protocol: tcp}], timeout: 1x}
steps:
  - name: s
    apply:
      - apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: Bad_Name, namespace: x}
        spec:
          podSelector: {matchExpressions: [{key: app, operator: In}]}
          policyTypes: [Ingres]
`)
  t.ok(ps.length >= 7, `got ${ps.length}: ${ps.map((p) => p.path).join(', ')}`)
  t.ok(ps.every((p) => p.line !== undefined && p.file === 'test.yaml'))
})

// Every lint rule: a manifest that trips it (with the line it names) and a clean one that does not.
import t from 'tap'
import { main } from '../../src/cli/main.js'

async function lintJson(files: Record<string, string>, extra: string[] = []) {
  const dir = t.testdir(files)
  let out = ''
  let err = ''
  const code = await main(['lint', dir, '-o', 'json', '--severity', 'info', ...extra], {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
  })
  return {
    code,
    err,
    findings:
      code === 2
        ? []
        : (JSON.parse(out).findings as { rule: string; severity: string; line: number; path: string; message: string; file: string }[]),
  }
}

const np = (name: string, ns: string, spec: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: ${ns}}
spec:
${spec}`
const DENY = (ns: string) => np('default-deny', ns, '  podSelector: {}\n  policyTypes: [Ingress]\n')
const deploy = (name: string, ns: string, labels: string, ports = '[]') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  template:
    metadata: {labels: ${labels}}
    spec: {containers: [{name: c, image: x, ports: ${ports}}]}
`
const DNS_OK = `  egress:
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]
      ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
`

interface Case {
  rule: string
  bad: string
  good: string
  /** Text on the line the finding must name (its first occurrence in `bad`). */
  at: string
  path: string
  message: RegExp
}

const cases: Case[] = [
  {
    rule: 'no-default-deny',
    bad: `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n${np('allow-web', 'shop', '  podSelector: {matchLabels: {app: web}}\n  ingress: [{}]\n')}`,
    good: `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n${DENY('shop')}`,
    at: 'metadata: {name: shop}',
    path: 'metadata.name',
    message: /namespace "shop" has no default-deny ingress policy/,
  },
  {
    rule: 'ingress-from-anywhere',
    bad: `${DENY('prod')}---\n${np('db-open', 'prod', '  podSelector: {matchLabels: {app: db}}\n  ingress:\n    - from: [{ipBlock: {cidr: 0.0.0.0/0}}]\n')}`,
    good: `${DENY('prod')}---\n${np('web-open', 'prod', '  podSelector: {matchLabels: {tier: frontend}}\n  ingress:\n    - from: [{ipBlock: {cidr: 0.0.0.0/0}}]\n')}`,
    at: 'cidr: 0.0.0.0/0',
    path: 'spec.ingress[0].from[0].ipBlock.cidr',
    message: /admits 0\.0\.0\.0\/0 .* not an edge tier/,
  },
  {
    rule: 'egress-blocks-dns',
    bad: `${DENY('app')}---\n${np('deny-egress', 'app', '  podSelector: {}\n  policyTypes: [Ingress, Egress]\n')}`,
    good: `${DENY('app')}---\n${np('deny-egress', 'app', '  podSelector: {}\n  policyTypes: [Ingress, Egress]\n' + DNS_OK)}`,
    at: 'policyTypes: [Ingress, Egress]',
    path: 'spec.policyTypes',
    message: /nothing allows DNS \(UDP 53 and TCP 53\)/,
  },
  {
    rule: 'selects-no-pod',
    bad: `${DENY('app')}---\n${deploy('web', 'app', '{app: web}')}---\n${np('typo', 'app', '  podSelector: {matchLabels: {app: wbe}}\n  ingress: [{}]\n')}`,
    good: `${DENY('app')}---\n${deploy('web', 'app', '{app: web}')}---\n${np('ok', 'app', '  podSelector: {matchLabels: {app: web}}\n  ingress: [{}]\n')}`,
    at: 'app: wbe',
    path: 'spec.podSelector',
    message: /selects no pod .*pods here: Deployment\/web/,
  },
  {
    rule: 'peer-selects-nothing',
    bad: `${DENY('app')}---\n${deploy('web', 'app', '{app: web}')}---\n${np('from-ghost', 'app', '  podSelector: {}\n  ingress: [{from: [{podSelector: {matchLabels: {app: ghost}}}]}]\n')}`,
    good: `${DENY('app')}---\n${deploy('web', 'app', '{app: web}')}---\n${np('from-web', 'app', '  podSelector: {}\n  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]\n')}`,
    at: 'app: ghost',
    path: 'spec.ingress[0].from[0]',
    message: /peer podSelector \{app=ghost\} matches no pod/,
  },
  {
    rule: 'named-port-unknown',
    bad: `${DENY('app')}---\n${deploy('web', 'app', '{app: web}', '[{name: http, containerPort: 8080}]')}---\n${np('by-name', 'app', '  podSelector: {matchLabels: {app: web}}\n  ingress: [{ports: [{port: http, protocol: UDP}]}]\n')}`,
    good: `${DENY('app')}---\n${deploy('web', 'app', '{app: web}', '[{name: http, containerPort: 8080}]')}---\n${np('by-name', 'app', '  podSelector: {matchLabels: {app: web}}\n  ingress: [{ports: [{port: http}]}]\n')}`,
    at: 'port: http, protocol: UDP',
    path: 'spec.ingress[0].ports[0].port',
    message: /names port "http"\/UDP, which no selected pod declares/,
  },
  {
    rule: 'except-outside-cidr',
    bad: `${DENY('app')}---\n${np('ext', 'app', '  podSelector: {}\n  ingress:\n    - from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}}]\n')}`,
    good: `${DENY('app')}---\n${np('ext', 'app', '  podSelector: {}\n  ingress:\n    - from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.1.0/24]}}]\n')}`,
    at: 'except: [10.1.0.0/24]',
    path: 'spec.ingress[0].from[0].ipBlock.except[0]',
    message: /except 10\.1\.0\.0\/24 is not strictly inside cidr 10\.0\.0\.0\/16/,
  },
  {
    rule: 'rules-ignored-by-policy-types',
    bad: `${DENY('app')}---\n${np('eg', 'app', '  podSelector: {}\n  policyTypes: [Egress]\n  ingress: [{}]\n' + DNS_OK)}`,
    good: `${DENY('app')}---\n${np('eg', 'app', '  podSelector: {}\n  policyTypes: [Egress, Ingress]\n  ingress: [{}]\n' + DNS_OK)}`,
    at: 'ingress: [{}]',
    path: 'spec.ingress',
    message: /has ingress rules but policyTypes is \[Egress\], so they are ignored/,
  },
  {
    rule: 'empty-selector-surprise',
    bad: `${DENY('app')}---\n${np('all', 'app', '  podSelector: {}\n  ingress: [{from: [{podSelector: {}}]}]\n')}`,
    good: `${DENY('app')}---\n${np('all', 'app', '  podSelector: {}\n  ingress: [{from: [{podSelector: {}, namespaceSelector: {}}]}]\n')}`,
    at: 'ingress: [{from: [{podSelector: {}}]}]',
    path: 'spec.ingress[0].from[0]',
    message: /podSelector: \{\} means every pod of namespace app only/,
  },
  {
    rule: 'peers-or-not-and',
    bad: `${DENY('app')}---\n${np('or', 'app', '  podSelector: {}\n  ingress:\n    - from:\n        - namespaceSelector: {matchLabels: {team: ops}}\n        - podSelector: {matchLabels: {role: admin}}\n')}`,
    good: `${DENY('app')}---\n${np('and', 'app', '  podSelector: {}\n  ingress:\n    - from:\n        - namespaceSelector: {matchLabels: {team: ops}}\n          podSelector: {matchLabels: {role: admin}}\n')}`,
    at: '- podSelector: {matchLabels: {role: admin}}',
    path: 'spec.ingress[0].from[1]',
    message: /admits every pod of namespaces \{team=ops\} OR pods \{role=admin\}/,
  },
  {
    rule: 'shadowed-rule',
    bad: `${DENY('app')}---\n${np('two', 'app', '  podSelector: {}\n  ingress:\n    - ports: [{port: 80}]\n    - from: [{podSelector: {matchLabels: {a: b}}}]\n      ports: [{port: 80}]\n')}`,
    good: `${DENY('app')}---\n${np('two', 'app', '  podSelector: {}\n  ingress:\n    - ports: [{port: 80}]\n    - from: [{podSelector: {matchLabels: {a: b}}}]\n      ports: [{port: 81}]\n')}`,
    at: '- from: [{podSelector: {matchLabels: {a: b}}}]',
    path: 'spec.ingress[1]',
    message: /ingress rule 1 of app\/two is shadowed by ingress rule 0 of app\/two/,
  },
]

for (const c of cases) {
  t.test(c.rule, async (t) => {
    const bad = await lintJson({ 'k8s.yaml': c.bad })
    t.equal(bad.code, 1, bad.err)
    const hits = bad.findings.filter((f) => f.rule === c.rule)
    t.equal(hits.length, 1, `one ${c.rule} finding`)
    t.match(hits[0]?.message, c.message)
    t.equal(hits[0]?.line, c.bad.split('\n').findIndex((l) => l.includes(c.at)) + 1, `line of ${c.at}`)
    t.equal(hits[0]?.path, c.path, 'path')
    t.match(hits[0]?.file, /k8s\.yaml$/)
    const good = await lintJson({ 'k8s.yaml': c.good })
    t.same(
      good.findings.filter((f) => f.rule === c.rule),
      [],
      'the clean example passes',
    )
  })
}

t.test('scenarios: a gap closed by a later step is not a gap; every step is linted', async (t) => {
  const scenario = `name: s
namespaces: {x: {pods: {a: {labels: {app: a}}}}}
steps:
  - name: open
  - name: deny
    apply:
      - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: d, namespace: x}, spec: {podSelector: {}, policyTypes: [Ingress]}}
  - name: typo
    apply:
      - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: t, namespace: x}, spec: {podSelector: {matchLabels: {app: b}}}}
`
  const r = await lintJson({ 's.yaml': scenario })
  t.same(
    r.findings.map((f) => [f.rule, f.line]),
    [['selects-no-pod', 10]],
  )
})

t.test('--fail-on, --disable and --edge-label', async (t) => {
  const files = {
    'k.yaml': `${DENY('app')}---\n${np('all', 'app', '  podSelector: {matchLabels: {tier: public}}\n  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]\n')}`,
  }
  t.equal((await lintJson(files)).code, 0, 'public is an edge word')
  const strict = await lintJson(files, ['--edge-label', 'role=edge'])
  t.equal(strict.code, 1, 'with explicit edge labels, tier=public is not edge')
  t.same(
    strict.findings.map((f) => f.rule),
    ['ingress-from-anywhere'],
  )
  t.equal((await lintJson(files, ['--edge-label', 'role=edge', '--disable', 'ingress-from-anywhere'])).code, 0)
  const dir = t.testdir(files)
  const code = await main(['lint', dir, '--edge-label', 'role=edge', '--severity', 'error'], { out: () => {}, err: () => {} })
  t.equal(code, 0, 'a warning does not fail --fail-on error')
  t.equal(await main(['lint', dir, '--disable', 'nope'], { out: () => {}, err: () => {} }), 2, 'unknown rule is a usage error')
})

t.test('bad input exits 2 with file and line', async (t) => {
  const r = await lintJson({
    'bad.yaml': `${DENY('app')}---\nfoo: bar\n---\n${np('x', 'app', '  podSelector: {matchLabels: {app: web}}\n  polcyTypes: [Ingress]\n')}`,
  })
  t.equal(r.code, 2)
  t.match(r.err, /bad\.yaml:8:1: not a Kubernetes object/)
  t.match(r.err, /bad\.yaml:15:3: spec\.polcyTypes: unknown field "polcyTypes" \(did you mean `policyTypes`\?\)/)
})

t.test('other kinds are ignored, and namespaces default to default', async (t) => {
  const r = await lintJson({
    'k.yaml': `apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}}\n`,
  })
  t.equal(r.code, 0, r.err)
  t.match(r.err, /1 manifest file \(1 objects of other kinds ignored\)/)
})

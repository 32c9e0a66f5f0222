// The Calico lint rules: a Deny matching everything before later policies, a Pass with nothing after it, order ties
// decided by name, selectors that match nothing; each tripped by a scenario and quiet on a clean variant.
import t from 'tap'
import { main } from '../../src/cli/main.js'

type F = { rule: string; path: string; message: string }

async function findings(apply: string): Promise<F[]> {
  const scenario = `name: s
namespaces:
  a:
    pods: {p: {labels: {app: p}}, q: {labels: {app: q}}}
probe: {targets: [{port: 80}]}
steps:
  - name: one
    apply:
${apply
  .trim()
  .split('\n')
  .map((l) => `      ${l}`)
  .join('\n')}
    expect: {default: allow}
`
  const dir = t.testdir({ 's.yaml': scenario })
  let out = ''
  const code = await main(['lint', dir, '-o', 'json', '--severity', 'info'], { out: (s) => void (out += s), err: () => {} })
  t.not(code, 2, 'the scenario is valid')
  return JSON.parse(out).findings.filter((f: F) => f.rule.startsWith('calico-'))
}

const gnp = (name: string, spec: string) =>
  `- apiVersion: projectcalico.org/v3\n  kind: GlobalNetworkPolicy\n  metadata: {name: ${name}}\n  spec: ${spec}\n`
const rules = (fs: F[], id: string) => fs.filter((f) => f.rule === id)

t.test('calico-deny-shadows-all: a Deny of everything before another policy of the same pods', async (t) => {
  const deny = gnp('deny', "{order: 1, selector: app == 'p', ingress: [{action: Deny}]}")
  const allow = gnp('allow', "{order: 2, selector: app == 'p', ingress: [{action: Allow, source: {selector: app == 'q'}}]}")
  t.equal(rules(await findings(deny + allow), 'calico-deny-shadows-all').length, 1)
  const narrow = gnp('deny', "{order: 1, selector: app == 'p', ingress: [{action: Deny, protocol: UDP}]}")
  t.same(rules(await findings(narrow + allow), 'calico-deny-shadows-all'), [], 'a narrowed Deny is fine')
})

t.test('calico-pass-with-nothing-after: a Pass no later tier handles', async (t) => {
  const tier = '- apiVersion: projectcalico.org/v3\n  kind: Tier\n  metadata: {name: sec}\n  spec: {order: 10}\n'
  const pass = gnp('pass', "{tier: sec, selector: app == 'p', ingress: [{action: Pass}]}")
  t.equal(rules(await findings(tier + pass), 'calico-pass-with-nothing-after').length, 1)
  const later = gnp('later', "{selector: app == 'p', ingress: [{action: Allow}]}")
  t.same(rules(await findings(tier + pass + later), 'calico-pass-with-nothing-after'), [], 'the default tier decides after it')
})

t.test('calico-order-tie: same tier, same order, same pods', async (t) => {
  const one = gnp('one', "{order: 5, selector: app == 'p', ingress: [{action: Allow}]}")
  const two = gnp('two', "{order: 5, selector: app == 'p', ingress: [{action: Deny}]}")
  t.equal(rules(await findings(one + two), 'calico-order-tie').length, 1)
  t.same(rules(await findings(one + two.replace('order: 5', 'order: 6')), 'calico-order-tie'), [], 'distinct orders are fine')
})

t.test('calico-selects-nothing: a policy and a rule selector that match no pod', async (t) => {
  const typo = gnp('typo', "{selector: app == 'pp', ingress: [{action: Allow, source: {selector: app == 'qq'}}]}")
  const hit = rules(await findings(typo), 'calico-selects-nothing')
  t.equal(hit.length, 2)
  const fine = gnp('fine', "{selector: app == 'p', ingress: [{action: Allow, source: {selector: app == 'q'}}]}")
  t.same(rules(await findings(fine), 'calico-selects-nothing'), [])
})

t.test('calico-deny-shadows-all: Kubernetes NetworkPolicies count only when they come after the Deny', async (t) => {
  const knp =
    '- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata: {name: k, namespace: a}\n  spec: {podSelector: {}, ingress: [{}]}\n'
  const deny = (order: number) =>
    `- apiVersion: projectcalico.org/v3\n  kind: NetworkPolicy\n  metadata: {name: deny, namespace: a}\n  spec: {order: ${order}, selector: app == 'p', ingress: [{action: Deny}]}\n`
  const before = rules(await findings(deny(500) + knp), 'calico-deny-shadows-all')
  t.match(before, [{ message: /a\/k \(later\) never decides/ }], 'order 500: before the NetworkPolicies at 1000')
  t.same(rules(await findings(deny(2000) + knp), 'calico-deny-shadows-all'), [], 'order 2000: after them, it shadows none')
})

/** Findings and exit code of `lint` on one plain manifest file. */
async function lintManifest(text: string): Promise<{ code: number; out: string; err: string }> {
  const dir = t.testdir({ 'policies.yaml': text })
  let out = ''
  let err = ''
  const code = await main(['lint', `${dir}/policies.yaml`, '-o', 'json', '--severity', 'info'], {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
  })
  return { code, out, err }
}

t.test('plain manifests: Calico kinds (calicoctl apply -f) mixed with Kubernetes ones, each finding at its line', async (t) => {
  const manifest = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, ports: [{containerPort: 80}]}]}
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.deny-all}
spec:
  tier: security
  selector: all()
  ingress: [{action: Deny}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: typo}
spec:
  selector: app == 'wbe'
  ingress: [{action: Allow}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec: {podSelector: {matchLabels: {app: web}}, ingress: [{}]}
`
  const r = await lintManifest(manifest)
  t.equal(r.code, 1, r.err)
  const fs: (F & { line: number })[] = JSON.parse(r.out).findings.filter((f: F) => f.rule.startsWith('calico-'))
  t.same(
    fs.map((f) => [f.rule, f.line, f.path]),
    [
      ['calico-deny-shadows-all', 21, 'spec.ingress[0]'],
      ['calico-selects-nothing', 27, 'spec.selector'],
    ],
  )
  t.match(fs[0].message, 'gnp/security.deny-all ingress rule 0 denies everything in tier security: shop/web (later)')
  t.match(fs[1].message, "calico-np/default/typo selects no pod (selector app == 'wbe')", 'no namespace: default, as calicoctl')
})

t.test('plain manifests: a Calico object calicoctl would refuse is bad input (exit 2) with file and line', async (t) => {
  const r = await lintManifest(`apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: g}
spec:
  selector: app == web
`)
  t.equal(r.code, 2)
  t.match(r.err, /policies\.yaml:5:3: spec\.selector: bad selector "app == web": expected a quoted string/)
})

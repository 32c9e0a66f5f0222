// SARIF 2.1.0 output: what code-scanning tools read.
import t from 'tap'
import { main } from '../../src/cli/main.js'

t.test('sarif', async (t) => {
  const dir = t.testdir({
    'np.yaml':
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  ingress: [{}]\n',
  })
  let out = ''
  const code = await main(['lint', dir, '--format', 'sarif'], { out: (s) => void (out += s), err: () => {} })
  t.equal(code, 1)
  const sarif = JSON.parse(out)
  t.equal(sarif.version, '2.1.0')
  const run = sarif.runs[0]
  t.equal(run.tool.driver.name, 'netpol-harness')
  t.ok(run.tool.driver.rules.length >= 11, 'every rule is described')
  const levels = run.results.map((r: { ruleId: string; level: string }) => `${r.ruleId}:${r.level}`).sort()
  t.same(levels, ['egress-blocks-dns:warning', 'no-default-deny:warning', 'rules-ignored-by-policy-types:warning'])
  for (const r of run.results) {
    t.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId, 'ruleIndex points at the rule')
    t.match(r.locations[0].physicalLocation.artifactLocation.uri, /np\.yaml$/)
    t.ok(r.locations[0].physicalLocation.region.startLine >= 1)
  }
})

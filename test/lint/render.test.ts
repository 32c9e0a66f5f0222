// Lint output: SARIF 2.1.0 (what code-scanning tools read), grouped text, JSON and YAML, the exit threshold.
import t from 'tap'
import { parse } from 'yaml'
import { main } from '../../src/cli/main.js'

t.test('sarif', async (t) => {
  const dir = t.testdir({
    'np.yaml':
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  ingress: [{}]\n',
  })
  let out = ''
  const code = await main(['lint', dir, '-o', 'sarif'], { out: (s) => void (out += s), err: () => {} })
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

t.test('sarif rules carry a full description, help and, when told where the docs are, a helpUri', async (t) => {
  const dir = t.testdir({
    'np.yaml': 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {}\n',
  })
  let out = ''
  await main(['lint', dir, '-o', 'sarif', '--rules-url', 'https://example.test/docs/lint.md'], {
    out: (s) => void (out += s),
    err: () => {},
  })
  const rules = JSON.parse(out).runs[0].tool.driver.rules
  for (const r of rules) {
    t.ok(r.fullDescription.text.length > r.shortDescription.text.length, `${r.id}: full description longer than the short one`)
    t.match(r.help.text, /Fix: /, `${r.id}: help says how to fix`)
    t.equal(r.helpUri, `https://example.test/docs/lint.md#${r.id}`)
  }
  out = ''
  await main(['lint', dir, '-o', 'sarif'], { out: (s) => void (out += s), err: () => {} })
  t.notOk(JSON.parse(out).runs[0].tool.driver.rules[0].helpUri, 'no helpUri is invented without --rules-url')
  t.equal(await main(['lint', dir, '--rules-url', 'docs/lint.md'], { out: () => {}, err: () => {} }), 2, 'a relative URL is a usage error')
})

// Many namespaces without a default deny: the text output is one block per rule with a count, the first places,
// identical findings on one line, and a summary per rule.
t.test('text output groups findings by rule and cuts long lists', async (t) => {
  const ns = (n: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${n}}\n`
  const files: Record<string, string> = {}
  for (let i = 0; i < 8; i++) files[`ns${i}.yaml`] = ns(`n${i}`)
  // The same policy mistake written in two files: one line, both places.
  const bad =
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: n0}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  ingress: [{}]\n'
  files['bad-a.yaml'] = bad
  files['bad-b.yaml'] = bad
  const dir = t.testdir(files)
  let out = ''
  let err = ''
  const code = await main(['lint', dir, '--max-per-rule', '3'], { out: (s) => void (out += s), err: (s) => void (err += s) })
  t.equal(code, 1)
  const lines = out.split('\n')
  t.match(out, /^warning \[no-default-deny\] 8 findings: /m, 'one header per rule with its count')
  t.equal(lines.filter((l) => /^ {2}\S.*no default-deny/.test(l)).length, 3, 'three places listed')
  t.match(out, /^ {2}\.\.\. 5 more \(--max-per-rule 0 lists all/m, 'then the rest counted')
  const ignored = lines.filter((l) => /has ingress rules but policyTypes/.test(l))
  t.equal(ignored.length, 1, 'identical findings share one line')
  t.match(ignored[0], /bad-a\.yaml:\d+:\d+ .*, .*bad-b\.yaml:\d+:\d+ /, 'naming both places')
  t.match(out, /Summary by rule:\n(.*\n)*\s+no-default-deny\s+warning\s+8 /, 'summary row per rule')
  t.match(err, /0 errors, \d+ warnings/)
  out = ''
  await main(['lint', dir, '--max-per-rule', '0'], { out: (s) => void (out += s), err: () => {} })
  t.notMatch(out, /more \(--max-per-rule/, '0 lists everything')
  t.equal(await main(['lint', dir, '--max-per-rule', 'x'], { out: () => {}, err: () => {} }), 2)
})

t.test('-o yaml gives the JSON document as YAML; --severity sets the exit threshold; the old flag names still work', async (t) => {
  const dir = t.testdir({
    'np.yaml':
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  ingress: [{}]\n',
  })
  let y = ''
  let j = ''
  t.equal(await main(['lint', dir, '-o', 'yaml'], { out: (s) => void (y += s), err: () => {} }), 1)
  await main(['lint', dir, '--format', 'json'], { out: (s) => void (j += s), err: () => {} })
  t.same(parse(y), JSON.parse(j))
  t.ok(JSON.parse(j).findings.length > 0)
  t.equal(await main(['lint', dir, '--severity', 'error'], { out: () => {}, err: () => {} }), 0, 'warnings under an error threshold')
  t.equal(await main(['lint', dir, '--fail-on', 'error'], { out: () => {}, err: () => {} }), 0)
  t.equal(await main(['lint', dir, '--severity', 'never'], { out: () => {}, err: () => {} }), 0)
  t.equal(await main(['lint', dir], { out: () => {}, err: () => {} }), 1, 'default threshold is warning')
})

t.test('-o table: a row per finding in file order, header in capitals; no finding prints nothing; exit codes as for text', async (t) => {
  const dir = t.testdir({
    'np.yaml':
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  ingress: [{}]\n',
    'clean.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\n',
  })
  let out = ''
  const code = await main(['lint', `${dir}/np.yaml`, '-o', 'table'], { out: (s) => void (out += s), err: () => {} })
  t.equal(code, 1)
  const lines = out.trimEnd().split('\n')
  t.match(lines[0], /^PLACE +SEVERITY +RULE +PATH +MESSAGE$/)
  t.equal(lines.length, 4, 'a header and one row per finding')
  const at = (word: string) => lines[0].indexOf(word)
  for (const l of lines.slice(1)) {
    t.match(l.slice(0, at('SEVERITY')), /np\.yaml:\d+:\d+ +$/, 'the place first')
    t.match(l.slice(at('SEVERITY'), at('RULE')), /^warning +$/, 'columns aligned under the header')
  }
  t.same(
    lines
      .slice(1)
      .map((l) => l.slice(at('RULE'), at('PATH')).trim())
      .sort(),
    ['egress-blocks-dns', 'no-default-deny', 'rules-ignored-by-policy-types'],
  )
  const lineNo = lines.slice(1).map((l) => Number(/:(\d+):/.exec(l)![1]))
  t.same(
    lineNo,
    [...lineNo].sort((a, b) => a - b),
    'in file order',
  )
  let none = ''
  const clean = await main(['lint', `${dir}/clean.yaml`, '-o', 'table'], { out: (s) => void (none += s), err: () => {} })
  t.equal(clean, 0)
  t.equal(none, '', 'no findings: nothing on stdout (the summary is on stderr)')
})

// The generate command: stdout YAML that loads as NetworkPolicies, --out per namespace, -o scenario-step, widening
// refused (exit 1, nothing written) unless --allow-widening, --kind calico refused, --from-report.
import t from 'tap'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, parseAllDocuments } from 'yaml'
import { main } from '../../src/cli/main.js'
import { networkPolicySchema } from '../../src/scenario/policy-schema.js'

async function run(args: string[]) {
  let out = ''
  let err = ''
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) })
  return { code, out, err }
}

const THREE_TIER = 'scenarios/generate/three-tier.yaml'

t.test('stdout: every document a valid NetworkPolicy, notes and the proof on stderr', async (t) => {
  const r = await run(['generate', THREE_TIER, '--step', 'generated'])
  t.equal(r.code, 0, r.err)
  const docs = parseAllDocuments(r.out).map((d) => d.toJS())
  t.same(
    docs.map((d) => d.metadata.name),
    ['default-deny', 'allow-web', 'allow-api', 'allow-db'],
  )
  for (const d of docs) t.ok(networkPolicySchema.safeParse(d).success, `${d.metadata.name} is a valid NetworkPolicy`)
  t.match(r.err, /proof: 36 asserted cells, 36 as intended, 0 widened/)
  t.match(r.err, /shop\/api-1, shop\/api-2 have the same stable labels/)
})

const TWINS = `name: twins
namespaces:
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

t.test('widening: exit 1 and nothing written; --allow-widening writes and still lists it', async (t) => {
  const dir = t.testdir({ 'twins.yaml': TWINS })
  const out = join(dir, 'out')
  const refused = await run(['generate', join(dir, 'twins.yaml'), '--step', 'intent', '--out', out])
  t.equal(refused.code, 1)
  t.match(
    refused.err,
    /widened: x\/web -> x\/api-2 80\/TCP intended deny, allowed by x\/allow-web egress rule 0 and x\/allow-api ingress rule 0/,
  )
  t.match(refused.err, /refusing to write: 1 cells widened/)
  t.notOk(existsSync(out), 'nothing written')
  const allowed = await run(['generate', join(dir, 'twins.yaml'), '--step', '1', '--out', out, '--allow-widening'])
  t.equal(allowed.code, 0, allowed.err)
  t.match(allowed.err, /widened: x\/web -> x\/api-2/)
  t.same(readdirSync(out), ['x.yaml'])
  t.match(readFileSync(join(out, 'x.yaml'), 'utf8'), /# Proof: predicted on the same cluster, 6 asserted cells: 1 widened, 0 missing/)
})

t.test('--out: one file per namespace; -o scenario-step: a step that pastes into the scenario and predicts as intended', async (t) => {
  const dir = t.testdir({})
  const r = await run(['generate', 'scenarios/generate/namespace-isolation.yaml', '--step', 'generated', '--out', dir])
  t.equal(r.code, 0, r.err)
  t.same(readdirSync(dir).sort(), ['team-a.yaml', 'team-b.yaml'])
  const stepDir = t.testdir({})
  const written = await run(['generate', THREE_TIER, '--step', 'generated', '-o', 'scenario-step', '--out', stepDir])
  t.equal(written.code, 0, written.err)
  t.same(readdirSync(stepDir), ['generate-three-tier.step.yaml'])
  const step = await run(['generate', THREE_TIER, '--step', 'generated', '-o', 'scenario-step'])
  t.equal(readFileSync(join(stepDir, 'generate-three-tier.step.yaml'), 'utf8'), step.out, 'the same step on stdout')
  t.equal(step.code, 0, step.err)
  const [parsed] = parse(step.out)
  t.equal(parsed.name, 'generated from generated')
  t.equal(parsed.apply.length, 4)
  // Paste it: the scenario with the step replaced by the pasted one still predicts its intent (exit 0).
  const text = readFileSync(THREE_TIER, 'utf8')
  const pasted = text.slice(0, text.indexOf('  - name: generated')) + step.out.replace(/^(?!#)/gm, '  ').replace(/^  $/gm, '')
  const sdir = t.testdir({ 's.yaml': pasted })
  const p = await run(['predict', join(sdir, 's.yaml'), '-o', 'json'])
  t.equal(p.code, 0, p.err)
})

t.test('usage: --kind calico not yet, no expect, --scenario without --from-report', async (t) => {
  const calico = await run(['generate', THREE_TIER, '--step', 'generated', '--kind', 'calico'])
  t.equal(calico.code, 2)
  t.match(calico.err, /not yet: needs the Calico policy model \(issue 16\)/)
  const dir = t.testdir({ 's.yaml': TWINS.replace(/    expect:[\s\S]*$/, '    probe: {timeout: 1s}\n') })
  const noExpect = await run(['generate', join(dir, 's.yaml'), '--step', 'intent'])
  t.equal(noExpect.code, 2)
  t.match(noExpect.err, /has no expect/)
  const both = await run(['generate', THREE_TIER, '--step', '1', '--scenario', 'x'])
  t.equal(both.code, 2)
  const none = await run(['generate', '--step', '1'])
  t.equal(none.code, 2)
  t.match(none.err, /name a scenario file/)
})

t.test('--from-report: what the run observed at a step, on the scenario the report names', async (t) => {
  const run1 = 'examples/runs/20261202-224313-3148'
  const r = await run(['generate', '--from-report', run1, '--scenario', 'allow-web-to-customer', '--step', 'isolate customer'])
  t.equal(r.code, 0, r.err)
  t.match(r.err, /from what run 20261202-224313-3148 observed at step "isolate customer"/)
  t.match(r.out, /^# Generated by netpol-harness generate from what run 20261202-224313-3148 observed/)
  const byFile = await run(['generate', '--from-report', run1, '--scenario', 'scenarios/basics/allow-web-to-customer.yaml', '--step', '2'])
  t.equal(byFile.out, r.out, 'the scenario by file or by name is the same')
  const dir = t.testdir({})
  writeFileSync(join(dir, 'report.json'), readFileSync(join(run1, 'report.json')))
  const other = await run(['generate', '--from-report', dir, '--scenario', THREE_TIER, '--step', '2'])
  t.equal(other.code, 2)
  t.match(other.err, /has no scenario generate-three-tier/)
})

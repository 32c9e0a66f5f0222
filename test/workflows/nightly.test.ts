// The nightly workflow against the SchemaStore GitHub workflow schema (through @action-validator/core, which embeds
// it), plus the facts the workflow must respect that no schema knows (issue 12, defect 8).
import t from 'tap'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { validateWorkflow } from '@action-validator/core'

const text = readFileSync('.github/workflows/nightly.yml', 'utf8')

t.test('valid against the GitHub workflow schema', async (t) => {
  t.same(validateWorkflow(text).errors, [])
  t.not(validateWorkflow('on: push\njobs:\n  a:\n    runs-on: x\n    stepz: []\n').errors.length, 0, 'the validator does reject a broken workflow')
})

t.test('what a real runner needs', async (t) => {
  const wf = parse(text) as { permissions: Record<string, string>; defaults: { run: { shell: string } }; jobs: Record<string, { steps: { run?: string; uses?: string; with?: Record<string, string> }[] }> }
  // mikepenz/action-junit-report creates a check run: checks: write (its README).
  t.equal(wf.permissions.checks, 'write')
  // GitHub's `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`: a failing command before `| tee` fails the step.
  t.equal(wf.defaults.run.shell, 'bash')
  const steps = wf.jobs['kind-calico'].steps
  const runs = steps.map((s) => s.run ?? '').join('\n')
  t.match(runs, /modprobe sctp/, 'SCTP scenarios need the module on the host kernel')
  t.match(runs, /npm run test:e2e/, 'the nightly runs the end-to-end test')
  t.notMatch(runs, /agnhost:\d/, 'the agnhost image comes from the one pinned constant')
  t.ok(steps.some((s) => s.uses?.startsWith('actions/cache') && s.with?.path === 'reports/' && s.with['restore-keys']), 'reports/ carried across nights')
})

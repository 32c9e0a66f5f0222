// The nightly workflow against the SchemaStore GitHub workflow schema (through @action-validator/core, which embeds
// it), plus the facts the workflow must respect that no schema knows (issue 12, defect 8).
import t from 'tap'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { validateWorkflow } from '@action-validator/core'

const text = readFileSync('.github/workflows/nightly.yml', 'utf8')

t.test('valid against the GitHub workflow schema', async (t) => {
  t.same(validateWorkflow(text).errors, [])
  t.not(
    validateWorkflow('on: push\njobs:\n  a:\n    runs-on: x\n    stepz: []\n').errors.length,
    0,
    'the validator does reject a broken workflow',
  )
})

t.test('what a real runner needs', async (t) => {
  const wf = parse(text) as {
    permissions: Record<string, string>
    defaults: { run: { shell: string } }
    jobs: Record<string, { env: Record<string, string>; steps: { run?: string; uses?: string; with?: Record<string, string> }[] }>
  }
  // mikepenz/action-junit-report creates a check run: checks: write (its README).
  t.equal(wf.permissions.checks, 'write')
  // GitHub's `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`: a failing command before `| tee` fails the step.
  t.equal(wf.defaults.run.shell, 'bash')
  const steps = wf.jobs['kind-calico'].steps
  const runs = steps.map((s) => s.run ?? '').join('\n')
  t.match(runs, /modprobe sctp/, 'SCTP scenarios need the module on the host kernel')
  t.match(runs, /npm run test:e2e/, 'the nightly runs the end-to-end test')
  t.notMatch(runs, /agnhost:\d/, 'the agnhost image comes from the one pinned constant')
  t.ok(
    steps.some((s) => s.uses?.startsWith('actions/cache') && s.with?.path === 'reports/' && s.with['restore-keys']),
    'reports/ carried across nights',
  )
  // kind v0.32.0 defaults to kindest/node v1.36.1 (its pkg/apis/config/defaults/image.go and release notes), newer than the
  // Kubernetes the pinned Calico releases are tested on (up to 1.35); kind supports a node image only by the digest its
  // release notes list. kindest/node:v1.35.5@sha256:ce977ae6... is the v1.35 image listed for v0.32.0.
  const job = wf.jobs['kind-calico']
  t.equal(job.env.KIND_VERSION, 'v0.32.0')
  t.match(job.env.KIND_NODE_IMAGE, /^kindest\/node:v1\.35\.\d+@sha256:[0-9a-f]{64}$/, 'a v1.35 node image pinned by digest')
  t.match(runs, /cluster up [^\n]*--kind-image "\$KIND_NODE_IMAGE"/, 'the cluster is created from it')
  t.match(runs, /NPH_KIND_IMAGE="\$KIND_NODE_IMAGE" npm run test:e2e/, "so is the end-to-end test's cluster")
})

// What a run tests, said before anything is created (issue 15): the first line per driver (versions normalised) and
// `run --dry-run`, which checks what a run checks, prints what would run and creates nothing.
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { cannotRunLocal, netnsCreatedSince, netnsNames } from '../helpers/can-run.js'
import { runCli as run } from '../helpers/cli.js'

const SCENARIOS = 'scenarios/basics'
const PATH = process.env.PATH

/** The first line with this machine's versions replaced, so the snapshot holds on any machine. */
const normalised = (line: string) =>
  line
    .replace(/netpol-harness [\d.]+:/, 'netpol-harness X:')
    .replace(/nftables v[^,;]+/, 'nftables vX')
    .replace(/kernel [^,;]+/, 'kernel X')
    .replace(/python3 [^,;]+/, 'python3 X')

/** A kubeconfig with one context; nothing listens at its server (a dry run talks to no cluster). */
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: ctx-a, context: {cluster: c, user: u}}]
current-context: ctx-a
`

t.test(
  'local, chosen by auto: the first line, the options and the scenarios; nothing created',
  { skip: await cannotRunLocal() },
  async (t) => {
    t.teardown(() => void (process.env.PATH = PATH))
    // auto passes kind over: it is not installed (test/fixtures/no-kind).
    process.env.PATH = `${resolve('test/fixtures/no-kind')}:${PATH}`
    const reports = join(t.testdir(), 'deep/reports')
    const before = await netnsNames()
    const r = await run(['run', SCENARIOS, '--dry-run', '--report-dir', reports, '--fault', 'packet-loss=10', '--nodes', '3'])
    t.equal(r.code, 0, r.err)
    const [first, ...rest] = r.err.split('\n')
    t.matchSnapshot(normalised(first), 'the first line')
    t.same(rest, [''], 'one line on stderr')
    t.match(first, /; versions: nftables v\d/, 'nft --version')
    t.match(first, /kernel \d/, 'uname -r')
    t.match(first, /python3 3\.\d+/, "the agents' Python")
    t.matchSnapshot(r.out, 'the plan on stdout')
    t.same(await netnsCreatedSince(before), [], 'no network namespace created')
    t.notOk(existsSync(join(reports, '..')), 'the report folder (and its parent) checked, then removed again')
  },
)

t.test('kind: the first line from kind version and the flags; no cluster created', async (t) => {
  t.teardown(() => void (process.env.PATH = PATH))
  const dir = t.testdir()
  process.env.FAKE_DIR = dir
  process.env.PATH = `${resolve('test/fixtures/fake-bin')}:${PATH}`
  const args = ['run', SCENARIOS, '--driver', 'kind', '--dry-run', '--report-dir', join(dir, 'r')]
  const r = await run([...args, '--dataplane', 'nftables', '--kind-image', 'kindest/node:v1.34.0@sha256:' + 'b'.repeat(64)])
  t.equal(r.code, 0, r.err)
  t.matchSnapshot(normalised(r.err.trim()), 'the first line')
  t.match(r.out, /\n {2}Calico: +v[\d.]+ \(nftables dataplane\)\n/)
  t.same(readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n'), ['kind version'], 'kind asked its version, nothing else ran')
})

t.test('kube: the first line names the context; no cluster reached', async (t) => {
  const dir = t.testdir({ kubeconfig: KUBECONFIG })
  const r = await run([
    'run',
    SCENARIOS,
    '--driver',
    'kube',
    '--kubeconfig',
    join(dir, 'kubeconfig'),
    '--dry-run',
    '--report-dir',
    join(dir, 'r'),
  ])
  t.equal(r.code, 0, r.err)
  t.matchSnapshot(normalised(r.err.trim()), 'the first line')
  t.match(r.out, new RegExp(`\\n {2}kube: +context ctx-a, kubeconfig ${join(dir, 'kubeconfig')}\\n`))
})

t.test('-q leaves the first line out; warnings still show', async (t) => {
  const r = await run(['run', SCENARIOS, '--driver', 'kind', '--dry-run', '-q', '--report-dir', join(t.testdir(), 'r')])
  t.equal(r.code, 0, r.err)
  t.equal(r.err, '')
  t.match(r.out, /^options:\n/)
})

t.test('--dry-run fails where the run would, before anything is created', async (t) => {
  const dir = t.testdir({ kubeconfig: KUBECONFIG, 'a-file': 'x' })
  const cases: [string[], RegExp][] = [
    [['--driver', 'local', '--nodes', '0'], /--nodes must be a whole number >= 1/],
    [['--driver', 'local', '--fault', 'skip-policy=ghost/none'], /skip-policy=ghost\/none: no selected scenario applies/],
    [['--driver', 'kind', '--workers', '99'], /--workers must be 1-10/],
    [['--driver', 'kube', '--kubeconfig', join(dir, 'kubeconfig'), '--context', 'nope'], /--context: no context "nope"/],
    [['--driver', 'kind', '--nodes', '2'], /--nodes applies to the local driver only/],
    [['--driver', 'local', '--report-dir', join(dir, 'a-file')], /--report-dir .*a-file: (not a folder|cannot create it)/],
    [['--tags', 'no-such-tag'], /no scenario left after --tags\/--skip/],
  ]
  for (const [args, message] of cases) {
    const dry = await run(['run', SCENARIOS, '--report-dir', join(dir, 'r'), ...args, '--dry-run'])
    t.equal(dry.code, 2, `--dry-run ${args.join(' ')}`)
    t.match(dry.err, message, args.join(' '))
    t.equal(dry.out, '', 'no plan printed')
  }
  t.notOk(existsSync(join(dir, 'r')), 'no report folder')
})

// The command line: exit codes, the predict JSON contract, explain output, usage errors, bad input, internal errors
// and --debug.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import t from 'tap'
import { parse } from 'yaml'
import { Command } from 'commander'
import { COMMAND_MODULES, main } from '../../src/cli/main.js'
import { runCli as run } from '../helpers/cli.js'

const SCENARIO = 'scenarios/basics/allow-web-to-customer.yaml'

t.test('predict --output json follows ARCHITECTURE.md 3.3', async (t) => {
  const r = await run(['predict', SCENARIO, '--output', 'json'])
  t.equal(r.code, 0, r.err)
  const doc = JSON.parse(r.out)
  t.equal(doc.scenario, 'allow-web-to-customer')
  t.same(
    doc.steps.map((s: { name: string }) => s.name),
    ['baseline', 'isolate customer', 'database only from customer'],
  )
  const cells = doc.steps[1].cells
  // 3 pods + 1 external, 2 targets: 4*4 - 1 (external to itself) = 15 cells per target.
  t.equal(cells.length, 30)
  t.same(Object.keys(cells[0]), ['from', 'to', 'port', 'protocol', 'verdict'])
  t.notOk(
    cells.some((c: { from: string; to: string }) => c.from === 'orders-db' && c.to === 'orders-db'),
    'no external to external cell',
  )
  const find = (from: string, to: string, port: number) =>
    cells.find((c: { from: string; to: string; port: number }) => c.from === from && c.to === to && c.port === port)?.verdict
  t.equal(find('prod/web', 'prod/customer', 80), 'allow')
  t.equal(find('dev/tester', 'prod/customer', 80), 'deny')
  t.equal(find('orders-db', 'prod/customer', 80), 'deny')
  t.equal(find('prod/customer', 'prod/customer', 3306), 'allow', 'a pod reaches itself')
})

t.test('predict exits 1 when a prediction contradicts intent', async (t) => {
  const dir = t.testdir({
    's.yaml': `name: wrong-intent
namespaces: {x: {pods: {a: {}, b: {}}}}
steps:
  - name: deny
    apply:
      - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: d, namespace: x}, spec: {podSelector: {}}}
    expect: {default: allow}
`,
  })
  const r = await run(['predict', `${dir}/s.yaml`])
  t.equal(r.code, 1)
  t.match(r.err, /intent violation: wrong-intent step "deny": x\/a -> x\/b 80\/TCP: expected allow, policies deny/)
  t.match(r.out, /X\*/, 'the table marks the contradiction')
})

t.test('bad input exits 2 with file:line and path, no stack trace', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'name: x\nnamespaces: {a: {pods: {p: {lables: {}}}}}\nsteps: [{name: s}]\n' })
  for (const cmd of ['validate', 'predict']) {
    const r = await run([cmd, `${dir}/bad.yaml`])
    t.equal(r.code, 2, cmd)
    t.match(r.err, /bad\.yaml:2:\d+: namespaces\.a\.pods\.p\.lables: unknown field "lables" \(did you mean `labels`\?\)/)
    t.notMatch(r.err, /at .*\.js:\d+/, 'no stack trace')
  }
  const missing = await run(['predict', 'no/such/file.yaml'])
  t.equal(missing.code, 2)
  t.match(missing.err, /no\/such\/file\.yaml: no such file or folder/)
})

t.test('validate reports success', async (t) => {
  const r = await run(['validate', 'scenarios/basics'])
  t.equal(r.code, 0)
  t.match(r.out, /ok: 1 scenario valid/)
})

t.test('explain tells which rule decided', async (t) => {
  const r = await run(['explain', SCENARIO, '--step', 'isolate customer', '--from', 'prod/web', '--to', 'prod/customer', '--port', '80'])
  t.equal(r.code, 0, r.err)
  t.match(r.out, /ALLOW/)
  t.match(r.out, /allowed by prod\/customer-from-web ingress rule 0/)
  const denied = await run(['explain', SCENARIO, '--step', '3', '--from', 'prod/web', '--to', 'orders-db', '--port', '80'])
  t.match(denied.out, /DENY/)
  t.match(denied.out, /egress of prod\/web: isolated by prod\/egress-db/)
  t.match(denied.out, /no rule allows it: denied/)
})

t.test('usage errors exit 2', async (t) => {
  t.equal((await run(['explain', SCENARIO, '--step', '9', '--from', 'prod/web', '--to', 'prod/customer', '--port', '80'])).code, 2)
  t.equal((await run(['explain', SCENARIO, '--step', '1', '--from', 'prod/nobody', '--to', 'prod/customer', '--port', '80'])).code, 2)
  t.equal((await run(['explain', SCENARIO, '--step', '1', '--from', 'prod/web', '--to', 'prod/customer', '--port', '99999'])).code, 2)
  t.equal((await run(['predict', SCENARIO, '--output', 'xml'])).code, 2)
  t.equal((await run(['frobnicate'])).code, 2)
  t.equal((await run([])).code, 2)
  t.equal((await run(['--help'])).code, 0)
  const dir = await run(['explain', 'scenarios/basics', '--step', '1', '--from', 'prod/web', '--to', 'prod/customer', '--port', '80'])
  t.equal(dir.code, 2, 'explain on a folder')
  t.match(dir.err, /explain takes one scenario file, not a folder: scenarios\/basics/)
})

t.test('validate -o json|yaml: the result as data, problems included', async (t) => {
  const ok = await run(['validate', 'scenarios/basics', '-o', 'json'])
  t.equal(ok.code, 0)
  t.same(JSON.parse(ok.out), {
    valid: true,
    scenarios: [{ name: 'allow-web-to-customer', file: SCENARIO, steps: JSON.parse(ok.out).scenarios[0].steps }],
  })
  const dir = t.testdir({ 'bad.yaml': 'name: x\nnamespaces: {a: {}}\nsteps: [{name: s, apply: [{kind: Pod}]}]\n' })
  const bad = await run(['validate', dir, '-o', 'yaml'])
  t.equal(bad.code, 2)
  const doc = parse(bad.out)
  t.equal(doc.valid, false)
  t.ok(
    doc.problems.some(
      (p: { file: string; line: number; message: string }) =>
        /bad\.yaml$/.test(p.file) && p.line === 3 && /kind must be NetworkPolicy/.test(p.message),
    ),
    'each problem with file, line and message',
  )
  t.equal((await run(['validate', 'scenarios/basics'])).out.startsWith('ok: 1 scenario valid'), true, 'text by default')
})

t.test('validate -o table: a row per scenario, or per file with problems (exit 2, the problems on stderr)', async (t) => {
  const ok = await run(['validate', 'scenarios/basics', 'scenarios/isolation/default-deny-ingress.yaml', '-o', 'table'])
  t.equal(ok.code, 0, ok.err)
  t.equal(
    ok.out,
    [
      'FILE                                            SCENARIO                        STEPS   PODS   POLICIES   STATUS',
      'scenarios/basics/allow-web-to-customer.yaml     allow-web-to-customer           3       3      2          valid',
      'scenarios/isolation/default-deny-ingress.yaml   practice-default-deny-ingress   3       3      3          valid',
      '',
    ].join('\n'),
  )
  const dir = t.testdir({
    'bad.yaml': 'name: x\nnamespaces: {a: {}}\nsteps: [{name: s, apply: [{kind: Pod}, {kind: Service}]}]\n',
    'good.yaml': 'name: y\nnamespaces: {a: {pods: {p: {}}}}\nsteps: [{name: s}]\n',
  })
  const bad = await run(['validate', dir, '-o', 'table'])
  t.equal(bad.code, 2)
  t.match(bad.out, /^FILE +SCENARIO +STEPS +PODS +POLICIES +STATUS\n\S*bad\.yaml +<none> +<none> +<none> +<none> +(\d+) problems\n$/)
  t.equal(/(\d+) problems\n$/.exec(bad.out)?.[1], /(\d+) problems found/.exec(bad.err)?.[1], 'as many as stderr lists')
  t.match(bad.err, /bad\.yaml:3:.*kind must be NetworkPolicy/)
})

t.test('predict --output json over several files: one JSON document, an array of the scenarios', async (t) => {
  const r = await run(['predict', SCENARIO, 'scenarios/upstream/ports.yaml', '--output', 'json'])
  t.equal(r.code, 0, r.err)
  const doc = JSON.parse(r.out)
  t.ok(Array.isArray(doc))
  t.same(
    doc.map((d: { scenario: string }) => d.scenario),
    ['allow-web-to-customer', 'upstream-ports'],
  )
  t.equal(JSON.parse((await run(['predict', SCENARIO, '--output', 'json'])).out).scenario, 'allow-web-to-customer', 'one file: the object')
})

/** An Io whose stdout throws: the command fails with something no harness code expects (a bug). */
async function crash(args: string[], env?: string) {
  let err = ''
  const saved = process.env.NETPOL_HARNESS_DEBUG
  if (env === undefined) delete process.env.NETPOL_HARNESS_DEBUG
  else process.env.NETPOL_HARNESS_DEBUG = env
  try {
    const io = {
      out: () => {
        throw new TypeError('cannot read properties of undefined')
      },
      err: (s: string) => void (err += s),
    }
    return { code: await main(args, io), err }
  } finally {
    if (saved === undefined) delete process.env.NETPOL_HARNESS_DEBUG
    else process.env.NETPOL_HARNESS_DEBUG = saved
  }
}

t.test('an internal error is one line and where to report it, no stack trace without --debug', async (t) => {
  const r = await crash(['validate', 'scenarios/basics'])
  t.equal(r.code, 70)
  t.match(r.err, /^internal error: TypeError: cannot read properties of undefined\n/)
  t.match(r.err, /This is a bug in netpol-harness \S+; please report it with the command line and this message \(run again with --debug/)
  t.notMatch(r.err, /\n\s+at /, 'no stack trace')
  t.equal(r.err.trim().split('\n').length, 2)
})

t.test('--debug (anywhere before --) or NETPOL_HARNESS_DEBUG=1 adds the stack trace', async (t) => {
  for (const [args, env] of [
    [['--debug', 'validate', 'scenarios/basics'], undefined],
    [['validate', 'scenarios/basics', '--debug'], undefined],
    [['validate', 'scenarios/basics'], '1'],
  ] as const) {
    const r = await crash([...args], env)
    t.equal(r.code, 70)
    t.match(r.err, /^internal error: TypeError: cannot read properties of undefined\nTypeError: [^\n]*\n\s+at /, args.join(' '))
    t.match(r.err, /and the stack trace above\.\n$/)
  }
})

t.test('the lazily loaded command modules register exactly the commands main.ts expects of them', async (t) => {
  for (const m of COMMAND_MODULES) {
    const program = new Command()
    ;(await m.load())(program, { out: () => {}, err: () => {} }, () => {})
    t.same(
      program.commands.map((c) => c.name()),
      m.commands,
    )
  }
  const help = await run(['--help'])
  for (const name of ['validate', 'predict', 'explain', ...COMMAND_MODULES.flatMap((m) => m.commands)])
    t.match(help.out, new RegExp(`\\n  ${name}\\b`), `--help lists ${name}`)
  t.match(help.out, /--debug/)
  t.equal((await run(['lint', '--help'])).code, 0, 'a lazily loaded command has its help')
})

t.test('bad input exits 2 with one message naming the file, no stack trace, nothing run (issue 21)', { timeout: 30000 }, async (t) => {
  let bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\n'
  for (const [n, p] of [...'bcdefghi'].map((n, i) => [n, 'abcdefgh'[i]])) bomb += `${n}: &${n} [${Array(9).fill(`*${p}`).join(', ')}]\n`
  const dir = t.testdir({
    'bomb.yaml': bomb,
    fifo: { 's.yaml': 'name: s\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one}]\n' },
    out: { 's.yaml': 'name: s\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one, apply: [{file: ../p.yaml}]}]\n' },
    'p.yaml': 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec: {podSelector: {}}\n',
    'a-file': 'x',
  })
  execFileSync('mkfifo', [`${dir}/fifo/pipe.yaml`])
  const cases: [string[], RegExp][] = [
    [['validate', `${dir}/bomb.yaml`], /bomb\.yaml:2:8: YAML aliases expand too much/],
    [['validate', `${dir}/fifo`], /pipe\.yaml: not a regular file/],
    [['predict', `${dir}/out`], /out\/s\.yaml:3:\d+: steps\[0\]\.apply\[0\]\.file: .*outside the scenario's folder/],
    [['run', SCENARIO, '--report-dir', `${dir}/a-file`], /--report-dir .*a-file: (not a folder|cannot create it)/],
    [['run', SCENARIO, '--report-dir', ''], /--report-dir is empty/],
    [['run', SCENARIO, '--report-dir', '/proc/x'], /--report-dir \/proc\/x: cannot create it/],
    [['run', SCENARIO, '--fault', 'skip-policy=ghost/none'], /skip-policy=ghost\/none: no selected scenario applies this policy/],
  ]
  for (const [args, message] of cases) {
    const r = await run(args)
    t.equal(r.code, 2, args.join(' '))
    t.match(r.err, message, args.join(' '))
    t.notMatch(r.err, /at .*\.[jt]s:\d+/, 'no stack trace')
  }
  t.equal((await run(['validate', `${dir}/out`, '--allow-outside-files'])).code, 0, '--allow-outside-files allows it')
})

t.test('predict -o yaml: the JSON document as YAML, streamed; several scenarios a sequence, as JSON an array', async (t) => {
  for (const paths of [[SCENARIO], ['scenarios/basics', 'scenarios/upstream/ports.yaml', 'scenarios/upstream/sctp-ports.yaml']]) {
    const json = await run(['predict', ...paths, '-o', 'json'])
    const yaml = await run(['predict', ...paths, '-o', 'yaml'])
    t.equal(yaml.code, json.code)
    t.equal(yaml.err, json.err, 'the same intent violations on stderr')
    t.same(parse(yaml.out), JSON.parse(json.out), `${paths.join(' ')}: the same document`)
  }
  const dir = t.testdir({ 's.yaml': 'name: odd.name\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: "a: b # \\"c\\" ü"}]\n' })
  const odd = await run(['predict', `${dir}/s.yaml`, '-o', 'yaml'])
  t.equal(odd.code, 0, odd.err)
  t.same(parse(odd.out), JSON.parse((await run(['predict', `${dir}/s.yaml`, '-o', 'json'])).out), 'names YAML would misread are quoted')
})

// Root writes through file modes, so the folder is a read-only tmpfs, mounted in a mount namespace of the child's own
// (unshare -m): nothing is left mounted whatever happens.
const canMountReadOnly = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0
t.test(
  'a read-only --report-dir is a usage error before anything runs (issue 21)',
  { skip: !canMountReadOnly && 'needs root and unshare -m (a read-only mount)' },
  async (t) => {
    const dir = t.testdir({})
    const r = spawnSync(
      'unshare',
      [
        '-m',
        'sh',
        '-c',
        'mount -t tmpfs -o ro,size=1m tmpfs "$1" && exec node dist/src/cli/bin.js run "$2" --driver local --report-dir "$1"',
        'sh',
        dir,
        SCENARIO,
      ],
      { encoding: 'utf8', timeout: 60000 },
    )
    t.equal(r.status, 2, r.stderr)
    t.match(r.stderr, /--report-dir .*: cannot write in it \(EROFS\)/)
    t.notMatch(r.stderr, /topology up|step 1/, 'no scenario started')
  },
)

t.test('a reader that goes away early (`run --help | head -1`) is no internal error', async (t) => {
  // The help is long enough to need more than one write; the reader closes after the first chunk.
  for (let i = 0; i < 5; i++) {
    const child = spawn(process.execPath, ['dist/src/cli/bin.js', 'run', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    child.stdout.once('data', () => child.stdout.destroy())
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    t.equal(code, 0, `exit code (try ${i + 1})`)
    t.notMatch(err, /internal error|EPIPE/, 'nothing on stderr about it')
  }
})

// Every example runs as written (issue 15 point 4): the `Examples:` of `--help` for the program and every command
// (found by walking the help's command lists, so a new command is covered without touching this file), the shell
// blocks of README.md, docs/*.md and examples/README.md; every repository path they, the help texts and the
// Markdown links name exists. Each `netpol-harness` example runs with the built CLI from the repository root and
// must exit as documented (0 unless listed in EXPECTED_EXIT with the reason) without an internal error or a stack
// trace. What would write into the repository writes into a temporary folder instead (--report-dir, --out, a
// report folder, `> file`); runs of more than two scenario files, and every kind/kube run or cluster command, get
// --dry-run (cluster commands also see the fake kind/kubectl/docker of test/fixtures/fake-bin); the small local
// runs run for real (root and nft needed, else they skip and say why).
import t from 'tap'
import { execa } from 'execa'
import { cpSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { cannotRunLocal } from './helpers/can-run.js'

const BIN = 'dist/src/cli/bin.js'
const ROOT = resolve('.')

/** Examples that exit non-zero on purpose, when run for real (a --dry-run exits 0): the pattern and why. */
const EXPECTED_EXIT: readonly { readonly match: RegExp; readonly code: number; readonly why: string }[] = [
  { match: /^run .*--fault /, code: 1, why: 'a broken dataplane (--fault) must be caught: fail-open cells, exit 1' },
  { match: /^lint examples\/manifests\//, code: 1, why: 'examples/manifests/shop.yaml carries three policy mistakes on purpose' },
  {
    match: /^compare examples\/runs\/20261202-224313-3148 examples\/runs\/20261202-224434-b959/,
    code: 1,
    why: 'the second run was made with --fault: its fail-open cells are regressions',
  },
  { match: /^compare .*--fail-on-change/, code: 1, why: '--fail-on-change: any difference fails, improvements included' },
  { match: /^generate .*--externals covering/, code: 1, why: 'the covering CIDR widens to a third host: generate refuses to write' },
]

/** Examples not run at all, with why; their paths and npm scripts are still checked. */
const NOT_RUN: readonly { readonly match: RegExp; readonly why: string }[] = [
  { match: /^npm (test|run test:e2e)\b/, why: 'the test suite itself (npm test runs this file)' },
  { match: /^npm run selftest\b/, why: 'the whole suite once per fault mode (most of an hour); test/cli/selftest.test.ts runs selftest' },
  {
    match: /^selftest .*--under-loss /,
    why: 'two scenarios under 30 % loss take about four minutes; test/cli/selftest.test.ts runs --under-loss on a small scenario',
  },
]

/** A kubeconfig naming the contexts the examples use; it points nowhere (no example reaches a cluster). */
const FAKE_KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: example, cluster: {server: 'https://127.0.0.1:1'}}]
users: [{name: example, user: {token: example}}]
contexts:
  - {name: my-ctx, context: {cluster: example, user: example}}
  - {name: ci, context: {cluster: example, user: example}}
current-context: my-ctx
`

/** Paths the docs cite from other repositories (they say which), not from this one. */
const UPSTREAM_PATHS = ['test/e2e/network/netpol/network_policy.go']

/** Runs with at most this many scenario files (and no folder) run for real on the local driver; larger get --dry-run. */
const REAL_RUN_MAX_FILES = 2

interface Example {
  /** The command line as written, continuations joined, the comment dropped. */
  readonly text: string
  /** Where it was found (file:line, or the --help it is in). */
  readonly where: string
}

interface Help {
  readonly path: readonly string[]
  readonly text: string
  /** Options taking a value (`--settle <duration>`), with the placeholder. */
  readonly valued: ReadonlyMap<string, string>
  /** Arguments, in order, each true when it names files or folders. */
  readonly pathArgs: readonly boolean[]
}

async function cli(args: readonly string[], opts: { env?: Record<string, string>; timeout?: number } = {}) {
  return execa('node', [BIN, ...args], { cwd: ROOT, reject: false, all: true, env: opts.env, timeout: opts.timeout ?? 600_000 })
}

/** A help section's lines: after the line `Name:` up to the next blank line. */
function section(text: string, name: string): string[] {
  const lines = text.split('\n')
  const start = lines.findIndex((l) => l.trim() === `${name}:`)
  if (start < 0) return []
  const end = lines.findIndex((l, i) => i > start && l.trim() === '')
  return lines.slice(start + 1, end < 0 ? undefined : end)
}

/** The help of the program and of every command below it, walking the `Commands:` lists. */
async function helps(path: readonly string[] = []): Promise<Help[]> {
  const r = await cli([...path, '--help'])
  if (r.exitCode !== 0) throw new Error(`${['netpol-harness', ...path, '--help'].join(' ')} exited ${r.exitCode}: ${r.all}`)
  const text = r.stdout
  const valued = new Map<string, string>()
  for (const l of section(text, 'Options')) {
    const m = /^\s+(?:(-\w), )?(--[\w-]+) <([^>]+)>/.exec(l)
    if (m) for (const o of [m[1], m[2]]) if (o) valued.set(o, m[3])
  }
  const pathArgs = section(text, 'Arguments')
    .filter((l) => /^ {2}\S/.test(l))
    .map((l) => /\b(files?|folders?|dir|report)\b/.test(l))
  const own: Help = { path, text, valued, pathArgs }
  const subs = section(text, 'Commands')
    .map((l) => /^ {2}([a-z][\w-]*)/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined && c !== 'help')
  return [own, ...(await Promise.all(subs.map((c) => helps([...path, c])))).flat()]
}

/** Shell lines joined over trailing backslashes. */
function joinContinuations(lines: readonly { text: string; line: number }[]): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = []
  let pending: { text: string; line: number } | undefined
  for (const l of lines) {
    const text = pending ? `${pending.text} ${l.text.trim()}` : l.text
    const line = pending?.line ?? l.line
    if (/\\\s*$/.test(text)) pending = { text: text.replace(/\s*\\\s*$/, ''), line }
    else {
      out.push({ text, line })
      pending = undefined
    }
  }
  return out
}

/** Shell words of one line: quotes removed, `~/` expanded; stops at a comment. Throws on what no example should need. */
function words(line: string, home: string): { words: string[]; comment: string } {
  const out: string[] = []
  let cur: string | undefined
  let i = 0
  for (; i < line.length; i++) {
    const ch = line[i]
    if (/\s/.test(ch)) {
      if (cur !== undefined) out.push(cur)
      cur = undefined
    } else if (ch === '#' && cur === undefined) break
    else if (ch === "'" || ch === '"') {
      const end = line.indexOf(ch, i + 1)
      if (end < 0) throw new Error(`unclosed quote in: ${line}`)
      cur = (cur ?? '') + line.slice(i + 1, end)
      i = end
    } else if ('|&;<$`()[]{}'.includes(ch)) throw new Error(`"${ch}" in an example is shell syntax no example needs: ${line}`)
    else cur = (cur ?? '') + ch
  }
  if (cur !== undefined) out.push(cur)
  return { words: out.map((w) => (w.startsWith('~/') ? join(home, w.slice(2)) : w)), comment: line.slice(i) }
}

const CLI_PREFIXES = [['npx', 'netpol-harness'], ['netpol-harness'], ['node', BIN]]

/** The examples of a Markdown file: `netpol-harness` and `npm` lines of its sh/bash/shell/console blocks. */
function markdownExamples(file: string): Example[] {
  const lines = readFileSync(file, 'utf8').split('\n')
  const found: { text: string; line: number }[] = []
  let inShell = false
  let fence: string | undefined
  for (const [i, l] of lines.entries()) {
    const m = /^(\s*)(```+|~~~+)\s*(\w*)/.exec(l)
    if (m && fence === undefined) {
      fence = m[2]
      inShell = ['sh', 'bash', 'shell', 'console'].includes(m[3])
    } else if (m && l.trim() === fence) fence = undefined
    else if (fence !== undefined && inShell) found.push({ text: l.replace(/^\s*\$ /, ''), line: i + 1 })
  }
  return joinContinuations(found)
    .map((x) => ({ text: x.text.trim(), where: `${file}:${x.line}` }))
    .filter((x) => /^(npx netpol-harness|netpol-harness|node dist\/src\/cli\/bin\.js|npm (run|start|test)\b)/.test(x.text))
}

/** The examples of a help text: the lines of its `Examples:` section. */
function helpExamples(h: Help): Example[] {
  const lines = section(h.text, 'Examples').map((text, i) => ({ text, line: i }))
  return joinContinuations(lines)
    .map((x) => ({ text: x.text.trim(), where: `netpol-harness ${[...h.path, '--help'].join(' ')}` }))
    .filter((x) => x.text.startsWith('netpol-harness '))
}

/**
 * Repository paths named in free text (comments, help, prose): `docs/...`, `scenarios/...` and the other top folders.
 * What lies under `reports/` is output (`reports/history.json`, `reports/<run-id>/`), not a reference; the folder is.
 */
function mentionedPaths(text: string): string[] {
  return [...text.matchAll(/(?<![\w./-])((?:docs|scenarios|examples|manifests|reports|scripts|src|test)\/[\w./-]*)/g)]
    .map((m) => m[1].replace(/[.,:]+$/, ''))
    .filter((p) => !p.startsWith('reports/') || p === 'reports/')
}

/** Where a path is: existing, in the repository or the test's home, or missing. */
const exists = (p: string) => existsSync(resolve(ROOT, p))

const helpList = await helps()
const helpOf = (cmd: readonly string[]): Help | undefined =>
  [...helpList].sort((a, b) => b.path.length - a.path.length).find((h) => h.path.every((w, i) => cmd[i] === w))
const docs = [
  'README.md',
  'examples/README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
]
const examples: Example[] = [...helpList.flatMap(helpExamples), ...docs.flatMap(markdownExamples)]
const packageScripts: Record<string, string> = JSON.parse(readFileSync('package.json', 'utf8')).scripts

t.test('examples are found: the program, the commands with examples, README and docs', async (t) => {
  for (const where of ['netpol-harness --help', 'netpol-harness run --help', 'netpol-harness lint --help', 'README.md:'])
    t.ok(
      examples.some((e) => e.where.startsWith(where)),
      `examples in ${where}`,
    )
  t.ok(examples.length >= 30, `${examples.length} examples`)
  t.ok(
    helpList.some((h) => h.path.join(' ') === 'cluster'),
    'the walk reaches every command',
  )
})

t.test('the example reader: words, quotes, comments, continuations, what it refuses', async (t) => {
  t.same(words(`netpol-harness explain s.yaml --step 'isolate customer' --port 80   # why`, '/h'), {
    words: ['netpol-harness', 'explain', 's.yaml', '--step', 'isolate customer', '--port', '80'],
    comment: '# why',
  })
  t.same(words('run --kubeconfig ~/.kube/ci.yaml a#b', '/h').words, ['run', '--kubeconfig', '/h/.kube/ci.yaml', 'a#b'])
  for (const bad of ['cluster up|down', 'run <run-id>', 'run $(ls)', 'a && b', 'report [reports/]'])
    t.throws(() => words(bad, '/h'), `${bad}: refused`)
  t.same(
    joinContinuations([
      { text: 'a \\', line: 1 },
      { text: '    b', line: 2 },
      { text: 'c', line: 3 },
    ]),
    [
      { text: 'a b', line: 1 },
      { text: 'c', line: 3 },
    ],
  )
  t.same(mentionedPaths('see docs/kind.md, and reports/<run-id>/ under reports/: scenarios/x.yaml.'), [
    'docs/kind.md',
    'reports/',
    'reports/',
    'scenarios/x.yaml',
  ])
})

t.test('every repository path named in the help texts and Markdown links exists', async (t) => {
  for (const h of helpList)
    for (const p of mentionedPaths(h.text)) t.ok(exists(p), `${p} (netpol-harness ${[...h.path, '--help'].join(' ')})`)
  for (const f of docs) {
    const text = readFileSync(f, 'utf8')
    // Paths in inline code: the repository's, relative to its root or to the page; a few name another repository's files.
    for (const m of text.matchAll(/`([^`\n]+)`/g))
      for (const p of mentionedPaths(m[1]))
        if (!UPSTREAM_PATHS.includes(p)) t.ok(exists(p) || existsSync(resolve(dirname(f), p)), `${f}: \`${p}\``)
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1].replace(/#.*$/, '')
      if (!target || /^[a-z]+:/.test(target)) continue
      t.ok(existsSync(resolve(dirname(f), target)), `${f}: link to ${m[1]}`)
    }
  }
})

t.test('the tables of exceptions name examples that exist', async (t) => {
  const plain = examples.map((e) => e.text.replace(/^(npx netpol-harness|netpol-harness|node dist\/src\/cli\/bin\.js) /, ''))
  for (const x of [...EXPECTED_EXIT, ...NOT_RUN])
    t.ok(
      plain.some((e) => x.match.test(e)),
      `${x.match} matches an example`,
    )
})

// The examples' home: a kubeconfig (the default one and ~/.kube/ci.yaml) naming the contexts they use.
const home = t.testdir({ '.kube': { config: FAKE_KUBECONFIG, 'ci.yaml': FAKE_KUBECONFIG } })
const localProblem = await cannotRunLocal()

/** Everything about running one example: the command line to run, the environment, the code to expect. */
function plan(e: Example, tmp: string) {
  const { words: w, comment } = words(e.text, home)
  const missing: string[] = mentionedPaths(comment).filter((p) => !exists(p))
  if (w[0] === 'npm') {
    const script = w[0] === 'npm' && w[1] === 'run' ? w[2] : w[1]
    return { kind: 'npm' as const, script, missing }
  }
  const prefix = CLI_PREFIXES.find((p) => p.every((x, i) => w[i] === x))!
  let args = w.slice(prefix.length)
  // `> file`: the output is captured instead.
  const redirect = args.indexOf('>')
  if (redirect >= 0) args = args.slice(0, redirect)
  const commandWords = args.filter((a, i) => !a.startsWith('-') && !(i > 0 && args[i - 1].startsWith('-') && !args[i - 1].includes('=')))
  const help = helpOf(commandWords) ?? helpList[0]
  const cmd = help.path
  const positional: string[] = []
  const valueOf = (o: string) => {
    const i = args.findIndex((a) => a === o)
    return i >= 0 ? args[i + 1] : undefined
  }
  for (let i = cmd.length; i < args.length; i++) {
    const a = args[i]
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a]
    if (help.valued.has(flag)) {
      const v = inline ?? args[++i]
      const isFile = /^(file|dir)$/.test(help.valued.get(flag)!)
      if (isFile && !['--out', '--report-dir'].includes(flag) && !v.startsWith('/') && !exists(v)) missing.push(v)
      if (isFile && v.startsWith(home) && !existsSync(v)) missing.push(v)
    } else if (!a.startsWith('-')) {
      positional.push(a)
      if ((help.pathArgs[positional.length - 1] ?? help.pathArgs.at(-1)) && !exists(a)) missing.push(a)
    }
  }
  // What would write into the repository writes into tmp.
  const swap = (o: string, to: string) => {
    const i = args.indexOf(o)
    if (i >= 0) args[i + 1] = to
    else args.push(o, to)
  }
  let dryRun = false
  let local = false
  let fakeTools = false
  const top = cmd[0]
  if (top === 'run') {
    const scenarioArgs = positional.length ? positional : ['scenarios/']
    const files = scenarioArgs.filter((p) => exists(p) && statSync(resolve(ROOT, p)).isFile())
    const small = files.length === scenarioArgs.length && files.length <= REAL_RUN_MAX_FILES
    const cluster = ['kind', 'kube'].includes(valueOf('--driver') ?? '')
    dryRun = !small || cluster || args.includes('--dry-run')
    local = !dryRun
    fakeTools = cluster
    swap('--report-dir', join(tmp, 'reports'))
    if (dryRun && !args.includes('--dry-run')) args.push('--dry-run')
  } else if (top === 'cluster') {
    dryRun = true
    fakeTools = true
    if (!args.includes('--dry-run')) args.push('--dry-run')
  } else if (top === 'selftest') {
    local = true
    swap('--out', join(tmp, 'selftest.json'))
  } else if (top === 'compare' || top === 'generate') {
    if (args.includes('--out')) swap('--out', join(tmp, basename(valueOf('--out')!)))
  } else if (top === 'report') {
    // The report folder: a copy of the example runs (or of the folder named) in tmp.
    const dir = positional[0]
    const copy = join(tmp, 'reports')
    const from = dir && dir.replace(/\/$/, '') !== 'reports' && exists(dir) ? dir : 'examples/runs'
    cpSync(resolve(ROOT, from), copy, { recursive: true })
    if (dir) args[args.indexOf(dir)] = copy
    else args.push(copy)
  }
  const plainText = e.text.replace(/^(npx netpol-harness|netpol-harness|node dist\/src\/cli\/bin\.js) /, '')
  const expected = dryRun
    ? { code: 0, why: 'a dry run' }
    : (EXPECTED_EXIT.find((x) => x.match.test(plainText)) ?? { code: 0, why: 'success' })
  return { kind: 'cli' as const, args, missing, dryRun, local, fakeTools, expected }
}

// Two examples at a time: most are a CLI start and a small file; the few local runs overlap them.
t.jobs = 2
// One example written in several places runs once, named after every place.
const unique = new Map<string, Example[]>()
for (const e of examples) unique.set(e.text, [...(unique.get(e.text) ?? []), e])

for (const [text, places] of unique) {
  const plainText = text.replace(/^(npx netpol-harness|netpol-harness|node dist\/src\/cli\/bin\.js) /, '')
  const notRun = NOT_RUN.find((x) => x.match.test(plainText))
  t.test(`${text}  (${places.map((p) => p.where).join(', ')})`, async (t) => {
    const tmp = t.testdir({ fake: {} })
    let p
    try {
      p = plan(places[0], tmp)
    } catch (e) {
      return t.fail((e as Error).message)
    }
    t.same(p.missing, [], 'every repository path it names exists')
    if (p.kind === 'npm') {
      t.ok(packageScripts[p.script], `package.json has the script "${p.script}"`)
      if (notRun) return t.pass(`not run: ${notRun.why}`)
      // An npm script that is the CLI runs as that CLI line (npm start: run scenarios/ --driver auto, dry run).
      const line = packageScripts[p.script].replace(/^npm run build --silent && /, '')
      t.match(line, /^node dist\/src\/cli\/bin\.js /, 'a script an example runs is the CLI (else add it to NOT_RUN)')
      p = plan({ text: line, where: `package.json scripts.${p.script}` }, tmp)
    }
    if (notRun) return t.pass(`not run: ${notRun.why}`)
    if (p.kind !== 'cli') return
    if (p.local && localProblem) return void t.skip(`runs for real on the local driver: ${localProblem}`, async () => {})
    const env: Record<string, string> = { HOME: home, KUBECONFIG: join(home, '.kube', 'config'), NETPOL_HARNESS_DEBUG: '' }
    if (p.fakeTools) Object.assign(env, { PATH: `${resolve('test/fixtures/fake-bin')}:${process.env.PATH}`, FAKE_DIR: join(tmp, 'fake') })
    const r = await cli(p.args, { env })
    t.equal(r.exitCode, p.expected.code, `exit ${p.expected.code} (${p.expected.why}): netpol-harness ${p.args.join(' ')}\n${r.all}`)
    t.notMatch(r.all, /internal error|^\s+at .+:\d+:\d+\)?$/m, 'no internal error, no stack trace')
  })
}

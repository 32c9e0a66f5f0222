// The loader reads only regular files within the size limit, never blocks on FIFOs or devices, reports link loops
// and dangling links as problems, and keeps `{file: ...}` references inside the scenario's folder unless allowed.
import { execFileSync } from 'node:child_process'
import { symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { InputError, type Problem } from '../../src/errors.js'
import { loadScenarios } from '../../src/scenario/load.js'
import { loadLintInput } from '../../src/lint/load.js'

const SCENARIO = 'name: s\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one}]\n'
const withFile = (ref: string) => `name: s\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one, apply: [{file: ${ref}}]}]\n`
const POLICY = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec: {podSelector: {}}\n'

/** The problems `f` throws as an InputError (fails the test if it throws anything else or nothing). */
function problemsOf(t: Test, f: () => unknown): Problem[] {
  try {
    f()
  } catch (e) {
    if (e instanceof InputError) return [...e.problems]
    t.fail(`not an InputError: ${(e as Error)?.stack}`)
    return []
  }
  t.fail('no problem reported')
  return []
}

const OPTS = { timeout: 20000 }

t.test('symbolic link loops, folder loops and dangling links are problems naming the file', OPTS, async (t) => {
  const dir = t.testdir({ 's.yaml': SCENARIO, sub: { 'ok.txt': 'x' } })
  symlinkSync('loop.yaml', join(dir, 'loop.yaml'))
  symlinkSync('nowhere.yaml', join(dir, 'dangling.yaml'))
  symlinkSync('..', join(dir, 'sub', 'up'))
  const problems = problemsOf(t, () => loadScenarios([dir]))
  t.match(problems, [
    { file: /dangling\.yaml$/, message: /dangling symbolic link/ },
    { file: /loop\.yaml$/, message: 'symbolic link loop' },
    { file: /sub\/up$/, message: /folder symbolic link loop/ },
  ])
  t.match(
    problemsOf(t, () => loadScenarios([join(dir, 'loop.yaml')])),
    [{ message: 'symbolic link loop' }],
    'named directly too',
  )
})

t.test('FIFOs and devices are refused without being opened for a blocking read', OPTS, async (t) => {
  const dir = t.testdir({
    's.yaml': withFile('pipe.yaml'),
    other: { 's2.yaml': withFile('../../../../../../../../dev/zero').replace('name: s', 'name: s2') },
  })
  execFileSync('mkfifo', [join(dir, 'pipe.yaml')])
  execFileSync('mkfifo', [join(dir, 'lone.yaml')])
  const problems = problemsOf(t, () => loadScenarios([dir], { allowOutsideFiles: true }))
  t.match(problems, [
    { file: /lone\.yaml$/, message: /not a regular file \(a FIFO, socket or device\)/ },
    { file: /other\/s2\.yaml$/, path: 'steps[0].apply[0].file', message: /dev\/zero: not a regular file/ },
    { file: /pipe\.yaml$/, message: /not a regular file/ },
    { file: /s\.yaml$/, path: 'steps[0].apply[0].file', message: /pipe\.yaml: not a regular file/ },
  ])
  t.match(
    problemsOf(t, () => loadScenarios([join(dir, 'other')])),
    [{ path: 'steps[0].apply[0].file', message: /dev\/zero: outside the scenario's folder/ }],
    'without the flag, refused for leaving the folder',
  )
  t.match(
    problemsOf(t, () => loadScenarios(['/dev/zero'])),
    [{ file: '/dev/zero', message: /not a regular file/ }],
  )
})

t.test('files over the size limit are refused before they are read', async (t) => {
  const dir = t.testdir({ 's.yaml': withFile('p.yaml'), 'p.yaml': POLICY + '# ' + 'x'.repeat(200) + '\n' })
  t.match(
    problemsOf(t, () => loadScenarios([join(dir, 's.yaml')], { maxFileBytes: 150 })),
    [{ path: 'steps[0].apply[0].file', message: /p\.yaml: the file is \d+ bytes, over the 150-byte limit/ }],
  )
  t.match(
    problemsOf(t, () => loadScenarios([join(dir, 'p.yaml')], { maxFileBytes: 100 })),
    [{ message: /over the 100-byte limit/ }],
  )
  t.equal(loadScenarios([join(dir, 's.yaml')]).length, 1, 'under the default 16 MiB limit')
})

t.test('{file: ...} outside the scenario folder is refused unless allowed, links included', async (t) => {
  const dir = t.testdir({ shared: { 'p.yaml': POLICY }, scen: { 'up.yaml': withFile('../shared/p.yaml') } })
  symlinkSync(join(dir, 'shared', 'p.yaml'), join(dir, 'scen', 'link.yaml'))
  writeFileSync(join(dir, 'scen', 'via-link.yaml'), withFile('link.yaml').replace('name: s', 'name: s2'))
  const problems = problemsOf(t, () => loadScenarios([join(dir, 'scen')]))
  t.match(problems, [
    {
      file: /up\.yaml$/,
      path: 'steps[0].apply[0].file',
      message: /shared\/p\.yaml: outside the scenario's folder .*--allow-outside-files/,
    },
    { file: /via-link\.yaml$/, path: 'steps[0].apply[0].file', message: /links to .*shared\/p\.yaml, outside the scenario's folder/ },
  ])
  t.equal(loadScenarios([join(dir, 'scen')], { allowOutsideFiles: true }).length, 2, 'the flag allows both')
  t.match(
    problemsOf(t, () => loadLintInput([join(dir, 'scen', 'up.yaml')])),
    [{ message: /outside the scenario's folder/ }],
    'lint too',
  )
  t.equal(loadLintInput([join(dir, 'scen', 'up.yaml')], { allowOutsideFiles: true }).scenarios, 1)
})

t.test('an empty path is a problem, not the current folder', async (t) => {
  t.match(
    problemsOf(t, () => loadScenarios([''])),
    [{ message: /empty path/ }],
  )
})

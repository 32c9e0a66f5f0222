// execOrThrow, the one "run it, or fail with what it said" of every driver, run against real processes.
import t from 'tap'
import { defaultExec, execOrThrow, type Exec } from '../../src/drivers/exec.js'
import { InfraError } from '../../src/errors.js'

t.test('a command that succeeds gives its stdout; stdin is passed through', async (t) => {
  t.equal(await execOrThrow(defaultExec, ['cat'], { input: 'rules\n' }), 'rules')
  t.equal(await execOrThrow(defaultExec, ['sh', '-c', 'echo out; echo noise >&2']), 'out', 'stderr of a success is not an error')
})

t.test('a failing command throws InfraError with the command, its exit code and the tail of its stderr', async (t) => {
  const err = await execOrThrow(defaultExec, ['sh', '-c', 'for i in $(seq 1 20); do echo "line $i" >&2; done; exit 4']).catch(
    (e: unknown) => e,
  )
  t.ok(err instanceof InfraError, 'an infrastructure failure (exit 3), not a crash')
  const message = (err as Error).message
  t.match(message, /^sh -c for i in .* failed \(exit 4\): line 6\nline 7\n/, 'names the command and exit code, keeps the last 15 lines')
  t.notMatch(message, /line 5\n/, 'older lines are dropped')
  t.match(message, /line 20$/)
})

t.test('stdout stands in for an empty stderr; hint and context are carried', async (t) => {
  const err = (await execOrThrow(defaultExec, ['sh', '-c', 'echo "what went wrong"; exit 1'], {
    hint: 'is Docker running?',
    context: '--- ruleset ---\ntable inet x {}',
  }).catch((e: unknown) => e)) as InfraError
  t.equal(err.message, 'sh -c echo "what went wrong"; exit 1 failed (exit 1): what went wrong\n--- ruleset ---\ntable inet x {}')
  t.equal(err.hint, 'is Docker running?')
})

t.test('goes through the injected runner with the argv split into file and arguments', async (t) => {
  const seen: unknown[] = []
  const fake: Exec = async (file, args, opts) => {
    seen.push([file, args, opts])
    return { exitCode: 0, stdout: 'ok', stderr: '' }
  }
  t.equal(await execOrThrow(fake, ['kind', 'get', 'clusters'], { timeoutMs: 500 }), 'ok')
  t.same(seen, [['kind', ['get', 'clusters'], { timeoutMs: 500 }]])
})

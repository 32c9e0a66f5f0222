// The local driver's preflight and python3 lookup are asked once per process, not once per scenario (a pyenv shim
// costs 300-400 ms a start), and a failed preflight is asked again. A counting exec stands in for the commands.
import t from 'tap'
import type { Exec } from '../../../src/drivers/exec.js'
import { preflight } from '../../../src/drivers/local/preflight.js'
import { findPython } from '../../../src/drivers/local/agents.js'

const root = !process.getuid || process.getuid() === 0

function counting(missing: Set<string>): { exec: Exec; calls: string[] } {
  const calls: string[] = []
  const exec: Exec = async (file) => {
    calls.push(file)
    if (missing.has(file)) return { exitCode: 127, stdout: '', stderr: `${file}: not found` }
    const stdout = file === 'python3' ? '/usr/bin/python3.11\n3.11.2' : `${file} 1.0`
    return { exitCode: 0, stdout, stderr: '' }
  }
  return { exec, calls }
}

t.test('python3 is looked up once per exec', async (t) => {
  const { exec, calls } = counting(new Set())
  const a = await findPython(exec)
  const b = await findPython(exec)
  t.same(a, { executable: '/usr/bin/python3.11', version: '3.11.2' })
  t.same(b, a)
  t.equal(calls.filter((c) => c === 'python3').length, 1, 'one python3 start for both')
  const other = counting(new Set())
  await findPython(other.exec)
  t.equal(other.calls.length, 1, 'another exec (a test, another machine) asks itself')
})

t.test('preflight runs its commands once; a failure is not kept', { skip: !root && 'preflight needs root' }, async (t) => {
  const { exec, calls } = counting(new Set())
  const first = await preflight(exec)
  const n = calls.length
  const second = await preflight(exec)
  t.same(second, first)
  t.equal(calls.length, n, 'no command the second time')
  t.equal(first.python3, '3.11.2')

  const missing = new Set(['nft'])
  const broken = counting(missing)
  await t.rejects(preflight(broken.exec), /needs nftables/)
  missing.delete('nft')
  const after = await preflight(broken.exec)
  t.equal(after.nftables, 'nft 1.0', 'installed meanwhile: the next scenario finds it')
})

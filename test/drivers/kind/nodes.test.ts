// KindNodes' scripts that run inside a kind node, run for real here: the node's `docker exec NODE sh -c SCRIPT`
// becomes `sh -c SCRIPT` on this machine, so the script meets real processes and real signals.
import t from 'tap'
import { spawn } from 'node:child_process'
import { copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defaultExec, type Exec } from '../../../src/drivers/exec.js'
import { KindNodes } from '../../../src/drivers/kind/nodes.js'

/** Runs `docker exec NODE CMD...` as `CMD...` here; records every call. */
function localNode(calls: string[]): Exec {
  return (file, args, opts) => {
    calls.push([file, ...args].join(' '))
    if (file === 'docker' && args[0] === 'exec') return defaultExec(args[2], args.slice(3), opts)
    return Promise.resolve({ exitCode: 0, stdout: '', stderr: '' })
  }
}

/** The process state letter from /proc/PID/stat: T when stopped, S or R when running. */
const state = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0]

// Calico's node image starts Felix as `exec calico-node -felix` under runit (projectcalico/calico
// node/filesystem/etc/service/available/felix/run; confd and the rest likewise as `calico-node -<role>`), so
// /proc/PID/comm is `calico-node`; the kind node container's PID namespace is the parent of the pod's, so it
// sees and can signal them.
t.test('restart-agent downFor: every calico-node process of the node is stopped for downFor, then resumed', async (t) => {
  const dir = t.testdir()
  const bin = join(dir, 'calico-node')
  copyFileSync('/bin/sleep', bin)
  const agent = spawn(bin, ['60'], { stdio: 'ignore' })
  const bystander = spawn('/bin/sleep', ['60'], { stdio: 'ignore' })
  t.teardown(() => {
    agent.kill('SIGKILL')
    bystander.kill('SIGKILL')
  })
  await new Promise((r) => setTimeout(r, 100))
  const calls: string[] = []
  const nodes = new KindNodes(localNode(calls), 'nph', 'r1', 'iptables')
  // Look at both processes every 20 ms while the freeze lasts (no fixed sleep: a loaded machine runs the script slowly).
  let done = false
  const seen = new Set<string>()
  const frozen = nodes.freezeAgent(['nph-worker'], 1500, new AbortController().signal).finally(() => (done = true))
  while (!done) {
    seen.add(`${state(agent.pid!)}${state(bystander.pid!)}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  await frozen
  t.ok(seen.has('TS'), `during downFor calico-node is stopped, the other process is not (seen: ${[...seen].join(' ')})`)
  t.notOk(
    [...seen].some((s) => s[1] === 'T'),
    'a process of another name is never stopped',
  )
  t.not(state(agent.pid!), 'T', 'resumed after downFor')
  t.ok(
    calls.every((c) => c.startsWith('docker exec nph-worker sh -c ')),
    'only through docker exec in the node',
  )
})

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
  const node = localNode(calls)
  // Sampled once the agent has stopped, never after the resume began: on a loaded machine the /proc walk that
  // finds calico-node takes a while, and a fixed wait would race it.
  let resumed = false
  const exec: Exec = (file, args, opts) => {
    if (args.some((a) => a.includes('kill -CONT'))) resumed = true
    return node(file, args, opts)
  }
  const nodes = new KindNodes(exec, 'nph', 'r1', 'iptables')
  const frozen = nodes.freezeAgent(['nph-worker'], 3000, new AbortController().signal)
  while (!resumed && state(agent.pid!) !== 'T') await new Promise((r) => setTimeout(r, 20))
  const seen = `${state(agent.pid!)}${state(bystander.pid!)}`
  await frozen
  t.equal(seen, 'TS', 'during downFor calico-node is stopped, other processes are not')
  t.not(state(agent.pid!), 'T', 'resumed after downFor')
  t.ok(calls.every((c) => c.startsWith('docker exec nph-worker sh -c ')), 'only through docker exec in the node')
})

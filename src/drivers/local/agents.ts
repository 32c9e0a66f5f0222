// Why: start, talk to and stop the agent processes (one long-lived Python process per node, serving all its pods,
// and one for the externals).
import { execa, type ResultPromise } from 'execa'
import { createInterface } from 'node:readline'
import { availableParallelism } from 'node:os'
import { InfraError } from '../../errors.js'
import { AGENT_PY } from './agent-py.js'
import type { AgentCommand, AgentReply } from './agent-protocol.js'
import type { Exec } from '../exec.js'
import { oncePerKey } from '../../util/memo.js'

/**
 * The Python 3 the agents run: `python3` on PATH, resolved once per process to the real executable (a pyenv shim is
 * a bash script: 300-400 ms per start on an idle machine, 2 s on a loaded one, and it was asked twice per scenario)
 * and run with -I -S (no user site, no site-packages: the agent needs the standard library only). Undefined when
 * there is no usable python3 (3.8 or newer); that answer (perhaps a lookup that failed under load) is not kept.
 */
export const findPython = oncePerKey(
  (exec: Exec) => lookUpPython(exec),
  (found) => found !== undefined,
)

async function lookUpPython(exec: Exec): Promise<{ executable: string; version: string } | undefined> {
  const r = await exec('python3', [
    '-I',
    '-S',
    '-c',
    'import sys; assert sys.version_info >= (3, 8); print(sys.executable); print("%d.%d.%d" % sys.version_info[:3])',
  ]).catch(() => undefined)
  if (!r || r.exitCode !== 0) return undefined
  const [executable, version] = r.stdout.trim().split('\n')
  return executable && version ? { executable, version } : undefined
}

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never

/** A running agent; it lives in namespace `ns` (so cleanup finds it there) and makes sockets in its endpoints'. */
export class Agent {
  private readonly proc: ResultPromise
  private readonly pending = new Map<number, (r: AgentReply) => void>()
  private nextId = 1
  private exited = false
  private stderr = ''
  /** Settles when the agent said hello (its reply with id 0): it runs and reads commands. */
  private readonly hello: Promise<AgentReply>

  /** `burst`: how many connection attempts the agent starts per turn of its loop (see launchBurst). */
  constructor(
    readonly ns: string,
    burst: number,
    python = 'python3',
  ) {
    this.hello = new Promise((resolve) => this.pending.set(0, resolve))
    // The namespace is also an argument so the process is found by name (`pgrep -f nph-<sid>`).
    this.proc = execa('ip', ['netns', 'exec', ns, python, '-I', '-S', '-c', AGENT_PY, ns, String(burst)], {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
    })
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      let r: AgentReply
      try {
        r = JSON.parse(line)
      } catch {
        return
      }
      this.pending.get(r.id)?.(r)
      this.pending.delete(r.id)
    })
    this.proc.stderr!.on('data', (d) => (this.stderr = (this.stderr + d.toString()).slice(-2000)))
    void this.proc.then(() => {
      this.exited = true
      for (const [id, resolve] of this.pending)
        resolve({ id, ok: false, error: `agent in ${ns} exited${this.stderr ? `: ${this.stderr.trim()}` : ''}` })
      this.pending.clear()
    })
  }

  /** False once the process has exited. */
  get running(): boolean {
    return !this.exited
  }

  get pid(): number | undefined {
    return this.proc.pid
  }

  /** Waits until the agent runs (starting Python takes seconds on a loaded machine: not a command's time). */
  async started(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const r = await Promise.race([
      this.hello,
      new Promise<AgentReply>((resolve) => {
        timer = setTimeout(
          () => resolve({ id: 0, ok: false, error: `agent in ${this.ns} did not start within ${timeoutMs} ms` }),
          timeoutMs,
        )
      }),
    ])
    clearTimeout(timer)
    if (!r.ok) throw new InfraError(r.error)
  }

  /** Sends a command and waits for its reply; rejects with InfraError when the agent fails. */
  async send(cmd: Distribute<AgentCommand>, timeoutMs: number): Promise<AgentReply & { ok: true }> {
    if (this.exited) throw new InfraError(`agent in ${this.ns} is not running${this.stderr ? `: ${this.stderr.trim()}` : ''}`)
    const id = this.nextId++
    const reply = await new Promise<AgentReply>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        resolve({ id, ok: false, error: `agent in ${this.ns} did not answer within ${timeoutMs} ms` })
      }, timeoutMs)
      this.pending.set(id, (r) => {
        clearTimeout(timer)
        resolve(r)
      })
      this.proc.stdin!.write(JSON.stringify({ ...cmd, id }) + '\n')
    })
    if (!reply.ok) throw new InfraError(reply.error)
    return reply
  }

  /** Kills the agent and waits for it to be gone. */
  async stop(): Promise<void> {
    if (this.exited) return
    this.proc.kill('SIGKILL')
    await this.proc
  }
}

/**
 * How many connection attempts each agent starts per turn of its loop: CPU-aware pacing. Between two bursts the
 * agent reads every answer that came in, so a big round cannot starve the loop (a late read is no timeout any more:
 * the agent looks once more at the deadline; but a starved loop also delays the attempts it still has to start).
 * Scaled by the CPUs there are for the agents that share them.
 */
export function launchBurst(agents: number, cpus = availableParallelism()): number {
  return Math.max(8, Math.round((64 * cpus) / Math.max(1, agents)))
}

// Why: start, talk to and stop the per-pod agent processes (one long-lived process per namespace).
import { execa, type ResultPromise } from 'execa'
import { createInterface } from 'node:readline'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { InfraError } from '../../errors.js'
import type { AgentCommand, AgentReply } from './agent-protocol.js'

/** The compiled agent: beside this file when running from dist/, else in dist/ (tests run the sources). */
function agentPath(): string {
  const beside = fileURLToPath(new URL('./agent.js', import.meta.url))
  if (existsSync(beside)) return beside
  const built = fileURLToPath(new URL('../../../dist/src/drivers/local/agent.js', import.meta.url))
  if (existsSync(built)) return built
  throw new InfraError('the local agent is not built', { hint: 'run npm run build' })
}
const AGENT = agentPath()

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never

/** A running agent inside one network namespace. */
export class Agent {
  private readonly proc: ResultPromise
  private readonly pending = new Map<number, (r: AgentReply) => void>()
  private nextId = 1
  private exited = false
  private stderr = ''

  constructor(readonly ns: string) {
    this.proc = execa('ip', ['netns', 'exec', ns, process.execPath, AGENT], {
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

  get pid(): number | undefined {
    return this.proc.pid
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

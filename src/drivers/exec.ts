// Why: the one way drivers run commands (argument arrays, never a shell), injectable for tests.
import { execa } from 'execa'

export interface ExecResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command; never rejects for a failing command. `timeoutMs` kills it (the result then says so). */
export type Exec = (file: string, args: readonly string[], opts?: { input?: string; timeoutMs?: number }) => Promise<ExecResult>

export const defaultExec: Exec = async (file, args, opts) => {
  const r = await execa(file, [...args], { reject: false, input: opts?.input, stripFinalNewline: true, ...(opts?.timeoutMs ? { timeout: opts.timeoutMs } : {}) })
  const stderr = String(r.stderr ?? '')
  return { exitCode: r.exitCode ?? (r.signal ? 128 : 1), stdout: String(r.stdout ?? ''), stderr: r.timedOut ? `${stderr}\ntimed out after ${opts?.timeoutMs} ms`.trim() : stderr }
}

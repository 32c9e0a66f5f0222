// Why: the one way the local driver runs commands (argument arrays, never a shell), injectable for tests.
import { execa } from 'execa'

export interface ExecResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

export type Exec = (file: string, args: readonly string[], opts?: { input?: string }) => Promise<ExecResult>

export const defaultExec: Exec = async (file, args, opts) => {
  const r = await execa(file, [...args], { reject: false, input: opts?.input, stripFinalNewline: true })
  return { exitCode: r.exitCode ?? (r.signal ? 128 : 1), stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') }
}

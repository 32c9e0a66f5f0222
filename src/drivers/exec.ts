// Why: the one way drivers run commands (argument arrays, never a shell), injectable for tests.
import { execa } from 'execa'
import { InfraError } from '../errors.js'

/** What a finished command left: its exit code and output. */
export interface ExecResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command; never rejects for a failing command. `timeoutMs` kills it (the result then says so). */
export type Exec = (file: string, args: readonly string[], opts?: { input?: string; timeoutMs?: number }) => Promise<ExecResult>

/** The real runner (execa, no shell, never rejecting for a failing command). */
export const defaultExec: Exec = async (file, args, opts) => {
  const r = await execa(file, [...args], {
    reject: false,
    input: opts?.input,
    stripFinalNewline: true,
    ...(opts?.timeoutMs ? { timeout: opts.timeoutMs } : {}),
  })
  const stderr = String(r.stderr ?? '')
  return {
    exitCode: r.exitCode ?? (r.signal ? 128 : 1),
    stdout: String(r.stdout ?? ''),
    stderr: r.timedOut ? `${stderr}\ntimed out after ${opts?.timeoutMs} ms`.trim() : stderr,
  }
}

/** How many lines of a failing command's output the error keeps (kind and kubectl print pages of logs). */
const TAIL_LINES = 15

/** What execOrThrow passes on (stdin, a time limit) and adds to its error. */
export interface ExecOrThrowOptions {
  readonly input?: string
  readonly timeoutMs?: number
  /** Added to the error (a fix to suggest). */
  readonly hint?: string
  /** Appended to the message after the command's output (what was sent, e.g. the nft ruleset). */
  readonly context?: string
}

/**
 * For commands the harness needs to succeed (not probes: a blocked connection is a result). Returns stdout; a
 * failing command throws InfraError naming the command, its exit code and the tail of its stderr (or stdout).
 */
export async function execOrThrow(exec: Exec, argv: readonly string[], opts: ExecOrThrowOptions = {}): Promise<string> {
  const r = await exec(argv[0], argv.slice(1), {
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  })
  if (r.exitCode === 0) return r.stdout
  const output = (r.stderr || r.stdout).trim().split('\n').slice(-TAIL_LINES).join('\n')
  throw new InfraError(
    `${argv.join(' ')} failed (exit ${r.exitCode}): ${output}${opts.context ? `\n${opts.context}` : ''}`,
    opts.hint ? { hint: opts.hint } : {},
  )
}

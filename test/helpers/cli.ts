// Why: the CLI as the tests run it: `main` in this process with its output captured (one way for every CLI test).
import { main } from '../../src/cli/main.js'

/** Runs the CLI with these arguments; its exit code and what it wrote to stdout and stderr. */
export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) })
  return { code, out, err }
}

// Why: the local dataplane's versions before anything is created, for the first line of a run and `run --dry-run`
// (issue 15): cheap commands only, and a missing tool is left out rather than an error (preflight says what is missing).
import type { Exec } from '../exec.js'
import { findPython } from './agents.js'

/** nftables (`nft --version`), the kernel (`uname -r`) and the agents' Python, as far as they answer. */
export async function localVersions(exec: Exec): Promise<Record<string, string>> {
  const out = async (cmd: string, args: string[]) => {
    const r = await exec(cmd, args).catch(() => undefined)
    return r && r.exitCode === 0 ? r.stdout.trim() : undefined
  }
  const [nft, kernel, py] = await Promise.all([out('nft', ['--version']), out('uname', ['-r']), findPython(exec)])
  return { ...(nft ? { nftables: nft } : {}), ...(kernel ? { kernel } : {}), ...(py ? { python3: py.version } : {}) }
}

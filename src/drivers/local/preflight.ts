// Why: say exactly what is missing before touching anything (root, ip, nft, python3 for the agents).
import { EnvironmentError } from '../../errors.js'
import type { Exec } from '../exec.js'
import { findPython } from './agents.js'
import { oncePerKey } from '../../util/memo.js'

/** The tools' versions per `exec`, looked up once per process (a run builds a topology per scenario); a failure is not kept. */
const versionsOf = oncePerKey((exec: Exec) => lookUp(exec))

/** Versions of the tools found; throws InfraError (exit 3) naming what to install. Asked once per process. */
export async function preflight(exec: Exec): Promise<Record<string, string>> {
  if (process.getuid && process.getuid() !== 0)
    throw new EnvironmentError('the local driver needs root (it creates network namespaces and nftables rules)', {
      hint: 'run as root, or use --driver kind',
    })
  return { ...(await versionsOf(exec)) }
}

async function lookUp(exec: Exec): Promise<Record<string, string>> {
  const missing: string[] = []
  const versions: Record<string, string> = {}
  const ip = await exec('ip', ['-V']).catch(() => undefined)
  if (!ip || ip.exitCode !== 0) missing.push('iproute2')
  else versions.iproute2 = ip.stdout.trim()
  const nft = await exec('nft', ['--version']).catch(() => undefined)
  if (!nft || nft.exitCode !== 0) missing.push('nftables')
  else versions.nftables = nft.stdout.trim()
  // The agents are Python 3 (agent-py.ts).
  const py = await findPython(exec)
  if (!py) missing.push('python3')
  else versions.python3 = py.version
  if (missing.length)
    throw new EnvironmentError(`the local driver needs ${missing.join(' and ')}`, { hint: `apt-get install ${missing.join(' ')}` })
  const kernel = await exec('uname', ['-r'])
  versions.kernel = kernel.stdout.trim()
  return versions
}

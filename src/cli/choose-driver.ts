// Why: `--driver auto`: the best driver this machine can run, or a clear message saying how to get one.
import { execa } from 'execa'
import { InfraError } from '../errors.js'

async function works(file: string, args: string[]): Promise<boolean> {
  const r = await execa(file, args, { reject: false, timeout: 10000 })
  return r.exitCode === 0
}

/** kind when `kind` and a working Docker engine are there; else local (root, nftables, iproute2). */
export async function chooseDriver(requested: 'local' | 'kind' | 'kube' | 'auto'): Promise<'local' | 'kind' | 'kube'> {
  if (requested !== 'auto') return requested
  if ((await works('kind', ['version'])) && (await works('docker', ['info']))) return 'kind'
  const root = process.getuid?.() === 0
  const nft = await works('nft', ['--version'])
  const ip = await works('ip', ['-V'])
  if (root && nft && ip) return 'local'
  const missing = [!root && 'root', !nft && 'nftables', !ip && 'iproute2'].filter(Boolean).join(', ')
  throw new InfraError(`no driver can run here: kind needs kind and a running Docker; the local driver needs ${missing}`, {
    hint: 'install kind and Docker, or run as root on Linux with `apt-get install nftables iproute2` (scripts/bootstrap.sh does it)',
  })
}

// Why: `--driver auto`: the best driver this machine can run, or a clear message saying how to get one; and why it
// was chosen, which the first line of a run and every report state (issue 15: a silent fallback hides what was tested).
import { execa } from 'execa'
import { InfraError } from '../errors.js'

/** A driver's name as `--driver` takes it (but `auto`). */
export type DriverName = 'local' | 'kind' | 'kube'

/** The driver a run uses, whether `--driver` named it or `auto` picked it, and why. */
export interface DriverChoice {
  readonly name: DriverName
  readonly chosenBy: 'flag' | 'auto'
  /** One clause: `--driver kind`, or what `auto` found (`kind v0.x and a running Docker`, `kind not found`...). */
  readonly reason: string
}

async function works(file: string, args: string[]): Promise<boolean> {
  const r = await execa(file, args, { reject: false, timeout: 10000 })
  return r.exitCode === 0
}

/** kind when `kind` and a working Docker engine are there; else local (root, nftables, iproute2). */
export async function chooseDriver(requested: DriverName | 'auto'): Promise<DriverChoice> {
  if (requested !== 'auto') return { name: requested, chosenBy: 'flag', reason: `--driver ${requested}` }
  const kind = await works('kind', ['version'])
  const docker = kind && (await works('docker', ['info']))
  if (kind && docker) return { name: 'kind', chosenBy: 'auto', reason: 'kind and a running Docker found' }
  const root = process.getuid?.() === 0
  const nft = await works('nft', ['--version'])
  const ip = await works('ip', ['-V'])
  const noKind = kind ? 'Docker not running (`docker info` failed)' : 'kind not usable here (`kind version` failed)'
  if (root && nft && ip) return { name: 'local', chosenBy: 'auto', reason: noKind }
  const missing = [!root && 'root', !nft && 'nftables', !ip && 'iproute2'].filter(Boolean).join(', ')
  throw new InfraError(`no driver can run here: kind needs kind and a running Docker; the local driver needs ${missing}`, {
    hint: 'install kind and Docker, or run as root on Linux with `apt-get install nftables iproute2` (scripts/bootstrap.sh does it)',
  })
}

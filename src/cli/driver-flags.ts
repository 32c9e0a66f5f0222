// Why: a flag of another driver must not be silently ignored (issue 15): `--nodes` under kind, `--calico-version`
// under local. One table says which `run` flags belong to which driver; the check runs before anything is created.
import { UsageError } from '../errors.js'
import type { DriverChoice, DriverName } from './choose-driver.js'

/**
 * Each driver-specific `run` flag (commander's attribute name -> the flag and the drivers it applies to). Every other
 * flag applies to every driver. `--context`/`--kubeconfig` are kube only: the kind driver uses the context kind writes
 * for its own cluster (`kind-<name>`), never the user's.
 */
export const DRIVER_FLAGS: Readonly<Record<string, { readonly flag: string; readonly drivers: readonly DriverName[] }>> = {
  nodes: { flag: '--nodes', drivers: ['local'] },
  resync: { flag: '--resync', drivers: ['local'] },
  fault: { flag: '--fault', drivers: ['local'] },
  name: { flag: '--name', drivers: ['kind'] },
  workers: { flag: '--workers', drivers: ['kind'] },
  calicoVersion: { flag: '--calico-version', drivers: ['kind'] },
  dataplane: { flag: '--dataplane', drivers: ['kind'] },
  ipFamily: { flag: '--ip-family', drivers: ['kind'] },
  kubeProxyMode: { flag: '--kube-proxy-mode', drivers: ['kind'] },
  kindImage: { flag: '--kind-image', drivers: ['kind'] },
  calicoManifest: { flag: '--calico-manifest', drivers: ['kind'] },
  calicoSha256: { flag: '--calico-sha256', drivers: ['kind'] },
  wait: { flag: '--wait', drivers: ['kind'] },
  keep: { flag: '--keep', drivers: ['kind'] },
  context: { flag: '--context', drivers: ['kube'] },
  kubeconfig: { flag: '--kubeconfig', drivers: ['kube'] },
  allowExistingCluster: { flag: '--allow-existing-cluster', drivers: ['kube'] },
}

/**
 * The flags the user set (`source(name)` is commander's `getOptionValueSource`: `cli` or `env`) that do not apply to
 * the chosen driver: a usage error naming the first when `--driver` named the driver; a warning each when `auto`
 * chose it (the user could not know which driver they would get).
 */
export function checkDriverFlags(choice: DriverChoice, source: (name: string) => string | undefined, warn: (line: string) => void): void {
  for (const [name, { flag, drivers }] of Object.entries(DRIVER_FLAGS)) {
    const given = source(name)
    if ((given !== 'cli' && given !== 'env') || drivers.includes(choice.name)) continue
    const belongs = `${flag} applies to the ${drivers.join('/')} driver only`
    if (choice.chosenBy === 'flag')
      throw new UsageError(`${belongs}; not to --driver ${choice.name} (drop it, or use --driver ${drivers[0]})`)
    warn(`warning: ${belongs}; ignored under ${choice.name} (chosen by auto: ${choice.reason})`)
  }
}

// Why: the one rule for which cells are not probed at all, shared by step rounds and chaos sampling.
import type { External, Target } from '../model/cluster.js'
import { isIcmp, targetId } from '../model/cluster.js'
import type { ObservationResult } from '../model/observation.js'

/** `unsupported` when the driver cannot probe the target; `skipped` when an external does not serve it; else undefined. */
export function notProbed(
  driverUnsupported: string | undefined,
  destination: External | undefined,
  target: Target,
): { result: Extract<ObservationResult, 'unsupported' | 'skipped'>; detail: string } | undefined {
  if (driverUnsupported) return { result: 'unsupported', detail: driverUnsupported }
  // An ICMP echo is answered by the external's kernel, whatever it serves.
  if (destination && !isIcmp(target) && !destination.ports.some((p) => p.port === target.port && p.protocol === target.protocol))
    return { result: 'skipped', detail: `${destination.name} does not serve ${targetId(target)}` }
  return undefined
}

// Why: NetworkPolicyPort semantics: protocol defaults to TCP, named ports resolve on the destination, endPort ranges.
import type { ContainerPort, Target } from '../model/cluster.js'
import type { NetworkPolicyPort } from '../model/policy.js'

/**
 * True when `rulePort` admits traffic to `target` on a destination with `destPorts`
 * (named ports need a container port with that name AND protocol; externals pass no ports).
 */
export function portMatches(rulePort: NetworkPolicyPort, target: Target, destPorts: readonly ContainerPort[] | undefined): boolean {
  const protocol = rulePort.protocol ?? 'TCP'
  if (protocol !== target.protocol) return false
  const port = rulePort.port
  if (port === undefined) return true
  if (typeof port === 'number') {
    const end = rulePort.endPort ?? port
    return target.port >= port && target.port <= end
  }
  if (!destPorts) return false
  return destPorts.some((cp) => cp.name === port && cp.protocol === protocol && cp.port === target.port)
}

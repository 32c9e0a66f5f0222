// Why: restart-agent on a cluster: calico-node is a DaemonSet pod, replaced as soon as it is deleted, so a
// downtime needs the nodes (kind freezes it in place); deleting it and waiting for the replacement is the restart.
import { InfraError } from '../../errors.js'
import { sleep } from '../../util/sleep.js'
import type { KubeApi } from './api.js'
import type { NodeAccess } from './node-access.js'

/** Where Calico's agent runs: the manifest install uses kube-system, the operator calico-system. */
const CALICO_NAMESPACES = ['kube-system', 'calico-system']

/** Why restart-agent with this downtime cannot be done here, or undefined. */
export function restartAgentUnsupported(downForMs: number, nodes: NodeAccess | undefined): string | undefined {
  // Deleting calico-node is all an existing cluster allows: the DaemonSet replaces it at once, so a downtime needs the nodes.
  if (downForMs > 0 && !nodes?.freezeAgent)
    return `restart-agent with downFor ${downForMs} ms needs access to the nodes to keep the agent down (the kind driver has it; on an existing cluster use downFor: 0s)`
  return undefined
}

/** Keeps calico-node down for `downForMs` (frozen on its nodes), deletes its pods (on one node or all) and waits for their replacements to be Ready. */
export async function restartCalicoNode(
  api: KubeApi,
  nodes: NodeAccess | undefined,
  ref: string,
  downForMs: number,
  signal: AbortSignal,
): Promise<void> {
  const node = ref === 'all' ? undefined : (nodes?.nodeName(ref) ?? ref)
  let ns = ''
  let victims: { name: string; node?: string }[] = []
  for (const candidate of CALICO_NAMESPACES) {
    const pods = await api.listPods(candidate, 'k8s-app=calico-node')
    if (pods.length) {
      ns = candidate
      victims = pods.filter((p) => !node || p.node === node)
      break
    }
  }
  if (!victims.length)
    throw new InfraError(`no calico-node pod found${node ? ` on ${node}` : ''} (looked in ${CALICO_NAMESPACES.join(', ')})`)
  if (downForMs > 0) {
    if (!nodes?.freezeAgent) throw new InfraError(`restart-agent with downFor needs access to the nodes`)
    await nodes.freezeAgent([...new Set(victims.flatMap((v) => (v.node ? [v.node] : [])))], downForMs, signal)
  }
  await Promise.all(victims.map((v) => api.deletePod(ns, v.name, 0)))
  const gone = new Set(victims.map((v) => v.name))
  const on = new Set(victims.map((v) => v.node))
  const deadline = Date.now() + 180000
  while (!signal.aborted && Date.now() < deadline) {
    const pods = await api.listPods(ns, 'k8s-app=calico-node')
    const fresh = pods.filter((p) => !gone.has(p.name) && on.has(p.node) && p.ready)
    if (fresh.length >= victims.length) return
    await sleep(500, signal)
  }
  signal.throwIfAborted()
  throw new InfraError(`calico-node did not come back Ready within 3 minutes on ${[...on].join(', ')}`)
}

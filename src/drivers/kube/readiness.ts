// Why: a cluster answers later than it is asked: wait until probe pods are Ready (and say why not), until a deleted
// namespace or pod is really gone; and what Ready proves about a pod's servers.
import { InfraError } from '../../errors.js'
import { type ServedPort, type Target, podId } from '../../model/cluster.js'
import { sleep } from '../../util/sleep.js'
import type { KubeApi } from './api.js'

/** How long probe pods may take to become Ready unless the driver is told otherwise (image pulls included). */
export const POD_READY_TIMEOUT_MS = 180000

/** Where a Ready pod runs and the address it got. */
export interface ReadyPod {
  readonly ip: string
  /** Every address (dual-stack), `ip` first. */
  readonly ips?: readonly string[]
  readonly node?: string
}

/** Polls until every pod is Ready with an IP; returns them by pod id. Past `timeoutMs`: InfraError with the pods still waiting and their namespaces' last events. */
export async function waitPodsReady(
  api: KubeApi,
  pods: readonly { namespace: string; name: string }[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Map<string, ReadyPod>> {
  const deadline = Date.now() + timeoutMs
  const out = new Map<string, ReadyPod>()
  while (!signal.aborted) {
    for (const p of pods) {
      const key = podId(p)
      if (out.has(key)) continue
      const info = await api.getPod(p.namespace, p.name)
      if (info?.ready && info.ip)
        out.set(key, { ip: info.ip, ...(info.ips ? { ips: info.ips } : {}), ...(info.node ? { node: info.node } : {}) })
    }
    if (out.size === pods.length) return out
    if (Date.now() > deadline) {
      const waiting = pods.filter((p) => !out.has(podId(p)))
      const events = (await Promise.all([...new Set(waiting.map((p) => p.namespace))].map((ns) => api.events(ns)))).flat().slice(-20)
      throw new InfraError(
        `probe pods not Ready after ${Math.round(timeoutMs / 1000)} s: ${waiting.map(podId).join(', ')}\n${events.join('\n')}`,
        { hint: 'is the agnhost image loaded (kind load docker-image) and is the CNI ready?' },
      )
    }
    await sleep(500, signal)
  }
  signal.throwIfAborted()
  return out
}

/** Waits (2 minutes at most) until a deleted namespace has finished terminating. */
export async function waitNamespaceGone(api: KubeApi, ns: string, signal: AbortSignal): Promise<void> {
  for (let i = 0; i < 240 && !signal.aborted; i++) {
    if (!(await api.listNamespaces()).some((n) => n.name === ns)) return
    await sleep(500, signal)
  }
  throw new InfraError(`namespace ${ns} is still terminating after 2 minutes`)
}

/** Waits (a minute at most) until a deleted pod is gone, so one of the same name can be created. */
export async function waitPodGone(api: KubeApi, namespace: string, name: string, signal: AbortSignal): Promise<void> {
  for (let i = 0; i < 240 && !signal.aborted && (await api.getPod(namespace, name)); i++) await sleep(250, signal)
}

/** Pods: Ready means every server container passed its readiness check on its port, so a Ready pod listens on every target it serves. */
export function readyProvesListening(target: Target, serves: readonly ServedPort[]): boolean {
  // SCTP containers (porter) carry no readiness check, so Ready says nothing about them.
  return target.protocol !== 'SCTP' && serves.some((t) => t.port === target.port && t.protocol === target.protocol)
}

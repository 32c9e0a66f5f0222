// Why: several harness runs may share one cluster; a run removes another run's namespaces only when that run is
// provably gone (its process is dead on this host, or the namespace is older than any scenario lasts).
import { hostname } from 'node:os'
import { RUN_LABEL } from './manifests.js'

/** On namespaces the harness creates: the host and process of the run, so another run can tell live from crashed. */
export const HOST_LABEL = 'netpol-harness.io/host'
/** On namespaces the harness creates: the pid of the run's process on that host. */
export const PID_LABEL = 'netpol-harness.io/pid'
/** A namespace of another run older than this is a leftover: no scenario stays up that long. */
const STALE_AFTER_MS = 2 * 3600_000

/**
 * A Kubernetes label value (at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends) naming this host.
 * @internal exported for its test
 */
export function hostLabel(name = hostname()): string {
  return (
    name
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 63)
      .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '') || 'unknown'
  )
}

/** Is process `pid` alive on this host? EPERM means it exists under another user. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The labels that mark a namespace as this run's. */
export function ownerLabels(runId: string): Record<string, string> {
  return { [RUN_LABEL]: runId, [HOST_LABEL]: hostLabel(), [PID_LABEL]: String(process.pid) }
}

/**
 * Why another run's namespace may be deleted now (a leftover), or undefined while that run may still be using it.
 * `createdAt` is the API server's creationTimestamp in ms.
 */
export function leftoverReason(
  labels: Readonly<Record<string, string>>,
  createdAt: number | undefined,
  now: number,
  alive: (pid: number) => boolean = processAlive,
): string | undefined {
  const pid = Number(labels[PID_LABEL])
  if (labels[HOST_LABEL] === hostLabel() && Number.isInteger(pid) && pid > 0 && !alive(pid))
    return `its process ${pid} on this host is gone`
  if (createdAt !== undefined && now - createdAt > STALE_AFTER_MS) return `it was created ${Math.round((now - createdAt) / 60000)} min ago`
  return undefined
}

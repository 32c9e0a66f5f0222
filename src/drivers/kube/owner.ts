// Why: several harness runs may share one cluster; a run removes another run's namespaces, cluster policies and Calico
// objects only when that run is provably gone (its process is dead on this host, or the object is older than any
// scenario lasts), and says so in the log: one rule and one removal loop for every kind.
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
 * @internal exported for its test
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

/** An object the harness labels with its run (`ownerLabels`): its labels and the API server's creationTimestamp in ms. */
export interface RunLabelled {
  readonly labels: Readonly<Record<string, string>>
  readonly createdAt?: number
}

/** How `removeLeftovers` treats one kind of object. */
export interface LeftoverRemoval<T extends RunLabelled> {
  /** This run's id: its own objects are skipped; absent, every object is judged (a scenario's namespace found at `up`). */
  readonly skipRun?: string
  /** Is a process of this host alive? */
  readonly alive?: (pid: number) => boolean
  readonly log?: (line: string) => void
  /** The object as the log names it (`namespace prod`, `GlobalNetworkPolicy security.guardrail`). */
  describe(x: T): string
  /** Deletes it (its own errors: thrown, or said and swallowed). */
  remove(x: T): Promise<void>
  /** An object whose run may still be using it: kept when absent, or refused by throwing. */
  live?(x: T): void
}

/**
 * Removes, one after the other, the objects that runs which are gone left behind: each is logged as `removing <what>
 * left by run <run>: <why>` before it is removed; one whose run may still be using it goes to `live`.
 */
export async function removeLeftovers<T extends RunLabelled>(objects: readonly T[], o: LeftoverRemoval<T>): Promise<void> {
  for (const x of objects) {
    if (o.skipRun !== undefined && x.labels[RUN_LABEL] === o.skipRun) continue
    const why = leftoverReason(x.labels, x.createdAt, Date.now(), o.alive)
    if (!why) {
      o.live?.(x)
      continue
    }
    o.log?.(`removing ${o.describe(x)} left by run ${x.labels[RUN_LABEL]}: ${why}`)
    await o.remove(x)
  }
}

/**
 * The run-labelled objects of one kind, to look for leftovers in; a client that may not list them (RBAC) cannot clean
 * up: said in the log as `cannot list <what> objects ...`, and the scenario still runs (none are listed).
 */
export function listForCleanup<T>(list: Promise<T[]>, what: string, log?: (line: string) => void): Promise<T[]> {
  return list.catch((e: Error) => {
    log?.(`cannot list ${what} objects to remove those of crashed runs: ${e.message}`)
    return []
  })
}

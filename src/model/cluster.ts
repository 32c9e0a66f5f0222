// Why: the cluster as every layer sees it (scenario, evaluator, drivers): plain data, no behaviour.

/** Transport protocols a NetworkPolicy port can name. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP'

/** Kubernetes labels. */
export type Labels = Readonly<Record<string, string>>

/** A container port of a pod (or a port an external host serves). */
export interface ContainerPort {
  readonly name?: string
  readonly port: number
  readonly protocol: Protocol
}

/** A namespace with its labels (always including kubernetes.io/metadata.name). */
export interface Namespace {
  readonly name: string
  readonly labels: Labels
}

/** A probe pod. `ip` is known once the driver (or the scenario) assigns it. */
export interface Pod {
  readonly namespace: string
  readonly name: string
  readonly labels: Labels
  readonly ip: string
  readonly node?: string
  readonly ports: readonly ContainerPort[]
}

/** A host outside the cluster, reachable only through ipBlock peers. */
export interface External {
  readonly name: string
  readonly ip: string
  readonly ports: readonly ContainerPort[]
}

/** One probe target: a port and protocol every destination is probed on. */
export interface Target {
  readonly port: number
  readonly protocol: Protocol
}

/** The label key every namespace carries with its own name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name'

/** Stable id of a pod in tables and reports: `namespace/name`. */
export function podId(pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name}`
}

/** `80/TCP`: how a target is printed everywhere. */
export function targetId(t: Target): string {
  return `${t.port}/${t.protocol}`
}

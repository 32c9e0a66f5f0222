// Why: the cluster as every layer sees it (scenario, evaluator, drivers): plain data, no behaviour.

/** Transport protocols a NetworkPolicy port can name. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP'

/** An IP family, spelled as Kubernetes spells it (Service `ipFamilies`, `PodIP` families). */
export type IPFamily = 'IPv4' | 'IPv6'

/** Every IP family, in the order cells of a dual-stack scenario list them. */
export const IP_FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6']

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

/**
 * A probe pod. `ip` is known once the driver (or the scenario) assigns it; in a dual-stack scenario `ips` holds one
 * address per family, `ip` first (as `status.podIPs` does with `status.podIP`).
 */
export interface Pod {
  readonly namespace: string
  readonly name: string
  readonly labels: Labels
  readonly ip: string
  readonly ips?: readonly string[]
  readonly node?: string
  readonly ports: readonly ContainerPort[]
}

/** A host outside the cluster, reachable only through ipBlock peers. */
export interface External {
  readonly name: string
  readonly ip: string
  /** Every address, one per family, `ip` first; absent when it has only `ip`. */
  readonly ips?: readonly string[]
  readonly ports: readonly ContainerPort[]
}

/**
 * One probe target: a port and protocol every destination is probed on, and in a dual-stack scenario the address
 * family (absent: the scenario's one family, whichever it is).
 */
export interface Target {
  readonly port: number
  readonly protocol: Protocol
  readonly family?: IPFamily
}

/** The label key every namespace carries with its own name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name'

/** Stable id of a pod in tables and reports: `namespace/name`. */
export function podId(pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name}`
}

/** `80/TCP` (`80/TCP/IPv6` with a family): how a target is printed everywhere. */
export function targetId(t: Target): string {
  return t.family ? `${t.port}/${t.protocol}/${t.family}` : `${t.port}/${t.protocol}`
}

/** True when two targets are the same port, protocol and family. */
export function sameTarget(a: Target, b: Target): boolean {
  return a.port === b.port && a.protocol === b.protocol && a.family === b.family
}

/** The family of an address (validated elsewhere: anything with a colon is IPv6). */
export function ipFamilyOf(ip: string): IPFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4'
}

/** An endpoint's address for a family (`ip` when no family is asked), or undefined when it has none of that family. */
export function addressFor(e: { readonly ip: string; readonly ips?: readonly string[] }, family: IPFamily | undefined): string | undefined {
  if (!family) return e.ip
  return [e.ip, ...(e.ips ?? [])].find((ip) => ip !== '' && ipFamilyOf(ip) === family)
}

// Why: the cluster as every layer sees it (scenario, evaluator, drivers): plain data, no behaviour.

/** Transport protocols a NetworkPolicy port can name. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP'

/**
 * What a probe target can carry: a transport protocol, or `ICMP`: an ICMP echo (ICMPv6 echo on an IPv6 cell), which
 * has no port (its target's `port` is 0) and is answered by the destination's kernel (docs/scenarios.md).
 */
export type ProbeProtocol = Protocol | 'ICMP'

/** A port a pod or an external serves: a transport port (an ICMP echo is the kernel's, served by no process). */
export type ServedPort = Pick<ContainerPort, 'port' | 'protocol'>

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
  /** The pod's service account (absent: `default`, as the API server defaults it). */
  readonly serviceAccount?: string
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

/** How a probe reaches its destination: the pod's own address, or through a Service (docs/services.md). */
export type Via = 'pod-ip' | 'service-ip' | 'service-name' | 'node-port'

/**
 * One probe target: a port and protocol every destination is probed on, and in a dual-stack scenario the address
 * family (absent: the scenario's one family, whichever it is). `via` (absent: `pod-ip`) probes a pod through the
 * Service that selects it: `port` is then the Service's port, the pod is one backend of it (one cell per backend).
 */
export interface Target {
  /** 0 for an ICMP echo, which has no port. */
  readonly port: number
  readonly protocol: ProbeProtocol
  readonly family?: IPFamily
  readonly via?: Exclude<Via, 'pod-ip'>
}

/** One port of a Service: what clients dial (`port`, `nodePort`) and where it goes on a backend (`targetPort`, a number or a container port's name). */
export interface ServicePort {
  readonly name?: string
  readonly port: number
  readonly protocol: Protocol
  readonly targetPort: number | string
  /** NodePort Services: the port every node serves (allocated from 30000-32767 when the scenario does not say). */
  readonly nodePort?: number
}

/** A Service: the pods its selector picks are its backends (every probe pod is ready once the driver is up). */
export interface Service {
  readonly namespace: string
  readonly name: string
  readonly selector: Labels
  readonly type: 'ClusterIP' | 'NodePort'
  /** `Cluster` (the default): NodePort traffic is SNATed to the node's address; `Local`: the client's address is kept. */
  readonly externalTrafficPolicy: 'Cluster' | 'Local'
  readonly ports: readonly ServicePort[]
}

/**
 * What happens between the client and the backend of one `via` cell: the Service, DNAT and, if any, SNAT. The
 * evaluator works it out (`serviceHop`); a run's report records it (`ServiceHopReport`, the hairpin as its own kind).
 */
export interface ServiceHop {
  readonly via: Exclude<Via, 'pod-ip'>
  /** `namespace/name` of the Service. */
  readonly service: string
  /** The port the client dials: the Service port, or the node port for `node-port`. */
  readonly port: number
  /** Where DNAT sends it: the backend's port (a named targetPort resolved on the backend). */
  readonly backendPort: number
  /** `node-port`: the node the probe enters (`Local`: the backend's; `Cluster`: the first other node, if any). */
  readonly node?: string
  /** The source address the backend sees when it is not the client's (the node's, after SNAT). */
  readonly snatTo?: string
  /** A pod reaching itself through its own Service. */
  readonly hairpin: boolean
  /** `service-name` with a resolver in the scenario: whether the client's DNS query reaches it (the evaluator's `dnsCheck`). */
  readonly dns?: DnsCheck
}

/** Name resolution of a `service-name` cell: the resolver Service and whether every one of its backends answers the client. */
export interface DnsCheck {
  /** `kube-system/kube-dns`. */
  readonly resolver: string
  readonly allowed: boolean
  /** The resolver's backends the client's query may not reach (UDP 53 after DNAT), when any. */
  readonly deniedBackends: readonly string[]
}

/** A node's name and address, as the driver knows it (the source a NodePort backend sees after SNAT). */
export interface NodeAddress {
  readonly name: string
  readonly ip: string
}

/** The label key every namespace carries with its own name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name'

/** Stable id of a pod in tables and reports: `namespace/name`. */
export function podId(pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name}`
}

/** An ICMP echo target (no port). */
export function isIcmp(t: { readonly protocol: string }): boolean {
  return t.protocol === 'ICMP'
}

/** The one ICMP echo target (port 0: none). */
export const ICMP_ECHO: Target = { port: 0, protocol: 'ICMP' }

/**
 * `80/TCP` (`80/TCP/IPv6` with a family, `80/TCP/service-ip` through a Service, `ICMP` and `ICMP/IPv6` for an echo):
 * how a target is printed everywhere.
 */
export function targetId(t: Pick<Target, 'port' | 'protocol' | 'family' | 'via'>): string {
  const head = isIcmp(t) ? 'ICMP' : `${t.port}/${t.protocol}`
  const base = t.family ? `${head}/${t.family}` : head
  return t.via ? `${base}/${t.via}` : base
}

/** True when two targets are the same port, protocol, family and via. */
export function sameTarget(a: Target, b: Target): boolean {
  return a.port === b.port && a.protocol === b.protocol && a.family === b.family && a.via === b.via
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

// Why: Services in the evaluator (docs/services.md): a `via` target reaches a pod as one backend of the Service
// selecting it, judged after DNAT (the backend's port) with the source the backend really sees (SNAT, hairpin).
import type { DnsCheck, IPFamily, Service, ServiceHop, ServicePort, Target } from '../model/cluster.js'
import { type Endpoint, type Model } from './compile.js'
import { compileIPBlock, matchIPBlock, parseAddress } from './ip.js'
import { portMatches } from './ports.js'
import { matchesSelector } from './selectors.js'

/**
 * The cluster's DNS Service, as kubelet points every pod's resolv.conf at it: `kube-dns` in `kube-system` (its name on
 * kind and kubeadm clusters, whatever serves it, CoreDNS included) with a UDP port 53. Absent from the scenario: names
 * resolve without DNS traffic that policy could see (docs/services.md, "Names and DNS").
 */
export function dnsResolver(model: Pick<Model, 'services'>): Service | undefined {
  return model.services.find(
    (s) => s.namespace === 'kube-system' && s.name === 'kube-dns' && s.ports.some((p) => p.port === 53 && p.protocol === 'UDP'),
  )
}

/** The target a name lookup of a `service-name` cell is: UDP 53 through the resolver's ClusterIP, in the cell's family. */
export function dnsTarget(target: Target): Target {
  return { port: 53, protocol: 'UDP', via: 'service-ip', ...(target.family ? { family: target.family } : {}) }
}

/**
 * Whether the client at endpoint index `s` resolves names: every backend of the resolver that has a UDP 53 cell
 * from it (`verdictOf`, the verdict of that `service-ip` cell) allows it, and there is at least one. Every backend,
 * not any: a resolver the client reaches only through some of its backends fails a share of the lookups, which a
 * probe cannot predict.
 */
export function dnsCheck(
  model: Model,
  resolver: Service,
  s: number,
  verdictOf: (s: number, d: number) => 'allow' | 'deny' | undefined,
): DnsCheck {
  const denied: string[] = []
  let reached = 0
  for (let d = 0; d < model.podCount; d++) {
    const b = model.endpoints[d]
    if (b.namespace !== resolver.namespace || !matchesSelector({ matchLabels: resolver.selector }, b.labels)) continue
    const v = verdictOf(s, d)
    if (v === undefined) continue
    reached++
    if (v === 'deny') denied.push(b.id)
  }
  return { resolver: `${resolver.namespace}/${resolver.name}`, allowed: reached > 0 && denied.length === 0, deniedBackends: denied }
}

/** How a dataplane treats hairpin traffic (a pod reaching itself through its Service); see docs/services.md. */
export type HairpinMode = 'allowed' | 'dropped'

/** The backend's port for a Service port: a number as is, a name looked up among the pod's container ports of that protocol. */
function resolveTargetPort(sp: ServicePort, pod: Pick<Endpoint, 'ports'>): number | undefined {
  if (typeof sp.targetPort === 'number') return sp.targetPort
  return pod.ports.find((cp) => cp.name === sp.targetPort && cp.protocol === sp.protocol)?.port
}

/**
 * The Service of `target` whose backend pod `dest` is: a Service of the pod's namespace selecting it, with a port of
 * the target's number and protocol (`node-port`: a NodePort Service) whose targetPort the pod has; the first by name
 * when several do. A pod with no such port is no endpoint (the EndpointSlice controller leaves it out).
 */
function serviceOf(model: Model, dest: Endpoint, target: Target): { service: Service; port: ServicePort; backendPort: number } | undefined {
  if (dest.kind !== 'pod' || !target.via) return undefined
  const candidates = model.services
    .filter((s) => s.namespace === dest.namespace && (target.via !== 'node-port' || s.type === 'NodePort'))
    .filter((s) => matchesSelector({ matchLabels: s.selector }, dest.labels))
    .sort((a, b) => a.name.localeCompare(b.name))
  for (const service of candidates) {
    const port = service.ports.find((p) => p.port === target.port && p.protocol === target.protocol)
    const backendPort = port && resolveTargetPort(port, dest)
    if (port && backendPort !== undefined) return { service, port, backendPort }
  }
  return undefined
}

/** A node's address of `family` (its only one when no family is asked). */
function nodeAddress(model: Model, node: string | undefined, family: IPFamily | undefined): string | undefined {
  const n = model.nodes.find((x) => x.name === node)
  if (!n) return undefined
  return family === undefined || (n.ip.includes(':') ? 'IPv6' : 'IPv4') === family ? n.ip : undefined
}

/**
 * The hop of cell `src` -> `dest` on a `via` target, or undefined when the cell does not exist: `dest` backs no
 * Service on that port; `service-ip`/`service-name` from an external (a ClusterIP is reachable inside the cluster
 * only); `node-port` from a pod (the library probes NodePorts from externals, as clients outside do); a NodePort with
 * `Cluster` traffic policy whose backend's node address the driver does not know (the SNAT source would be a guess).
 */
export function serviceHop(model: Model, src: Endpoint, dest: Endpoint, target: Target): ServiceHop | undefined {
  const hit = serviceOf(model, dest, target)
  if (!hit || !target.via) return undefined
  const service = `${hit.service.namespace}/${hit.service.name}`
  if (target.via === 'node-port') {
    if (src.kind !== 'external') return undefined
    const base = {
      via: target.via,
      service,
      port: hit.port.nodePort!,
      backendPort: hit.backendPort,
      hairpin: false,
      ...(dest.node ? { node: dest.node } : {}),
    }
    if (hit.service.externalTrafficPolicy === 'Local') return base
    // Cluster: the probe enters the first other node, whose address the backend sees after SNAT. With one node it
    // enters the backend's own: kube-proxy's masquerade (POSTROUTING) then runs after the CNI judged the packet in
    // the forward path, so policy sees the client (docs/services.md, "The source the backend sees").
    const entry = model.nodes.find((n) => n.name !== dest.node)
    if (!entry) return model.nodes.some((n) => n.name === dest.node) ? base : undefined
    const snatTo = nodeAddress(model, entry.name, target.family)
    return snatTo ? { ...base, node: entry.name, snatTo } : undefined
  }
  if (src.kind !== 'pod') return undefined
  return { via: target.via, service, port: target.port, backendPort: hit.backendPort, hairpin: src.index === dest.index }
}

/** The target the backend's policy is judged on: its own port (after DNAT), same protocol and family. */
export function backendTarget(target: Target, hop: ServiceHop): Target {
  return { port: hop.backendPort, protocol: target.protocol, ...(target.family ? { family: target.family } : {}) }
}

/** One rule of an ingress policy against a source address that is no endpoint (a node after SNAT). */
interface AddressCheck {
  readonly policy: string
  readonly rule: number
  readonly peer: number | null
  readonly port: number | null
  readonly peerMatched: boolean
  readonly portMatched: boolean
}

/**
 * Ingress of pod `dest` from address `ip` (a node's, after SNAT) on `target`: only an ipBlock containing it, or a
 * rule without peers, admits it; pod and namespace selectors never select a node.
 */
export function ingressFromAddress(
  model: Model,
  dest: Endpoint,
  ip: string,
  target: Target,
): { isolatedBy: string[]; allowed: boolean; checks: AddressCheck[] } {
  const addr = parseAddress(ip)
  const indices = model.ingressPolicies[dest.index] ?? []
  const checks: AddressCheck[] = []
  for (const pi of indices) {
    const policy = model.policies[pi]
    for (const rule of policy.ingress) {
      const peer =
        rule.peers === null
          ? null
          : rule.peers.findIndex((p) => p.peer.ipBlock !== undefined && matchIPBlock(compileIPBlock(p.peer.ipBlock), addr) === 'inside')
      const port = rule.ports === null ? null : rule.ports.findIndex((p) => portMatches(p, target, dest.ports))
      checks.push({
        policy: policy.id,
        rule: rule.index,
        peer: peer === null || peer < 0 ? null : peer,
        port: port === null || port < 0 ? null : port,
        peerMatched: peer === null || peer >= 0,
        portMatched: port === null || port >= 0,
      })
    }
  }
  const isolatedBy = indices.map((i) => model.policies[i].id)
  return { isolatedBy, allowed: isolatedBy.length === 0 || checks.some((c) => c.peerMatched && c.portMatched), checks }
}

// Why: the local driver's kube-proxy-like NAT for ClusterIP Services (docs/services.md): every Service gets a
// ClusterIP, every (Service port, backend) a DNAT rule in each pod's namespace selected by a per-probe socket mark,
// so each backend is probed on purpose; unmarked traffic is load-balanced at random as kube-proxy does. Pure.
import { type IPFamily, type Pod, type Service, type Target, ipFamilyOf, podId } from '../../model/cluster.js'

/** Where ClusterIPs come from: kind's default IPv4 service subnet (kind `networking.serviceSubnet`, 10.96.0.0/16). */
const SERVICE_NET = '10.96'

/** Marks the DNAT rules select on (a prefix no other rule of ours uses), one per (Service port, backend). */
const MARK_BASE = 0x4e500000

/** One DNAT: a Service port's traffic to one backend, selected by `mark`. */
export interface NatEntry {
  readonly service: string
  readonly clusterIP: string
  readonly port: number
  readonly protocol: Target['protocol']
  readonly backend: string
  readonly backendIp: string
  readonly backendPort: number
  readonly mark: number
  /** The family of the ClusterIP and the backend address (a Service has one ClusterIP per family the scenario has). */
  readonly family: IPFamily
}

/**
 * Every Service's ClusterIP (10.96.0.10 upwards, in declaration order) and the DNAT entries of its IPv4 backends:
 * pods of its namespace its selector picks whose targetPort resolves (a name: a container port of that name and
 * protocol). Entries are sorted by Service name, as the evaluator picks the first Service by name.
 */
export function planServiceNat(services: readonly Service[], pods: readonly Pod[]): NatEntry[] {
  const entries: NatEntry[] = []
  services.forEach((svc, i) => {
    const clusterIP = clusterIPOf(i)
    for (const family of FAMILIES)
      for (const sp of svc.ports) {
        for (const pod of pods) {
          if (pod.namespace !== svc.namespace) continue
          if (!Object.entries(svc.selector).every(([k, v]) => pod.labels[k] === v)) continue
          const ip = [pod.ip, ...(pod.ips ?? [])].find((a) => a && ipFamilyOf(a) === family)
          const backendPort =
            typeof sp.targetPort === 'number'
              ? sp.targetPort
              : pod.ports.find((cp) => cp.name === sp.targetPort && cp.protocol === sp.protocol)?.port
          if (!ip || backendPort === undefined) continue
          entries.push({
            service: `${svc.namespace}/${svc.name}`,
            clusterIP: family === 'IPv4' ? clusterIP : clusterIP6Of(i),
            port: sp.port,
            protocol: sp.protocol,
            backend: podId(pod),
            backendIp: ip,
            backendPort,
            mark: MARK_BASE + entries.length + 1,
            family,
          })
        }
      }
  })
  return entries.sort((a, b) => a.service.localeCompare(b.service) || a.mark - b.mark)
}

/** The families a Service gets a ClusterIP of: each its backends have (`PreferDualStack` on a dual-stack cluster). */
const FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6']

/** The IPv6 ClusterIP of the `i`th Service: kind's default IPv6 service subnet, fd00:10:96::/112, from ::a. */
function clusterIP6Of(i: number): string {
  return `fd00:10:96::${(i + 10).toString(16)}`
}

/** The ClusterIP of the `i`th Service (declaration order): 10.96.0.10 upwards, kube-dns's on kind being the first. */
function clusterIPOf(i: number): string {
  return `${SERVICE_NET}.${Math.floor((i + 10) / 256)}.${(i + 10) % 256}`
}

/** The cluster domain kubelet's `--cluster-domain` defaults to on kind and kubeadm clusters. */
const CLUSTER_DOMAIN = 'cluster.local'

/**
 * Every Service's name as cluster DNS serves it, `<service>.<namespace>.svc.cluster.local`, and its ClusterIPs: the
 * IPv4 one (an A record), and the IPv6 one when its backends have IPv6 addresses (an AAAA record, as CoreDNS answers
 * for a dual-stack Service: kubernetes/dns docs/specification.md 2.3.1, one record per `spec.clusterIPs` family).
 */
export function serviceRecords(services: readonly Service[], pods: readonly Pod[]): Record<string, string[]> {
  const v6 = new Map(planServiceNat(services, pods).flatMap((e) => (e.family === 'IPv6' ? [[e.service, e.clusterIP] as const] : [])))
  return Object.fromEntries(
    services.map((s, i) => {
      const six = v6.get(`${s.namespace}/${s.name}`)
      return [serviceName(s.namespace, s.name), [clusterIPOf(i), ...(six ? [six] : [])]]
    }),
  )
}

/** A Service's fully qualified name (the kubernetes/dns repository's DNS specification, 2.3.1: `<service>.<ns>.svc.<zone>`). */
export function serviceName(namespace: string, name: string): string {
  return `${name}.${namespace}.svc.${CLUSTER_DOMAIN}`
}

/** The entry a `service-ip` probe of backend `to` on `target` uses: the first Service by name, as the evaluator. */
export function natEntryFor(entries: readonly NatEntry[], to: string, target: Target): NatEntry | undefined {
  return entries.find(
    (e) => e.backend === to && e.port === target.port && e.protocol === target.protocol && (!target.family || e.family === target.family),
  )
}

/**
 * The nftables script for a pod's namespace (replacing the table if it exists): a nat output chain DNATing each
 * Service port to the backend its mark names, and unmarked traffic to a random backend (`numgen random`, as
 * kube-proxy's nftables mode). Judged before the packet leaves the pod, so every policy downstream sees the backend.
 * `dropHairpinTo`: the pod's own addresses, when hairpin traffic is to be dropped.
 */
export function serviceNatScript(entries: readonly NatEntry[], policyBeforeDnat = false, dropHairpinTo: readonly string[] = []): string {
  const rules: string[] = []
  // Fault `policy-before-dnat` (compile-nft.ts): Service traffic tagged while it still has the ClusterIP, so the
  // node's policy can wrongly judge it by that address (DSCP crosses namespaces; a socket mark does not).
  const tag = policyBeforeDnat
    ? [
        '  chain tag {',
        '    type filter hook output priority -150; policy accept;',
        `    ip daddr ${SERVICE_NET}.0.0/16 ip dscp set cs1`,
        '  }',
      ]
    : []
  // Hairpin dropped (`--hairpin dropped`): DNATed traffic to the pod's own address, i.e. back to itself, is dropped
  // after the NAT (a bridge without hairpin mode, docs/services.md); IPv4 only, as the ClusterIPs.
  const v4own = dropHairpinTo.filter((ip) => !ip.includes(':'))
  const v6own = dropHairpinTo.filter((ip) => ip.includes(':'))
  const hairpin = dropHairpinTo.length
    ? [
        '  chain hairpin {',
        '    type filter hook output priority 0; policy accept;',
        ...(v4own.length ? [`    ct status dnat ip daddr { ${v4own.join(', ')} } drop`] : []),
        ...(v6own.length ? [`    ct status dnat ip6 daddr { ${v6own.join(', ')} } drop`] : []),
        '  }',
      ]
    : []
  const groups = new Map<string, NatEntry[]>()
  for (const e of entries) {
    const proto = e.protocol.toLowerCase()
    const [ipx, to] = e.family === 'IPv6' ? ['ip6', `[${e.backendIp}]`] : ['ip', e.backendIp]
    rules.push(`    ${ipx} daddr ${e.clusterIP} ${proto} dport ${e.port} meta mark ${e.mark} dnat ${ipx} to ${to}:${e.backendPort}`)
    const k = `${e.clusterIP} ${proto} ${e.port}`
    groups.set(k, [...(groups.get(k) ?? []), e])
  }
  for (const [k, list] of groups) {
    const [ip, proto, port] = k.split(' ')
    const ipx = list[0].family === 'IPv6' ? 'ip6' : 'ip'
    const map = list.map((e, i) => `${i} : ${e.backendIp} . ${e.backendPort}`).join(', ')
    rules.push(`    ${ipx} daddr ${ip} ${proto} dport ${port} dnat ${ipx} to numgen random mod ${list.length} map { ${map} }`)
  }
  return [
    'table inet nph_svc',
    'delete table inet nph_svc',
    'table inet nph_svc {',
    ...tag,
    ...hairpin,
    '  chain out {',
    '    type nat hook output priority -100; policy accept;',
    ...rules,
    '  }',
    '}',
    '',
  ].join('\n')
}

/** A node as the NodePort NAT needs it: its name and own address. */
export interface NatNode {
  readonly name: string
  readonly ip: string
}

/** One NodePort DNAT on one node: a node port's traffic to one backend, pinned by the probe's DSCP value. */
export interface NodePortEntry {
  readonly service: string
  readonly port: number
  readonly nodePort: number
  readonly protocol: Target['protocol']
  readonly backend: string
  readonly backendIp: string
  readonly backendPort: number
  /** The node the backend runs on. */
  readonly backendNode: string
  /** `Cluster`: SNAT to the entry node's address; `Local`: the client's address kept, only local backends. */
  readonly local: boolean
  /** The DSCP value (1-63 but 8, which the `policy-before-dnat` fault uses) a probe sets to pin this backend. */
  readonly dscp: number
}

/** DSCP values a NodePort probe may pin a backend with: 1-63 without CS1 (8), the `policy-before-dnat` fault's tag. */
const DSCPS = Array.from({ length: 63 }, (_, i) => i + 1).filter((d) => d !== 8)

/**
 * The NodePort entries of every NodePort Service's IPv4 backends (as `planServiceNat`, the backend's node from
 * `nodeOf`), each with its own DSCP value; undefined when more than 62 would be needed (docs/services.md).
 */
export function planNodePorts(
  services: readonly Service[],
  pods: readonly Pod[],
  nodeOf: (podId: string) => string | undefined,
): NodePortEntry[] | undefined {
  const entries: NodePortEntry[] = []
  for (const e of planServiceNat(
    services.filter((s) => s.type === 'NodePort'),
    pods,
  ).filter((x) => x.family === 'IPv4')) {
    const svc = services.find((s) => `${s.namespace}/${s.name}` === e.service)!
    const sp = svc.ports.find((p) => p.port === e.port && p.protocol === e.protocol)!
    const backendNode = nodeOf(e.backend)
    if (sp.nodePort === undefined || !backendNode) continue
    const dscp = DSCPS[entries.length]
    if (dscp === undefined) return undefined
    entries.push({
      service: e.service,
      port: e.port,
      nodePort: sp.nodePort,
      protocol: e.protocol,
      backend: e.backend,
      backendIp: e.backendIp,
      backendPort: e.backendPort,
      backendNode,
      local: svc.externalTrafficPolicy === 'Local',
      dscp,
    })
  }
  return entries
}

/**
 * The node a `node-port` probe of `entry`'s backend enters: for `Local` the backend's own node (only it answers);
 * for `Cluster` the first other node, so the backend sees that node's address after SNAT, as on a real cluster
 * where the client reached another node (on the backend's own node a CNI judging in the forward path sees the client
 * before kube-proxy's POSTROUTING masquerade); the backend's node when the cluster has one node. The evaluator
 * picks the same node (src/evaluator/services.ts).
 */
export function entryNode(entry: NodePortEntry, nodes: readonly NatNode[]): NatNode | undefined {
  const own = nodes.find((n) => n.name === entry.backendNode)
  if (entry.local) return own
  return nodes.find((n) => n.name !== entry.backendNode) ?? own
}

/** The entry a `node-port` probe of backend `to` on `target` (the Service port) uses: the first Service by name. */
export function nodePortEntryFor(entries: readonly NodePortEntry[], to: string, target: Target): NodePortEntry | undefined {
  return entries.find((e) => e.backend === to && e.port === target.port && e.protocol === target.protocol)
}

/**
 * The nftables script of one node's NodePorts (replacing the table): in prerouting, traffic to the node's address on
 * a node port is DNATed to the backend its DSCP value names, else to a random one (`Cluster`: every backend; `Local`:
 * this node's only, none: no rule, so the port is closed, as kube-proxy drops Local traffic without a local endpoint);
 * `Cluster` traffic is marked and SNATed to the node's address in postrouting (kube-proxy's `KUBE-MARK-MASQ` and
 * `KUBE-POSTROUTING` masquerade). Fault `nodeport-no-snat` leaves the SNAT out.
 */
export function nodePortScript(node: NatNode, entries: readonly NodePortEntry[], noSnat = false): string {
  const rules: string[] = []
  const groups = new Map<string, NodePortEntry[]>()
  for (const e of entries) {
    if (e.local && e.backendNode !== node.name) continue
    const proto = e.protocol.toLowerCase()
    const masq = e.local ? '' : `ct mark set ${NODEPORT_MASQ} `
    rules.push(`    ip daddr ${node.ip} ${proto} dport ${e.nodePort} ip dscp ${e.dscp} ${masq}dnat to ${e.backendIp}:${e.backendPort}`)
    const k = `${proto} ${e.nodePort} ${e.local}`
    groups.set(k, [...(groups.get(k) ?? []), e])
  }
  for (const [k, list] of groups) {
    const [proto, port, local] = k.split(' ')
    const map = list.map((e, i) => `${i} : ${e.backendIp} . ${e.backendPort}`).join(', ')
    const masq = local === 'true' ? '' : `ct mark set ${NODEPORT_MASQ} `
    rules.push(`    ip daddr ${node.ip} ${proto} dport ${port} ${masq}dnat ip to numgen random mod ${list.length} map { ${map} }`)
  }
  return [
    'table ip nph_np',
    'delete table ip nph_np',
    'table ip nph_np {',
    '  chain pre {',
    '    type nat hook prerouting priority -100; policy accept;',
    ...rules,
    '  }',
    '  chain post {',
    '    type nat hook postrouting priority 100; policy accept;',
    ...(noSnat ? [] : [`    ct mark ${NODEPORT_MASQ} snat ip to ${node.ip}`]),
    '  }',
    '}',
    '',
  ].join('\n')
}

/** The connection mark of NodePort traffic to SNAT (kube-proxy's masquerade mark is 0x4000; ours is our own). */
const NODEPORT_MASQ = '0x4e504d51'

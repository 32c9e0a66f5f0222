// Why: the local driver's kube-proxy-like NAT for ClusterIP Services (docs/services.md): every Service gets a
// ClusterIP, every (Service port, backend) a DNAT rule in each pod's namespace selected by a per-probe socket mark,
// so each backend is probed on purpose; unmarked traffic is load-balanced at random as kube-proxy does. Pure.
import { type Pod, type Service, type Target, ipFamilyOf, podId } from '../../model/cluster.js'

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
}

/**
 * Every Service's ClusterIP (10.96.0.10 upwards, in declaration order) and the DNAT entries of its IPv4 backends:
 * pods of its namespace its selector picks whose targetPort resolves (a name: a container port of that name and
 * protocol). Entries are sorted by Service name, as the evaluator picks the first Service by name.
 */
export function planServiceNat(services: readonly Service[], pods: readonly Pod[]): NatEntry[] {
  const entries: NatEntry[] = []
  services.forEach((svc, i) => {
    const clusterIP = `${SERVICE_NET}.${Math.floor((i + 10) / 256)}.${(i + 10) % 256}`
    for (const sp of svc.ports) {
      for (const pod of pods) {
        if (pod.namespace !== svc.namespace) continue
        if (!Object.entries(svc.selector).every(([k, v]) => pod.labels[k] === v)) continue
        const ip = [pod.ip, ...(pod.ips ?? [])].find((a) => a && ipFamilyOf(a) === 'IPv4')
        const backendPort =
          typeof sp.targetPort === 'number'
            ? sp.targetPort
            : pod.ports.find((cp) => cp.name === sp.targetPort && cp.protocol === sp.protocol)?.port
        if (!ip || backendPort === undefined) continue
        entries.push({
          service: `${svc.namespace}/${svc.name}`,
          clusterIP,
          port: sp.port,
          protocol: sp.protocol,
          backend: podId(pod),
          backendIp: ip,
          backendPort,
          mark: MARK_BASE + entries.length + 1,
        })
      }
    }
  })
  return entries.sort((a, b) => a.service.localeCompare(b.service) || a.mark - b.mark)
}

/** The entry a `service-ip` probe of backend `to` on `target` uses: the first Service by name, as the evaluator. */
export function natEntryFor(entries: readonly NatEntry[], to: string, target: Target): NatEntry | undefined {
  return entries.find((e) => e.backend === to && e.port === target.port && e.protocol === target.protocol)
}

/**
 * The nftables script for a pod's namespace (replacing the table if it exists): a nat output chain DNATing each
 * Service port to the backend its mark names, and unmarked traffic to a random backend (`numgen random`, as
 * kube-proxy's nftables mode). Judged before the packet leaves the pod, so every policy downstream sees the backend.
 */
export function serviceNatScript(entries: readonly NatEntry[], policyBeforeDnat = false): string {
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
  const groups = new Map<string, NatEntry[]>()
  for (const e of entries) {
    const proto = e.protocol.toLowerCase()
    rules.push(`    ip daddr ${e.clusterIP} ${proto} dport ${e.port} meta mark ${e.mark} dnat to ${e.backendIp}:${e.backendPort}`)
    const k = `${e.clusterIP} ${proto} ${e.port}`
    groups.set(k, [...(groups.get(k) ?? []), e])
  }
  for (const [k, list] of groups) {
    const [ip, proto, port] = k.split(' ')
    const map = list.map((e, i) => `${i} : ${e.backendIp} . ${e.backendPort}`).join(', ')
    rules.push(`    ip daddr ${ip} ${proto} dport ${port} dnat ip to numgen random mod ${list.length} map { ${map} }`)
  }
  return [
    'table ip nph_svc',
    'delete table ip nph_svc',
    'table ip nph_svc {',
    ...tag,
    '  chain out {',
    '    type nat hook output priority -100; policy accept;',
    ...rules,
    '  }',
    '}',
    '',
  ].join('\n')
}

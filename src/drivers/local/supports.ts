// Why: what the local driver can never run, known from the scenario alone, so the runner reports it `unsupported`
// before creating anything instead of failing mid-run (or stopping the run) when the topology is built.
import ipaddr from 'ipaddr.js'
import type { Scenario } from '../../model/scenario.js'
import { DEFAULT_POD_CIDR } from '../../scenario/parse-cluster.js'
import { clusterPolicyUnsupported } from '../cluster-policy-support.js'
import { chaosNodeRefs } from '../driver.js'

/** The most nodes the fabric's /24 gives addresses to (`checkPlan` in topology.ts enforces it too). */
const MAX_NODES = 250

/** Why the local driver with `nodeCount` nodes cannot run `s`, or undefined. */
export function localScenarioUnsupported(s: Scenario, nodeCount: number): string | undefined {
  const v6 = [...s.pods.map((p) => p.ip), ...s.externals.map((e) => e.ip)].filter((ip) => ipaddr.parse(ip).kind() === 'ipv6')
  if (v6.length || ipaddr.parseCIDR(s.podCIDR ?? DEFAULT_POD_CIDR)[0].kind() === 'ipv6')
    return `the local driver supports IPv4 only (IPv6: ${v6.length ? v6.join(', ') : s.podCIDR}); use the kind or kube driver`
  // The nodes `planTopology` creates: node-1..node-N, then every node a pod is pinned to.
  const nodes = new Set(Array.from({ length: nodeCount }, (_, i) => `node-${i + 1}`))
  for (const p of s.pods) if (p.node) nodes.add(p.node)
  if (nodes.size > MAX_NODES) return `the local driver supports at most ${MAX_NODES} nodes (this scenario needs ${nodes.size})`
  const missing = chaosNodeRefs(s).filter((n) => !nodes.has(n))
  if (missing.length)
    return `chaos names node${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which this local cluster does not have (nodes: ${[...nodes].join(', ')}; --nodes sets how many)`
  // Every cluster policy kind is enforced locally; only the experimental peers are not.
  return clusterPolicyUnsupported(s, ['ClusterNetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'], 'the local driver')
}

// Why: what the local driver can never run, known from the scenario alone, so the runner reports it `unsupported`
// before creating anything instead of failing mid-run (or stopping the run) when the topology is built.
import { ipFamilyOf } from '../../model/cluster.js'
import type { Scenario } from '../../model/scenario.js'
import { DEFAULT_POD_CIDR } from '../../scenario/parse-cluster.js'
import { clusterPolicyUnsupported } from '../cluster-policy-support.js'
import { chaosNodeRefs } from '../driver.js'
import { nodeAddress } from './topology.js'

/** The most nodes the fabric's /24 gives addresses to (`checkPlan` in topology.ts enforces it too). */
const MAX_NODES = 250

/** Why the local driver with `nodeCount` nodes cannot run `s`, or undefined. */
export function localScenarioUnsupported(s: Scenario, nodeCount: number): string | undefined {
  // Both families run here (IPv6 routed like IPv4); only a scenario without declared families that mixes them (its
  // cells carry no family, so a pod of one would be probed towards an address of the other) cannot run.
  if (!s.ipFamilies) {
    const all = [...s.pods, ...s.externals].flatMap((e) => e.ips ?? [e.ip])
    const families = new Set([...all, s.podCIDR ?? DEFAULT_POD_CIDR].map(ipFamilyOf))
    if (families.size > 1)
      return `the scenario mixes IPv4 and IPv6 addresses without declaring ipFamilies (${all.filter((ip) => ipFamilyOf(ip) !== ipFamilyOf(s.podCIDR ?? DEFAULT_POD_CIDR)).join(', ')}); declare ipFamilies: [IPv4, IPv6]`
  }
  // The nodes `planTopology` creates: node-1..node-N, then every node a pod is pinned to.
  const nodes = new Set(Array.from({ length: nodeCount }, (_, i) => `node-${i + 1}`))
  for (const p of s.pods) if (p.node) nodes.add(p.node)
  if (nodes.size > MAX_NODES) return `the local driver supports at most ${MAX_NODES} nodes (this scenario needs ${nodes.size})`
  // Nodes carry kind-like addresses (topology.ts `nodeAddress`), which no pod or external may have.
  const nodeIps = new Set(Array.from({ length: nodes.size }, (_, i) => nodeAddress(i)))
  const taken = [...s.pods, ...s.externals].flatMap((e) => e.ips ?? [e.ip]).filter((ip) => nodeIps.has(ip))
  if (taken.length) return `${taken.join(', ')} is a node address on the local driver (nodes have 172.18.0.2 upwards, as kind's)`
  const missing = chaosNodeRefs(s).filter((n) => !nodes.has(n))
  if (missing.length)
    return `chaos names node${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which this local cluster does not have (nodes: ${[...nodes].join(', ')}; --nodes sets how many)`
  // Every cluster policy kind is enforced locally; only the experimental peers are not.
  return clusterPolicyUnsupported(s, ['ClusterNetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'], 'the local driver')
}

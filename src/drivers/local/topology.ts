// Why: lay out a scenario as Linux network namespaces in Calico's routed model: one per pod, one per node
// (its pods' router, where their policy chains live), one per external host, and a bridge fabric.
import pLimit from 'p-limit'
import ipaddr from 'ipaddr.js'
import { InfraError } from '../../errors.js'
import { podId } from '../../model/cluster.js'
import type { Scenario } from '../../model/scenario.js'
import { type Exec, execOrThrow } from '../exec.js'
import { nsName } from './names.js'
import { sleep } from '../../util/sleep.js'

/** Every pod's default gateway, on the node side of its veth (Calico's link-local next hop). */
export const GATEWAY = '169.254.1.1'
const FABRIC_NET = '169.254.200'

/** A node: its namespace and its address on the fabric. */
export interface NodePlan {
  readonly name: string
  readonly index: number
  readonly ns: string
  readonly fabricIp: string
}

/** A pod or external: its id, namespace and address. */
export interface EndpointPlan {
  readonly id: string
  readonly ns: string
  readonly ip: string
  /** For pods: the node and the node-side interface (where its policy chains hook). */
  readonly node?: NodePlan
  readonly hostIf?: string
}

/** Where every namespace, address and link of a scenario goes (pure, from planTopology). */
export interface TopologyPlan {
  readonly sid: string
  readonly fabricNs: string
  readonly nodes: readonly NodePlan[]
  readonly pods: readonly EndpointPlan[]
  readonly externals: readonly EndpointPlan[]
}

/** Pure: where everything goes. Pods pinned with `node:` go there; the rest are spread over `nodeCount` nodes. */
export function planTopology(s: Scenario, sid: string, nodeCount: number): TopologyPlan {
  const names: string[] = []
  for (let i = 1; i <= nodeCount; i++) names.push(`node-${i}`)
  for (const p of s.pods) if (p.node && !names.includes(p.node)) names.push(p.node)
  const nodes = names.map((name, index) => ({ name, index, ns: nsName.node(sid, index), fabricIp: `${FABRIC_NET}.${index + 1}` }))
  let rr = 0
  const pods = s.pods.map((p, i) => {
    const node = p.node ? nodes.find((n) => n.name === p.node)! : nodes[rr++ % nodeCount]
    return { id: podId(p), ns: nsName.pod(sid, i), ip: p.ip, node, hostIf: `vp${i}` }
  })
  const externals = s.externals.map((e, i) => ({ id: e.name, ns: nsName.external(sid, i), ip: e.ip }))
  return { sid, fabricNs: nsName.fabric(sid), nodes, pods, externals }
}

/** Throws when the local driver cannot lay this scenario out. */
export function checkPlan(plan: TopologyPlan): void {
  const v6 = [...plan.pods, ...plan.externals].filter((e) => ipaddr.parse(e.ip).kind() === 'ipv6')
  if (v6.length)
    throw new InfraError(`the local driver supports IPv4 addresses only (${v6.map((e) => `${e.id} ${e.ip}`).join(', ')})`, {
      hint: 'use the kind or kube driver for IPv6 scenarios',
    })
  if (plan.nodes.length > 250) throw new InfraError('the local driver supports at most 250 nodes')
}

async function batch(exec: Exec, ns: string | undefined, lines: string[]): Promise<void> {
  await execOrThrow(exec, ['ip', ...(ns ? ['-n', ns] : []), '-batch', '-'], { input: lines.join('\n') + '\n' })
}

async function sysctl(exec: Exec, ns: string, settings: string[]): Promise<void> {
  await execOrThrow(exec, ['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', ...settings])
}

/** Every namespace the plan creates. */
function planNamespaces(plan: TopologyPlan): string[] {
  return [plan.fabricNs, ...plan.nodes.map((n) => n.ns), ...plan.pods.map((p) => p.ns), ...plan.externals.map((e) => e.ns)]
}

/** A node's routes: its own pods on their host veths, other nodes' pods via the fabric, externals on the fabric. */
function nodeRouteLines(plan: TopologyPlan, node: NodePlan, ipOf: (p: EndpointPlan) => string = (p) => p.ip): string[] {
  return [
    ...plan.pods.map((p) =>
      p.node === node ? `route replace ${ipOf(p)}/32 dev ${p.hostIf}` : `route replace ${ipOf(p)}/32 via ${p.node!.fabricIp} dev fab0`,
    ),
    ...plan.externals.map((e) => `route replace ${e.ip}/32 dev fab0`),
  ]
}

/** Inside a pod's namespace: loopback, eth0 with the pod address, the route to the node. */
function podLines(ip: string): string[] {
  return [
    'link set lo up',
    'link set eth0 up',
    `addr add ${ip}/32 dev eth0`,
    `route add ${GATEWAY} dev eth0 scope link`,
    `route add default via ${GATEWAY} dev eth0`,
  ]
}

/** The node side of a pod's veth pair (created into the pod's namespace). */
function podVethLines(p: EndpointPlan, ip: string): string[] {
  return [
    `link add ${p.hostIf} type veth peer name eth0 netns ${p.ns}`,
    `link set ${p.hostIf} up`,
    `addr add ${GATEWAY}/32 dev ${p.hostIf}`,
    `route replace ${ip}/32 dev ${p.hostIf}`,
  ]
}

/** Takes a node's links down and up again, then restores its routes (the kernel drops them with the link). */
export async function restartNodeLinks(
  plan: TopologyPlan,
  node: NodePlan,
  exec: Exec,
  downForMs: number,
  ipOf: (p: EndpointPlan) => string,
  signal: AbortSignal,
): Promise<void> {
  const links = ['fab0', ...plan.pods.filter((p) => p.node === node).map((p) => p.hostIf!)]
  await batch(
    exec,
    node.ns,
    links.map((l) => `link set ${l} down`),
  )
  await sleep(downForMs, signal)
  await batch(exec, node.ns, [
    ...links.map((l) => `link set ${l} up`),
    `addr replace ${node.fabricIp}/24 dev fab0`,
    ...nodeRouteLines(plan, node, ipOf),
  ])
}

/** Rebuilds a pod's namespace with a new address (its old namespace must be gone) and moves every route to it. */
export async function rebuildPod(plan: TopologyPlan, p: EndpointPlan, oldIp: string, newIp: string, exec: Exec): Promise<void> {
  await batch(exec, undefined, [`netns add ${p.ns}`])
  await batch(exec, p.node!.ns, podVethLines(p, newIp))
  await batch(exec, p.ns, podLines(newIp))
  await Promise.all([
    ...plan.nodes
      .filter((n) => n !== p.node)
      .map((n) => batch(exec, n.ns, [`route del ${oldIp}/32`, `route replace ${newIp}/32 via ${p.node!.fabricIp} dev fab0`])),
    ...plan.externals.map((e) =>
      batch(exec, e.ns, [`route del ${oldIp}/32`, `route replace ${newIp}/32 via ${p.node!.fabricIp} dev eth0`]),
    ),
  ])
}

/**
 * Creates the namespaces, links, addresses and routes. On failure the caller removes what exists. `podSides: false`
 * leaves each pod's own side (podLines) to its agent, which sets it up over rtnetlink (`ip -n` costs a mount
 * namespace copy per pod, 160 ms each with 1,000 namespaces).
 */
export async function buildTopology(plan: TopologyPlan, exec: Exec, opts: { podSides?: boolean } = {}): Promise<void> {
  await batch(
    exec,
    undefined,
    planNamespaces(plan).map((ns) => `netns add ${ns}`),
  )
  const limit = pLimit(8)
  const noRp = ['net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']

  // The fabric: a bridge; nodes and externals plug into it.
  await batch(exec, plan.fabricNs, ['link set lo up', 'link add br0 type bridge', 'link set br0 up'])

  await Promise.all(
    plan.nodes.map((node) =>
      limit(async () => {
        const lines = [
          'link set lo up',
          `link add fab0 type veth peer name f${node.index} netns ${plan.fabricNs}`,
          'link set fab0 up',
          `addr add ${node.fabricIp}/24 dev fab0`,
        ]
        for (const p of plan.pods) if (p.node === node) lines.push(...podVethLines(p, p.ip))
        await batch(exec, node.ns, [...lines, ...nodeRouteLines(plan, node)])
        await sysctl(exec, node.ns, ['net.ipv4.ip_forward=1', ...noRp])
      }),
    ),
  )
  await batch(exec, plan.fabricNs, [
    ...plan.nodes.flatMap((n) => [`link set f${n.index} master br0`, `link set f${n.index} up`]),
    ...plan.externals.flatMap((e, i) => [
      `link add x${i} type veth peer name eth0 netns ${e.ns}`,
      `link set x${i} master br0`,
      `link set x${i} up`,
    ]),
  ])
  await Promise.all([
    ...(opts.podSides === false ? [] : plan.pods.map((p) => limit(() => batch(exec, p.ns, podLines(p.ip))))),
    ...plan.externals.map((e) =>
      limit(async () => {
        await batch(exec, e.ns, [
          'link set lo up',
          'link set eth0 up',
          `addr add ${e.ip}/32 dev eth0`,
          `route add ${FABRIC_NET}.0/24 dev eth0`,
          ...plan.pods.map((p) => `route add ${p.ip}/32 via ${p.node!.fabricIp} dev eth0`),
        ])
        await sysctl(exec, e.ns, noRp)
      }),
    ),
  ])
}

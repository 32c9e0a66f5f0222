// Why: lay out a scenario as Linux network namespaces in Calico's routed model: one per pod, one per node
// (its pods' router, where their policy chains live), one per external host, and a bridge fabric.
import pLimit from 'p-limit'
import { InfraError } from '../../errors.js'
import { podId } from '../../model/cluster.js'
import type { Scenario } from '../../model/scenario.js'
import { type Exec, execOrThrow } from '../exec.js'
import { nsName } from './names.js'
import { sleep } from '../../util/sleep.js'

/** Every pod's default gateway, on the node side of its veth (Calico's link-local next hop). */
export const GATEWAY = '169.254.1.1'
/**
 * Every pod's IPv6 default gateway: the link-local address Calico's host-side veths carry (their MAC is
 * ee:ee:ee:ee:ee:ee, so the EUI-64 link-local is fe80::ecee:eeff:feee:eeee; `ip -6 route` in a Calico pod shows
 * `default via fe80::ecee:eeff:feee:eeee dev eth0`). Set explicitly here, without duplicate address detection.
 */
export const GATEWAY6 = 'fe80::ecee:eeff:feee:eeee'
const FABRIC_NET = '169.254.200'
/**
 * Nodes' own addresses (what a NodePort client dials and what a NodePort backend sees after SNAT): kind's, whose
 * nodes sit on the `kind` Docker network 172.18.0.0/16 from 172.18.0.2 (the gateway is .1), so a scenario's ipBlock
 * for node addresses means the same on both drivers. Carried as a /32 on each node's fabric link.
 */
export const nodeAddress = (index: number) => `172.18.0.${index + 2}`
/** Nodes' IPv6 addresses on the fabric: link-local (fe80::c8:<n>), so no pod or external can ever collide with them. */
const fabricIp6 = (index: number) => `fe80::c8:${(index + 1).toString(16)}`

/** A node: its namespace and its address on the fabric. */
export interface NodePlan {
  readonly name: string
  readonly index: number
  readonly ns: string
  readonly fabricIp: string
  /** Its IPv6 next hop on the fabric (link-local). */
  readonly fabricIp6: string
  /** Its own address (kind-like, `nodeAddress`): NodePorts are served on it and Cluster traffic is SNATed to it. */
  readonly ip: string
}

/** A pod or external: its id, namespace and addresses. */
export interface EndpointPlan {
  readonly id: string
  readonly ns: string
  /** The primary address. */
  readonly ip: string
  /** Every address, one per family, `ip` first. */
  readonly ips: readonly string[]
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
  /** Some endpoint has an IPv6 address: the fabric and the nodes carry IPv6 too. */
  readonly v6: boolean
}

/** Pure: where everything goes. Pods pinned with `node:` go there; the rest are spread over `nodeCount` nodes. */
export function planTopology(s: Scenario, sid: string, nodeCount: number): TopologyPlan {
  const names: string[] = []
  for (let i = 1; i <= nodeCount; i++) names.push(`node-${i}`)
  for (const p of s.pods) if (p.node && !names.includes(p.node)) names.push(p.node)
  const nodes = names.map((name, index) => ({
    name,
    index,
    ns: nsName.node(sid, index),
    fabricIp: `${FABRIC_NET}.${index + 1}`,
    fabricIp6: fabricIp6(index),
    ip: nodeAddress(index),
  }))
  let rr = 0
  const pods = s.pods.map((p, i) => {
    const node = p.node ? nodes.find((n) => n.name === p.node)! : nodes[rr++ % nodeCount]
    return { id: podId(p), ns: nsName.pod(sid, i), ip: p.ip, ips: p.ips ?? [p.ip], node, hostIf: `vp${i}` }
  })
  const externals = s.externals.map((e, i) => ({ id: e.name, ns: nsName.external(sid, i), ip: e.ip, ips: e.ips ?? [e.ip] }))
  const v6 = [...pods, ...externals].some((e) => e.ips.some(isV6))
  return { sid, fabricNs: nsName.fabric(sid), nodes, pods, externals, v6 }
}

/** Throws when the local driver cannot lay this scenario out. */
export function checkPlan(plan: TopologyPlan): void {
  if (plan.nodes.length > 250) throw new InfraError('the local driver supports at most 250 nodes')
}

const isV6 = (ip: string) => ip.includes(':')
/** A host route: /32 or /128. */
const host = (ip: string) => `${ip}/${isV6(ip) ? 128 : 32}`
/** The next hop of a node on the fabric for an address's family. */
const via = (node: NodePlan, ip: string) => (isV6(ip) ? node.fabricIp6 : node.fabricIp)

/** The addresses of the pod `p` now (a recreated pod has new ones). */
export type AddressesOf = (p: EndpointPlan) => readonly string[]

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

/**
 * A node's routes: its own pods on their host veths, other nodes' pods via the fabric, externals on the fabric
 * (IPv6 like IPv4: /128 host routes, the other node's link-local fabric address as next hop).
 */
function nodeRouteLines(plan: TopologyPlan, node: NodePlan, ipsOf: AddressesOf = (p) => p.ips): string[] {
  return [
    ...plan.pods.flatMap((p) =>
      ipsOf(p).map((ip) =>
        p.node === node ? `route replace ${host(ip)} dev ${p.hostIf}` : `route replace ${host(ip)} via ${via(p.node!, ip)} dev fab0`,
      ),
    ),
    ...plan.externals.flatMap((e) => e.ips.map((ip) => `route replace ${host(ip)} dev fab0`)),
    ...plan.nodes.filter((n) => n !== node).map((n) => `route replace ${host(n.ip)} via ${n.fabricIp} dev fab0`),
  ]
}

/**
 * Inside a pod's namespace: loopback, eth0 with the pod's addresses, the routes to the node. IPv6 addresses skip
 * duplicate address detection (`nodad`): a tentative address cannot be used, and the first round would be lost.
 */
function podLines(ips: readonly string[]): string[] {
  const v4 = ips.filter((ip) => !isV6(ip))
  const v6 = ips.filter(isV6)
  return [
    'link set lo up',
    'link set eth0 up',
    ...v4.flatMap((ip) => [
      `addr add ${ip}/32 dev eth0`,
      `route add ${GATEWAY} dev eth0 scope link`,
      `route add default via ${GATEWAY} dev eth0`,
    ]),
    ...v6.flatMap((ip) => [`addr add ${ip}/128 dev eth0 nodad`, `route add default via ${GATEWAY6} dev eth0`]),
  ]
}

/** The node side of a pod's veth pair (created into the pod's namespace). */
function podVethLines(p: EndpointPlan, ips: readonly string[]): string[] {
  return [
    `link add ${p.hostIf} type veth peer name eth0 netns ${p.ns}`,
    `link set ${p.hostIf} up`,
    `addr add ${GATEWAY}/32 dev ${p.hostIf}`,
    ...(ips.some(isV6) ? [`addr add ${GATEWAY6}/64 dev ${p.hostIf} nodad`] : []),
    ...ips.map((ip) => `route replace ${host(ip)} dev ${p.hostIf}`),
  ]
}

/** Takes a node's links down and up again, then restores its routes (the kernel drops them with the link). */
export async function restartNodeLinks(
  plan: TopologyPlan,
  node: NodePlan,
  exec: Exec,
  downForMs: number,
  ipsOf: AddressesOf,
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
    `addr replace ${node.ip}/32 dev fab0`,
    ...(plan.v6 ? [`addr replace ${node.fabricIp6}/64 dev fab0 nodad`] : []),
    ...plan.pods.filter((p) => p.node === node && ipsOf(p).some(isV6)).map((p) => `addr replace ${GATEWAY6}/64 dev ${p.hostIf!} nodad`),
    ...nodeRouteLines(plan, node, ipsOf),
  ])
}

/** Rebuilds a pod's namespace with new addresses (its old namespace must be gone) and moves every route to them. */
export async function rebuildPod(
  plan: TopologyPlan,
  p: EndpointPlan,
  oldIps: readonly string[],
  newIps: readonly string[],
  exec: Exec,
): Promise<void> {
  await batch(exec, undefined, [`netns add ${p.ns}`])
  await batch(exec, p.node!.ns, podVethLines(p, newIps))
  await batch(exec, p.ns, podLines(newIps))
  const moved = (dev: string) => [
    ...oldIps.map((ip) => `route del ${host(ip)}`),
    ...newIps.map((ip) => `route replace ${host(ip)} via ${via(p.node!, ip)} dev ${dev}`),
  ]
  await Promise.all([
    ...plan.nodes.filter((n) => n !== p.node).map((n) => batch(exec, n.ns, moved('fab0'))),
    ...plan.externals.map((e) => batch(exec, e.ns, moved('eth0'))),
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
  const v6 = plan.v6

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
          `addr add ${node.ip}/32 dev fab0`,
          ...(v6 ? [`addr add ${node.fabricIp6}/64 dev fab0 nodad`] : []),
        ]
        for (const p of plan.pods) if (p.node === node) lines.push(...podVethLines(p, p.ips))
        await batch(exec, node.ns, [...lines, ...nodeRouteLines(plan, node)])
        await sysctl(exec, node.ns, ['net.ipv4.ip_forward=1', ...NO_RP, ...(v6 ? ['net.ipv6.conf.all.forwarding=1'] : [])])
      }),
    ),
  )
  await batch(exec, plan.fabricNs, [
    ...plan.nodes.flatMap((n) => [`link set f${n.index} master br0`, `link set f${n.index} up`]),
    ...plan.externals.flatMap(externalLinkLines),
  ])
  await Promise.all([
    ...(opts.podSides === false ? [] : plan.pods.map((p) => limit(() => batch(exec, p.ns, podLines(p.ips))))),
    ...plan.externals.map((e) => limit(() => setUpExternal(plan, e, exec))),
  ])
}

const NO_RP = ['net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']

/** The fabric side of an external's veth pair (`x<i>`, `i` its namespace's index). */
const externalLink = (e: EndpointPlan) => `x${/-e(\d+)$/.exec(e.ns)![1]}`

/** In the fabric's namespace: an external's veth pair, its fabric side on the bridge. */
const externalLinkLines = (e: EndpointPlan) => {
  const x = externalLink(e)
  return [`link add ${x} type veth peer name eth0 netns ${e.ns}`, `link set ${x} master br0`, `link set ${x} up`]
}

/** Inside an external's namespace: its addresses, the fabric's subnet, a route to every pod and node. */
async function setUpExternal(plan: TopologyPlan, e: EndpointPlan, exec: Exec): Promise<void> {
  await batch(exec, e.ns, [
    'link set lo up',
    'link set eth0 up',
    ...e.ips.map((ip) => (isV6(ip) ? `addr add ${ip}/128 dev eth0 nodad` : `addr add ${ip}/32 dev eth0`)),
    `route add ${FABRIC_NET}.0/24 dev eth0`,
    ...plan.pods.flatMap((p) => p.ips.map((ip) => `route add ${host(ip)} via ${via(p.node!, ip)} dev eth0`)),
    ...plan.nodes.map((n) => `route add ${host(n.ip)} via ${n.fabricIp} dev eth0`),
  ])
  await sysctl(exec, e.ns, NO_RP)
}

/** What turns one topology into another on the same nodes and fabric (`reconcilePlan`). */
export interface Reconcile {
  /** The topology as it will be: kept endpoints keep their namespaces and links, added ones get new ones. */
  readonly plan: TopologyPlan
  readonly removedPods: readonly EndpointPlan[]
  readonly addedPods: readonly EndpointPlan[]
  readonly removedExternals: readonly EndpointPlan[]
  readonly addedExternals: readonly EndpointPlan[]
}

/** The index in a namespace's name (`...-p<i>`, `...-e<i>`). */
const nsIndex = (ns: string) => Number(/-[pe](\d+)$/.exec(ns)![1])

/**
 * Pure: how the topology `old` becomes the one `fresh` plans (the same nodes by name, the same IPv6 setting, both
 * with or both without externals; otherwise undefined). A pod or external is kept when its id, addresses and node are
 * the same; any other is removed, and the new one added under a namespace and link index above every one the
 * topology holds now (a removed endpoint's name may come back in a later reconcile: its namespace, link and routes
 * went with it, and a new namespace starts with empty conntrack). Everything else is `fresh`'s: order, node assignment.
 */
export function reconcilePlan(old: TopologyPlan, fresh: TopologyPlan): Reconcile | undefined {
  const names = (p: TopologyPlan) => p.nodes.map((n) => n.name).join(',')
  if (names(old) !== names(fresh) || old.v6 !== fresh.v6 || old.externals.length > 0 !== fresh.externals.length > 0) return undefined
  const sig = (e: EndpointPlan) => JSON.stringify([e.id, e.ips, e.node?.name ?? null])
  const match = (
    was: readonly EndpointPlan[],
    now: readonly EndpointPlan[],
    nsOf: (i: number) => string,
    hostIf?: (i: number) => string,
  ) => {
    const bySig = new Map(was.map((e) => [sig(e), e]))
    let next = Math.max(-1, ...was.map((e) => nsIndex(e.ns))) + 1
    const added: EndpointPlan[] = []
    const kept = new Set<EndpointPlan>()
    const list = now.map((e) => {
      const k = bySig.get(sig(e))
      if (k && !kept.has(k)) return (kept.add(k), k)
      const i = next++
      const node = e.node && old.nodes[e.node.index]
      const made: EndpointPlan = { ...e, ns: nsOf(i), ...(node ? { node } : {}), ...(hostIf ? { hostIf: hostIf(i) } : {}) }
      added.push(made)
      return made
    })
    return { list, added, removed: was.filter((e) => !kept.has(e)) }
  }
  const pods = match(
    old.pods,
    fresh.pods,
    (i) => nsName.pod(old.sid, i),
    (i) => `vp${i}`,
  )
  const externals = match(old.externals, fresh.externals, (i) => nsName.external(old.sid, i))
  return {
    plan: { ...old, pods: pods.list, externals: externals.list },
    removedPods: pods.removed,
    addedPods: pods.added,
    removedExternals: externals.removed,
    addedExternals: externals.added,
  }
}

/**
 * Turns the topology into `r.plan`: removed pods and externals lose their links, namespaces and every route to them
 * (on the other nodes and the kept externals); added ones get their namespaces, links and routes everywhere, as
 * `buildTopology` makes them (a pod's own side is its agent's, as there). The nodes and the fabric stay. The agents
 * must have stopped serving the removed endpoints first (their sockets keep a namespace alive).
 */
export async function reconcileTopology(r: Reconcile, exec: Exec): Promise<void> {
  const { plan } = r
  const hostRoutes = (es: readonly EndpointPlan[], line: (e: EndpointPlan, ip: string) => string) =>
    es.flatMap((e) => e.ips.map((ip) => line(e, ip)))
  // Removal: the node side of each link first (a namespace's deletion frees its links only lazily), then the routes
  // the kernel did not drop with a link, then the namespaces.
  const limit = pLimit(8)
  await Promise.all(
    plan.nodes.map((node) =>
      limit(async () => {
        const lines = [
          ...r.removedPods.filter((p) => p.node!.name === node.name).map((p) => `link del ${p.hostIf}`),
          ...hostRoutes(
            r.removedPods.filter((p) => p.node!.name !== node.name),
            (_, ip) => `route del ${host(ip)}`,
          ),
          // An external is on the fabric's link itself: the node's neighbour entry for it (its MAC) outlives the
          // route, and would send the next external at that address frames it drops until the entry goes stale.
          ...hostRoutes(r.removedExternals, (_, ip) => `route del ${host(ip)}`),
          ...hostRoutes(r.removedExternals, (_, ip) => `neigh flush to ${ip} dev fab0`),
        ]
        if (lines.length) await batch(exec, node.ns, lines)
      }),
    ),
  )
  const keptExternals = plan.externals.filter((e) => !r.addedExternals.includes(e))
  if (r.removedExternals.length)
    await batch(
      exec,
      plan.fabricNs,
      r.removedExternals.map((e) => `link del ${externalLink(e)}`),
    )
  if (r.removedPods.length)
    await Promise.all(
      keptExternals.map((e) =>
        limit(() =>
          batch(
            exec,
            e.ns,
            hostRoutes(r.removedPods, (_, ip) => `route del ${host(ip)}`),
          ),
        ),
      ),
    )
  const gone = [...r.removedPods, ...r.removedExternals]
  if (gone.length)
    await batch(
      exec,
      undefined,
      gone.map((e) => `netns del ${e.ns}`),
    )

  // Addition: namespaces, the node side of the pods' links and every node's routes, the externals' links on the fabric.
  const added = [...r.addedPods, ...r.addedExternals]
  if (!added.length) return
  await batch(
    exec,
    undefined,
    added.map((e) => `netns add ${e.ns}`),
  )
  await Promise.all(
    plan.nodes.map((node) =>
      limit(async () => {
        const lines = [
          ...r.addedPods.filter((p) => p.node === node).flatMap((p) => podVethLines(p, p.ips)),
          ...hostRoutes(
            r.addedPods.filter((p) => p.node !== node),
            (p, ip) => `route replace ${host(ip)} via ${via(p.node!, ip)} dev fab0`,
          ),
          ...hostRoutes(r.addedExternals, (_, ip) => `route replace ${host(ip)} dev fab0`),
        ]
        if (lines.length) await batch(exec, node.ns, lines)
      }),
    ),
  )
  if (r.addedExternals.length) await batch(exec, plan.fabricNs, r.addedExternals.flatMap(externalLinkLines))
  await Promise.all([
    ...r.addedExternals.map((e) => limit(() => setUpExternal(plan, e, exec))),
    ...(r.addedPods.length
      ? keptExternals.map((e) =>
          limit(() =>
            batch(
              exec,
              e.ns,
              hostRoutes(r.addedPods, (p, ip) => `route replace ${host(ip)} via ${via(p.node!, ip)} dev eth0`),
            ),
          ),
        )
      : []),
  ])
}

// Why: a scenario's namespaces, pods and externals with labels completed and every address declared or allocated,
// and the names that steps, chaos and intent patterns may refer to.
import {
  type ContainerPort,
  type External,
  type IPFamily,
  NAMESPACE_NAME_LABEL,
  type Namespace,
  type Pod,
  ipFamilyOf,
  podId,
} from '../model/cluster.js'
import { allocateAddresses } from './addresses.js'
import { canonicalAddress, endpointAddressError, podCidrError } from './ip-syntax.js'
import type { RawScenario } from './scenario-schema.js'
import type { Path, ProblemSink } from './yaml-source.js'

/** Where pod addresses come from when the scenario does not say. */
export const DEFAULT_POD_CIDR = '10.244.0.0/16'

/** The names a scenario declares, for the checks of its steps. */
export interface Declared {
  readonly namespaces: ReadonlySet<string>
  /** `podId` of every pod. */
  readonly pods: ReadonlySet<string>
  /** Node names pods are pinned to (`all` and `node-N` are always accepted besides). */
  readonly nodes: ReadonlySet<string>
  /** Pod ids, then external names: what intent patterns may match. */
  readonly endpoints: readonly string[]
}

/** The cluster a scenario declares, and its names. */
export interface ParsedCluster {
  readonly namespaces: Namespace[]
  readonly pods: Pod[]
  readonly externals: External[]
  readonly declared: Declared
}

/**
 * Why a scenario may not set the name label to another value: the API server overwrites it with the namespace's
 * name (pkg/apis/core/v1/defaults.go SetDefaults_Namespace, pkg/registry/core/namespace/strategy.go), so selectors
 * written against the scenario's value would silently mean something else on a cluster.
 */
export const NAME_LABEL_REASON = 'the API server always sets it to the namespace name, so another value would not hold on a cluster'

/** Namespaces with their own name label (which may not be set to anything else). */
function namespacesOf(raw: RawScenario, sink: ProblemSink): Namespace[] {
  return Object.entries(raw.namespaces).map(([name, ns]) => {
    const labels = ns?.labels ?? {}
    if (labels[NAMESPACE_NAME_LABEL] !== undefined && labels[NAMESPACE_NAME_LABEL] !== name) {
      sink.at(
        ['namespaces', name, 'labels', NAMESPACE_NAME_LABEL],
        `${NAMESPACE_NAME_LABEL} must be "${name}" or left out: ${NAME_LABEL_REASON}`,
      )
    }
    return { name, labels: { ...labels, [NAMESPACE_NAME_LABEL]: name } }
  })
}

/** Where a family's pod addresses come from when the scenario does not say (kind's default IPv6 pod subnet). */
export const DEFAULT_POD_CIDR_V6 = 'fd00:10:244::/56'

/** A scenario's families, primary first: as declared, else the family of its (first) pod CIDR, IPv4 by default. */
export function scenarioFamilies(raw: Pick<RawScenario, 'ipFamilies' | 'podCIDR'>): IPFamily[] {
  if (raw.ipFamilies) return [...raw.ipFamilies]
  const first = typeof raw.podCIDR === 'string' ? raw.podCIDR : raw.podCIDR?.[0]
  return [first ? ipFamilyOf(first) : 'IPv4']
}

/** The pod CIDR of every family, in the order of `families`, with problems (a family twice, one not in ipFamilies). */
function podCidrsOf(raw: RawScenario, families: readonly IPFamily[], sink: ProblemSink): Map<IPFamily, string> {
  const written = raw.podCIDR === undefined ? [] : typeof raw.podCIDR === 'string' ? [raw.podCIDR] : raw.podCIDR
  const path = (i: number): Path => (typeof raw.podCIDR === 'string' ? ['podCIDR'] : ['podCIDR', i])
  const byFamily = new Map<IPFamily, string>()
  written.forEach((cidr, i) => {
    const f = ipFamilyOf(cidr)
    const wrong = podCidrError(cidr)
    if (wrong) sink.at(path(i), wrong)
    else if (!families.includes(f))
      sink.at(path(i), `${cidr} is ${f} but the scenario's ipFamilies are ${families.join(', ')}; add ${f} to ipFamilies or drop it`)
    else if (byFamily.has(f)) sink.at(path(i), `podCIDR lists two ${f} ranges; give one per family`)
    else byFamily.set(f, cidr)
  })
  return new Map(families.map((f) => [f, byFamily.get(f) ?? (f === 'IPv4' ? DEFAULT_POD_CIDR : DEFAULT_POD_CIDR_V6)]))
}

/** An endpoint's written addresses (`ip` or `ips`) by family, with problems (both written, two of a family, a family not declared). */
function writtenAddresses(
  e: { ip?: string; ips?: readonly string[] },
  families: readonly IPFamily[],
  checkFamilies: boolean,
  path: Path,
  sink: ProblemSink,
): { ip: string; path: Path }[] {
  if (e.ip && e.ips) {
    sink.at([...path, 'ips'], 'use either ip or ips, not both')
    return []
  }
  const list = e.ips ? e.ips.map((ip, i) => ({ ip, path: [...path, 'ips', i] })) : e.ip ? [{ ip: e.ip, path: [...path, 'ip'] }] : []
  const seen = new Set<IPFamily>()
  return list.filter(({ ip, path: at }) => {
    const f = ipFamilyOf(ip)
    if (checkFamilies && !families.includes(f)) {
      sink.at(at, `${ip} is an ${f} address but the scenario's ipFamilies are ${families.join(', ')}`)
      return false
    }
    if (seen.has(f)) {
      sink.at(at, `a second ${f} address; give at most one address per family`)
      return false
    }
    seen.add(f)
    return true
  })
}

/** `ip` (the primary family's address when there is one) and, with more than one, `ips` (in family order). */
function addressFields(addrs: readonly string[], families: readonly IPFamily[]): { ip: string; ips?: string[] } {
  const rank = (ip: string) => {
    const i = families.indexOf(ipFamilyOf(ip))
    return i < 0 ? families.length : i
  }
  const sorted = [...addrs].sort((a, b) => rank(a) - rank(b))
  return sorted.length > 1 ? { ip: sorted[0], ips: sorted } : { ip: sorted[0] ?? '' }
}

/**
 * Externals and pods with their addresses: declared ones first (each used once), then what pods lack of each family
 * allocated from that family's pod CIDR. A scenario that declares `ipFamilies` may only use addresses of those.
 */
function endpointsOf(raw: RawScenario, defaultPorts: readonly ContainerPort[], sink: ProblemSink): { externals: External[]; pods: Pod[] } {
  const families = scenarioFamilies(raw)
  const checkFamilies = raw.ipFamilies !== undefined
  const owners = new Map<string, { who: string; ip: string }>()
  const claim = (ip: string, who: string, path: Path) => {
    const never = endpointAddressError(ip)
    if (never) return sink.at(path, `${never}; no pod or external can have it`)
    const key = canonicalAddress(ip)
    const prev = owners.get(key)
    if (prev) sink.at(path, `address ${ip} is already used by ${prev.who}${prev.ip !== ip ? ` (written ${prev.ip})` : ''}`)
    else owners.set(key, { who, ip })
  }
  const externals = Object.entries(raw.externals ?? {}).map(([name, e]) => {
    const addrs = writtenAddresses(e, families, checkFamilies, ['externals', name], sink)
    for (const a of addrs) claim(a.ip, name, a.path)
    return {
      name,
      ...addressFields(
        addrs.map((a) => a.ip),
        families,
      ),
      ports: e.ports ?? [],
    }
  })
  const rawPods = Object.entries(raw.namespaces).flatMap(([namespace, n]) =>
    Object.entries(n?.pods ?? {}).map(([name, p]) => {
      const pod = p ?? {}
      const written = writtenAddresses(pod, families, checkFamilies, ['namespaces', namespace, 'pods', name], sink)
      for (const a of written) claim(a.ip, podId({ namespace, name }), a.path)
      return { namespace, name, p: pod, addrs: written.map((a) => a.ip) }
    }),
  )
  const cidrs = podCidrsOf(raw, families, sink)
  for (const [family, cidr] of cidrs) {
    // Legacy (no ipFamilies): a pod written with an address of another family gets none allocated.
    const lacking = rawPods.filter((x) => (checkFamilies ? !x.addrs.some((ip) => ipFamilyOf(ip) === family) : x.addrs.length === 0))
    let allocated: string[] = []
    try {
      allocated = allocateAddresses(cidr, lacking.length, new Set(owners.keys()))
    } catch (e) {
      sink.at(['podCIDR'], e instanceof Error ? e.message : String(e))
    }
    lacking.forEach((x, i) => {
      if (allocated[i]) x.addrs.push(allocated[i])
    })
  }
  const pods: Pod[] = rawPods.map(({ namespace, name, p, addrs }) => ({
    namespace,
    name,
    labels: p.labels ?? {},
    ...addressFields(addrs, families),
    ...(p.node ? { node: p.node } : {}),
    ...(p.serviceAccount ? { serviceAccount: p.serviceAccount } : {}),
    ports: p.ports ?? defaultPorts,
  }))
  return { externals, pods }
}

/** The scenario's cluster; pods that declare no ports serve `defaultPorts`. */
export function parseCluster(raw: RawScenario, defaultPorts: readonly ContainerPort[], sink: ProblemSink): ParsedCluster {
  const namespaces = namespacesOf(raw, sink)
  const nsNames = new Set(namespaces.map((n) => n.name))
  const { externals, pods } = endpointsOf(raw, defaultPorts, sink)
  const podIds = new Set(pods.map(podId))
  for (const e of externals)
    if (podIds.has(e.name) || nsNames.has(e.name))
      sink.at(['externals', e.name], `external "${e.name}" has the name of a namespace; pick another`)
  const declared: Declared = {
    namespaces: nsNames,
    pods: podIds,
    nodes: new Set(pods.flatMap((p) => (p.node ? [p.node] : []))),
    endpoints: [...podIds, ...externals.map((e) => e.name)],
  }
  return { namespaces, pods, externals, declared }
}

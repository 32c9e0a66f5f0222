// Why: a scenario's namespaces, pods and externals with labels completed and every address declared or allocated,
// and the names that steps, chaos and intent patterns may refer to.
import { type ContainerPort, type External, NAMESPACE_NAME_LABEL, type Namespace, type Pod, podId } from '../model/cluster.js'
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

/** Externals and pods with their addresses: declared ones first (each used once), then the rest allocated from the pod CIDR. */
function endpointsOf(raw: RawScenario, defaultPorts: readonly ContainerPort[], sink: ProblemSink): { externals: External[]; pods: Pod[] } {
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
    claim(e.ip, name, ['externals', name, 'ip'])
    return { name, ip: e.ip, ports: e.ports ?? [] }
  })
  const rawPods = Object.entries(raw.namespaces).flatMap(([namespace, n]) =>
    Object.entries(n?.pods ?? {}).map(([name, p]) => ({ namespace, name, p: p ?? {} })),
  )
  for (const { namespace, name, p } of rawPods)
    if (p.ip) claim(p.ip, podId({ namespace, name }), ['namespaces', namespace, 'pods', name, 'ip'])
  let allocated: string[] = []
  const cidrWrong = raw.podCIDR ? podCidrError(raw.podCIDR) : undefined
  if (cidrWrong) sink.at(['podCIDR'], cidrWrong)
  else
    try {
      allocated = allocateAddresses(raw.podCIDR ?? DEFAULT_POD_CIDR, rawPods.filter((x) => !x.p.ip).length, new Set(owners.keys()))
    } catch (e) {
      sink.at(['podCIDR'], e instanceof Error ? e.message : String(e))
    }
  const pods: Pod[] = rawPods.map(({ namespace, name, p }) => ({
    namespace,
    name,
    labels: p.labels ?? {},
    ip: p.ip ?? allocated.shift() ?? '',
    ...(p.node ? { node: p.node } : {}),
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

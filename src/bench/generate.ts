// Why: deterministic synthetic clusters for benchmarks (seeded, so every run measures the same work).
import type { ContainerPort, Namespace, Pod, Protocol, Target } from '../model/cluster.js'
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../model/policy.js'
import type { Scenario } from '../model/scenario.js'
import type { ClusterState } from '../model/state.js'

/** mulberry32: a small, fast, seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The size of a generated synthetic cluster and its policy set. */
export interface GenOptions {
  readonly pods: number
  readonly namespaces: number
  readonly policies: number
  /** TCP, UDP or SCTP targets (policies name their ports). */
  readonly targets: readonly Target[]
  readonly seed?: number
}

/** A cluster with `pods` pods spread over `namespaces`, and `policies` varied NetworkPolicies. */
export function generateCluster(o: GenOptions): ClusterState {
  const r = rng(o.seed ?? 42)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]
  const apps = ['web', 'api', 'db', 'cache', 'queue', 'auth', 'search', 'billing', 'mail', 'cron']
  const teams = ['a', 'b', 'c', 'd', 'e']
  const namespaces: Namespace[] = Array.from({ length: o.namespaces }, (_, i) => ({
    name: `ns-${i}`,
    labels: { 'kubernetes.io/metadata.name': `ns-${i}`, team: teams[i % teams.length], env: i % 2 ? 'prod' : 'dev' },
  }))
  const portTargets = o.targets.map((t) => ({ port: t.port, protocol: t.protocol as Protocol }))
  const ports: ContainerPort[] = portTargets.map((t) => ({
    name: `serve-${t.port}-${t.protocol.toLowerCase()}`,
    port: t.port,
    protocol: t.protocol,
  }))
  const pods: Pod[] = Array.from({ length: o.pods }, (_, i) => ({
    namespace: namespaces[i % o.namespaces].name,
    name: `pod-${i}`,
    labels: { app: pick(apps), tier: pick(['front', 'back', 'data']), idx: String(i) },
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`.replace(/^10\./, '10.'),
    ports,
  }))
  const port = (): NetworkPolicyPort => {
    const t = pick(portTargets)
    const k = r()
    if (k < 0.4) return { port: t.port, protocol: t.protocol }
    if (k < 0.7) return { port: `serve-${t.port}-${t.protocol.toLowerCase()}`, protocol: t.protocol }
    return { port: t.port, endPort: t.port + 10, protocol: t.protocol }
  }
  const peer = (): NetworkPolicyPeer => {
    const k = r()
    if (k < 0.35) return { podSelector: { matchLabels: { app: pick(apps) } } }
    if (k < 0.6) return { namespaceSelector: { matchLabels: { team: pick(teams) } } }
    if (k < 0.8)
      return {
        namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] },
        podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['data'] }] },
      }
    return { ipBlock: { cidr: `10.0.${Math.floor(r() * 4)}.0/22`, except: [`10.0.${Math.floor(r() * 4)}.0/26`] } }
  }
  const policies: NetworkPolicy[] = Array.from({ length: o.policies }, (_, i) => {
    const ns = namespaces[i % o.namespaces].name
    const rules = () =>
      Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({
        peers: Array.from({ length: 1 + Math.floor(r() * 2) }, peer),
        ports: r() < 0.8 ? [port()] : undefined,
      }))
    const withEgress = r() < 0.4
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `policy-${i}`, namespace: ns },
      spec: {
        podSelector: r() < 0.2 ? {} : { matchLabels: { app: pick(apps) } },
        policyTypes: withEgress ? ['Ingress', 'Egress'] : ['Ingress'],
        ingress: rules().map((x) => ({ from: x.peers, ...(x.ports ? { ports: x.ports } : {}) })),
        ...(withEgress ? { egress: rules().map((x) => ({ to: x.peers, ...(x.ports ? { ports: x.ports } : {}) })) } : {}),
      },
    }
  })
  return { namespaces, pods, externals: [], policies }
}

/** The same cluster as a one-step scenario (for predict benchmarks). */
export function generateScenario(o: GenOptions): Scenario {
  const state = generateCluster(o)
  return {
    name: `bench-${o.pods}-pods`,
    file: '(generated)',
    tags: [],
    namespaces: state.namespaces,
    pods: state.pods,
    externals: [],
    probe: { targets: o.targets, timeoutMs: 1000 },
    steps: [
      {
        name: 'all policies',
        actions: state.policies.map((policy) => ({ kind: 'apply-policy' as const, policy })),
        probe: { targets: o.targets, timeoutMs: 1000 },
      },
    ],
  }
}

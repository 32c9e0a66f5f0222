// Why: small builders for evaluator tests (a fixed topology, policies from YAML text).
import { parse } from 'yaml'
import type { ClusterState } from '../../src/model/state.js'
import type { NetworkPolicy } from '../../src/model/policy.js'
import type { Pod } from '../../src/model/cluster.js'

const ports = [
  { name: 'serve-80-tcp', port: 80, protocol: 'TCP' as const },
  { name: 'serve-80-udp', port: 80, protocol: 'UDP' as const },
  { name: 'serve-81-tcp', port: 81, protocol: 'TCP' as const },
  { name: 'dns', port: 53, protocol: 'UDP' as const },
]

function pod(namespace: string, name: string, ip: string, labels: Record<string, string>): Pod {
  return { namespace, name, ip, labels, ports }
}

/** x (team=a): a, b; y (team=b): a; z (no extra labels): a. Externals: ext 192.0.2.10, ext6 2001:db8::10. */
export function baseState(policies: NetworkPolicy[] = [], podsOverride?: Pod[]): ClusterState {
  return {
    namespaces: [
      { name: 'x', labels: { 'kubernetes.io/metadata.name': 'x', team: 'a' } },
      { name: 'y', labels: { 'kubernetes.io/metadata.name': 'y', team: 'b' } },
      { name: 'z', labels: { 'kubernetes.io/metadata.name': 'z' } },
    ],
    pods: podsOverride ?? [
      pod('x', 'a', '10.0.1.1', { pod: 'a', app: 'web' }),
      pod('x', 'b', '10.0.1.2', { pod: 'b' }),
      pod('y', 'a', '10.0.2.1', { pod: 'a', app: 'web' }),
      pod('z', 'a', '10.0.3.1', { pod: 'a' }),
    ],
    externals: [
      { name: 'ext', ip: '192.0.2.10', ports: [{ port: 80, protocol: 'TCP' }] },
      { name: 'ext6', ip: '2001:db8::10', ports: [{ port: 80, protocol: 'TCP' }] },
    ],
    policies,
  }
}

/** One NetworkPolicy from YAML text of its spec (namespace x unless given). */
export function np(spec: string, namespace = 'x', name = 'p'): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec: parse(spec) }
}

/**
 * The base cluster with namespace x isolated for ingress (`x/deny`) and pod x/a let in by `x/allow` from pods labelled
 * pod=x or from any namespace (two peers), on UDP 80 or port 81 (two ports): a cell allowed by peer 1 and port 1.
 */
export function explainedState(): ClusterState {
  return baseState([
    np('{podSelector: {}, policyTypes: [Ingress]}', 'x', 'deny'),
    np(
      '{podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchLabels: {pod: x}}}, {namespaceSelector: {}}], ports: [{port: 80, protocol: UDP}, {port: 81}]}]}',
      'x',
      'allow',
    ),
  ])
}

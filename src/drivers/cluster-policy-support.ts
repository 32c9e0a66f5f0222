// Why: which cluster-scoped policy kinds a cluster can serve, and what no driver can probe, so a scenario using what
// the cluster lacks is reported `unsupported` instead of failed (docs/cluster-policy.md).
import type { ClusterPolicyKind } from '../model/cluster-policy.js'
import type { Scenario } from '../model/scenario.js'

/** The cluster policy kinds a scenario applies, in the order first applied. */
export function clusterPolicyKindsUsed(s: Scenario): ClusterPolicyKind[] {
  const kinds = new Set<ClusterPolicyKind>()
  for (const st of s.steps) for (const a of st.actions) if (a.kind === 'apply-cluster-policy') kinds.add(a.policy.kind)
  return [...kinds]
}

/**
 * The experimental egress peers no probed endpoint can be: `nodes` (node addresses) and `domainNames` (DNS names).
 * Neither is predicted nor enforced here, so a scenario using them is unsupported everywhere.
 */
export function experimentalPeersUsed(s: Scenario): string[] {
  const used = new Set<string>()
  for (const st of s.steps)
    for (const a of st.actions) {
      if (a.kind !== 'apply-cluster-policy') continue
      for (const r of a.policy.spec.egress ?? [])
        for (const p of r.to) {
          if (p.nodes) used.add('nodes')
          if ('domainNames' in p && p.domainNames) used.add('domainNames')
        }
    }
  return [...used]
}

/** Why a cluster serving `served` cannot run `s` (`where` names the cluster in the reason), or undefined. */
export function clusterPolicyUnsupported(s: Scenario, served: readonly ClusterPolicyKind[], where: string): string | undefined {
  const peers = experimentalPeersUsed(s)
  if (peers.length) return `egress peers ${peers.join(', ')} are experimental and select no endpoint the harness probes`
  const missing = clusterPolicyKindsUsed(s).filter((k) => !served.includes(k))
  if (missing.length === 0) return undefined
  return `${where} does not serve ${missing.join(', ')}${served.length ? ` (it serves ${served.join(', ')})` : ''}`
}

/**
 * What a Calico release implements of the network-policy-api: AdminNetworkPolicy and BaselineAdminNetworkPolicy
 * (v1alpha1) from 3.29 (BaselineAdminNetworkPolicy from 3.30), ClusterNetworkPolicy (v1alpha2) from 3.32 on (Calico
 * release notes; docs/cluster-policy.md). `v3.30.7` -> the v1alpha1 kinds.
 */
export function calicoClusterPolicyKinds(version: string): ClusterPolicyKind[] {
  const m = /^v?(\d+)\.(\d+)/.exec(version)
  if (!m) return []
  const [major, minor] = [Number(m[1]), Number(m[2])]
  if (major !== 3) return major > 3 ? ['ClusterNetworkPolicy'] : []
  if (minor >= 32) return ['ClusterNetworkPolicy']
  if (minor >= 30) return ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy']
  if (minor === 29) return ['AdminNetworkPolicy']
  return []
}

/** `policy.networking.k8s.io/v1alpha1 (AdminNetworkPolicy, BaselineAdminNetworkPolicy)`, or `none`: for the report's versions. */
export function clusterPolicyApi(kinds: readonly ClusterPolicyKind[]): string {
  if (kinds.length === 0) return 'none'
  const v2 = kinds.filter((k) => k === 'ClusterNetworkPolicy')
  const v1 = kinds.filter((k) => k !== 'ClusterNetworkPolicy')
  return [
    ...(v2.length ? [`policy.networking.k8s.io/v1alpha2 (${v2.join(', ')})`] : []),
    ...(v1.length ? [`policy.networking.k8s.io/v1alpha1 (${v1.join(', ')})`] : []),
  ].join('; ')
}

// Why: the Calico projectcalico.org/v3 kinds as the cluster serves them (plural, scope, the order they must be created
// in) and the raw objects users write (the same YAML `calicoctl apply` takes), kept apart from the driver code so the
// API interface and the driver share them without an import cycle (pure).
import type { Scenario } from '../../model/scenario.js'

/** The API group and version of every Calico kind the harness applies (docs.tigera.io calico reference/resources). */
export const CALICO_API_VERSION = 'projectcalico.org/v3'

/**
 * Each kind the harness applies on kind/kube: its resource (plural) in projectcalico.org/v3, whether it is namespaced,
 * and its rank when applying (a Tier before the policies in it, network sets before the policies selecting them).
 * Plurals and scope as `kubectl api-resources` lists them with the Calico API server (tigera docs "Enable kubectl to
 * manage Calico APIs"; the staged kinds from the v3 API's `stagednetworkpolicies`, `stagedglobalnetworkpolicies`,
 * `stagedkubernetesnetworkpolicies`, namespaced as their NetworkPolicy counterparts: projectcalico/api pkg/apis/projectcalico/v3).
 */
export const CALICO_KINDS = {
  Tier: { plural: 'tiers', namespaced: false, rank: 0 },
  GlobalNetworkSet: { plural: 'globalnetworksets', namespaced: false, rank: 1 },
  NetworkSet: { plural: 'networksets', namespaced: true, rank: 1 },
  GlobalNetworkPolicy: { plural: 'globalnetworkpolicies', namespaced: false, rank: 2 },
  NetworkPolicy: { plural: 'networkpolicies', namespaced: true, rank: 2 },
  StagedGlobalNetworkPolicy: { plural: 'stagedglobalnetworkpolicies', namespaced: false, rank: 2 },
  StagedNetworkPolicy: { plural: 'stagednetworkpolicies', namespaced: true, rank: 2 },
  StagedKubernetesNetworkPolicy: { plural: 'stagedkubernetesnetworkpolicies', namespaced: true, rank: 2 },
} as const

/** One of the Calico kinds above. */
export type CalicoKind = keyof typeof CALICO_KINDS

/** Every Calico kind the harness applies, in apply rank order. */
export const CALICO_KIND_NAMES = Object.keys(CALICO_KINDS) as CalicoKind[]

/** A Calico object exactly as the user wrote it (projectcalico.org/v3): only kind, name and namespace are read here. */
export interface RawCalicoObject {
  readonly apiVersion: typeof CALICO_API_VERSION
  readonly kind: CalicoKind
  readonly metadata: {
    readonly name: string
    readonly namespace?: string
    readonly labels?: Readonly<Record<string, string>>
    readonly annotations?: Readonly<Record<string, string>>
  }
  readonly spec?: Readonly<Record<string, unknown>>
}

/** Which object: kind, name and, for a namespaced kind, namespace. */
export interface CalicoRef {
  readonly kind: CalicoKind
  readonly name: string
  readonly namespace?: string
}

/** What the API returns of an existing Calico object: enough to tell whose it is and to replace it. */
export interface CalicoObjectMeta {
  readonly name: string
  readonly namespace?: string
  readonly labels: Readonly<Record<string, string>>
  /** metadata.creationTimestamp in ms. */
  readonly createdAt?: number
  /** metadata.resourceVersion: a replace (PUT) must carry it (optimistic concurrency). */
  readonly resourceVersion?: string
}

/** The Calico objects a scenario applies, as its author wrote them (what a cluster must be able to take). */
export function calicoObjectsUsed(s: Scenario): RawCalicoObject[] {
  return s.steps.flatMap((st) => st.actions.flatMap((a) => (a.kind === 'apply-calico' ? [a.raw as RawCalicoObject] : [])))
}

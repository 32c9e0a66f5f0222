// Why: how generated policies select workloads: by namespace and stable labels, never by labels that name one pod
// or one revision (a policy selecting those stops matching at the next rollout), and always exactly (a selector
// picks its group's pods and no other pod of the namespace).
import type { Labels, Pod } from '../model/cluster.js'
import { podId } from '../model/cluster.js'
import type { LabelSelector, LabelSelectorRequirement } from '../model/policy.js'
import { matchesSelector } from '../evaluator/index.js'

/**
 * Label keys Kubernetes controllers set per pod or per revision (Deployment's ReplicaSets, StatefulSets,
 * DaemonSets, Jobs): never stable workload identity.
 */
const UNSTABLE_KEYS: ReadonlySet<string> = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'controller-uid',
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-completion-index',
])

/** The alphabet of Kubernetes' generated name suffixes (`rand.SafeEncodeString`: no vowels, no 0, 1, 3). */
const SAFE_SEGMENT = /^[bcdfghjklmnpqrstvwxz2456789]{5,10}$/
const HEX = /^[0-9a-f]{8,}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * True when a label value looks generated: a UUID, 8+ hex digits, or a last `-` segment of 5-10 characters of the
 * name-suffix alphabet; the last two only when they mix letters and digits (`coredns`, `web`, `v2` stay stable).
 * @internal exported for its test
 */
export function looksLikeHash(value: string): boolean {
  if (UUID.test(value)) return true
  const mixed = (s: string) => /[0-9]/.test(s) && /[a-z]/.test(s)
  if (HEX.test(value) && mixed(value)) return true
  const last = value.split('-').at(-1) ?? ''
  return SAFE_SEGMENT.test(last) && mixed(last)
}

/** Keys never used to group the pods of one namespace: the per-pod keys, and any key with a hash-like value on some pod. @internal exported for its test */
export function unstableKeys(pods: readonly Pod[]): Set<string> {
  const out = new Set<string>()
  for (const p of pods) for (const [k, v] of Object.entries(p.labels)) if (UNSTABLE_KEYS.has(k) || looksLikeHash(v)) out.add(k)
  return out
}

/** A set of pods of one namespace that no stable label tells apart, and the selector that picks exactly them. */
export interface WorkloadGroup {
  readonly namespace: string
  /** A DNS-1123 name part, unique in the namespace (from the selector's label values). */
  readonly name: string
  readonly selector: LabelSelector
  /** Pod ids (`namespace/pod`), in declaration order. */
  readonly pods: readonly string[]
}

/** Keys people select workloads by, preferred in this order; other keys come after, alphabetically. */
const PREFERRED = ['app.kubernetes.io/name', 'app', 'k8s-app', 'name', 'app.kubernetes.io/component', 'component', 'tier', 'role']

const rank = (k: string) => (PREFERRED.includes(k) ? PREFERRED.indexOf(k) : PREFERRED.length)

function stableOf(labels: Labels, unstable: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !unstable.has(k)))
}

/** The selector of a group: one or two labels when they pick exactly the group, else every stable label plus DoesNotExist. */
function exactSelector(stable: Labels, members: ReadonlySet<string>, nsPods: readonly Pod[], unstable: ReadonlySet<string>): LabelSelector {
  const exact = (sel: LabelSelector) => nsPods.every((p) => matchesSelector(sel, p.labels) === members.has(podId(p)))
  const keys = Object.keys(stable).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  for (const k of keys) if (exact({ matchLabels: { [k]: stable[k] } })) return { matchLabels: { [k]: stable[k] } }
  for (let i = 0; i < keys.length; i++)
    for (let j = i + 1; j < keys.length; j++) {
      const sel = { matchLabels: { [keys[i]]: stable[keys[i]], [keys[j]]: stable[keys[j]] } }
      if (exact(sel)) return sel
    }
  // Every stable label; pods of other groups it still matches have a stable key this group lacks.
  const matchLabels = Object.fromEntries(keys.map((k) => [k, stable[k]]))
  const absent = new Set<string>()
  for (const p of nsPods) {
    if (members.has(podId(p)) || !matchesSelector({ matchLabels }, p.labels)) continue
    const extra = Object.keys(stableOf(p.labels, unstable)).filter((k) => !(k in stable))
    if (extra.length && !extra.some((k) => absent.has(k))) absent.add(extra.sort()[0])
  }
  const matchExpressions: LabelSelectorRequirement[] = [...absent].sort().map((key) => ({ key, operator: 'DoesNotExist' }))
  return { ...(keys.length ? { matchLabels } : {}), ...(matchExpressions.length ? { matchExpressions } : {}) }
}

/** A DNS-1123 label part from a selector's values (`web`, `api-v2`), `unlabelled` for none. */
function baseName(sel: LabelSelector): string {
  const raw = Object.values(sel.matchLabels ?? {}).join('-')
  const clean = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 50)
  return clean || 'unlabelled'
}

/** The pods of every namespace grouped by their stable labels, each group with its exact selector, in declaration order. */
export function groupWorkloads(pods: readonly Pod[]): WorkloadGroup[] {
  const byNs = new Map<string, Pod[]>()
  for (const p of pods) byNs.set(p.namespace, [...(byNs.get(p.namespace) ?? []), p])
  const out: WorkloadGroup[] = []
  for (const [namespace, nsPods] of byNs) {
    const unstable = unstableKeys(nsPods)
    const byLabels = new Map<string, { stable: Labels; pods: string[] }>()
    for (const p of nsPods) {
      const stable = stableOf(p.labels, unstable)
      const key = JSON.stringify(Object.entries(stable).sort(([a], [b]) => a.localeCompare(b)))
      const g = byLabels.get(key) ?? { stable, pods: [] }
      g.pods.push(podId(p))
      byLabels.set(key, g)
    }
    const names = new Set<string>()
    for (const g of byLabels.values()) {
      const selector = exactSelector(g.stable, new Set(g.pods), nsPods, unstable)
      let name = baseName(selector)
      for (let n = 2; names.has(name); n++) name = `${baseName(selector)}-${n}`
      names.add(name)
      out.push({ namespace, name, selector, pods: g.pods })
    }
  }
  return out
}

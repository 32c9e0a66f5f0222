// Why: the edge where lint input enters: scenario files (every step's state) and plain manifests (Kubernetes objects,
// and Calico's projectcalico.org/v3 kinds as `calicoctl apply -f` takes them).
import { InputError, type Problem } from '../errors.js'
import type { ContainerPort, Labels, Protocol } from '../model/cluster.js'
import { NAMESPACE_NAME_LABEL } from '../model/cluster.js'
import type { Scenario, SourceRef } from '../model/scenario.js'
import { applyAction, chaosEffects, initialState } from '../scenario/apply-actions.js'
import { zodIssues } from '../scenario/zod-issues.js'
import { type LoadOptions, looksLikeScenario, readInputs, readText, referenceReader, sortProblems } from '../scenario/load.js'
import { parseScenario } from '../scenario/parse.js'
import { makeNetworkPolicySchema } from '../scenario/policy-schema.js'
import { clusterPolicySchemaFor } from '../scenario/cluster-policy-schema.js'
import { clusterPolicyId } from '../model/cluster-policy.js'
import { calicoId } from '../model/calico.js'
import { calicoSchema, isCalicoObject, withDefaultNamespace } from '../scenario/calico-schema.js'
import { type SourceDoc, locate, parseYamlStream, problemAt } from '../scenario/yaml-source.js'
import type { LintGroup } from './lint.js'
import type { LintCalico, LintClusterPolicy, LintNamespace, LintPolicy, LintSet, LintWorkload } from './model.js'

const manifestPolicySchema = makeNetworkPolicySchema({ exceptInsideCidr: false, namespaceRequired: false })

/** Where each kind of workload keeps its pod template. */
const TEMPLATE_PATH: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
}

/** One scenario as lint groups: the cluster after each step, with each policy's source. */
function scenarioGroup(s: Scenario): LintGroup {
  const sources = new Map<string, SourceRef>()
  let state = initialState(s)
  const sets: LintSet[] = s.steps.map((step) => {
    for (const a of [...step.actions, ...chaosEffects(step.chaos)]) {
      if (a.kind === 'apply-policy' && a.source) sources.set(`${a.policy.metadata.namespace}/${a.policy.metadata.name}`, a.source)
      if (a.kind === 'apply-calico' && a.source) sources.set(calicoId(a.object), a.source)
      if (a.kind === 'apply-cluster-policy' && a.source)
        sources.set(clusterPolicyId({ kind: a.policy.kind, name: a.policy.metadata.name }), a.source)
      state = applyAction(state, a)
    }
    return {
      namespaces: state.namespaces.map((n) => ({ ...n, source: { file: s.file, doc: 0, path: ['namespaces', n.name] } })),
      workloads: state.pods.map((p) => ({ namespace: p.namespace, name: p.name, labels: p.labels, ports: p.ports })),
      policies: state.policies.map((policy) => ({
        policy,
        source: sources.get(`${policy.metadata.namespace}/${policy.metadata.name}`) ?? { file: s.file, doc: 0, path: [] },
      })),
      calico: (state.calico ?? []).map((object) => ({
        object,
        source: sources.get(calicoId(object)) ?? { file: s.file, doc: 0, path: [] },
      })),
      clusterPolicies: (state.clusterPolicies ?? []).map((policy) => ({
        policy,
        source: sources.get(clusterPolicyId({ kind: policy.kind, name: policy.metadata.name })) ?? { file: s.file, doc: 0, path: [] },
      })),
    }
  })
  return { name: s.name, sets }
}

const get = (v: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), v)

/** The pod template of a workload object as a lint workload. */
function workloadOf(kind: string, obj: unknown): LintWorkload | undefined {
  const template = get(obj, TEMPLATE_PATH[kind])
  const labels = (get(template, ['metadata', 'labels']) ?? {}) as Labels
  const containers = (get(template, ['spec', 'containers']) ?? []) as {
    ports?: { name?: string; containerPort?: number; protocol?: string }[]
  }[]
  const ports: ContainerPort[] = containers.flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => typeof p.containerPort === 'number')
      .map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.containerPort!, protocol: (p.protocol ?? 'TCP') as Protocol })),
  )
  return {
    namespace: String(get(obj, ['metadata', 'namespace']) ?? 'default'),
    name: `${kind}/${String(get(obj, ['metadata', 'name']) ?? '?')}`,
    labels,
    ports,
  }
}

/** Plain manifests (any number of files and documents) as one lint group; other kinds are counted and ignored. */
function manifestGroup(files: readonly { file: string; text: string }[], problems: Problem[]): { group: LintGroup; ignored: number } {
  const policies: LintPolicy[] = []
  const clusterPolicies: LintClusterPolicy[] = []
  const calico: LintCalico[] = []
  const namespaces = new Map<string, LintNamespace>()
  const workloads: LintWorkload[] = []
  let ignored = 0
  for (const { file, text } of files) {
    const stream = parseYamlStream(text, file)
    problems.push(...stream.problems)
    for (const d of stream.docs) {
      const kind = get(d.value, ['kind'])
      if (typeof kind !== 'string') {
        problems.push(problemAt(d.source, [], 'not a Kubernetes object (no kind) and not a scenario (no name, namespaces, steps)'))
        continue
      }
      const source: SourceRef = { file, doc: d.index, path: [] }
      // Calico's kinds first: a projectcalico.org/v3 NetworkPolicy has the same kind as a Kubernetes one.
      if (isCalicoObject(d.value)) {
        const r = calicoSchema.safeParse(withDefaultNamespace(d.value))
        if (!r.success) for (const i of zodIssues(r.error)) problems.push(problemAt(d.source, i.path, i.message, i.hint))
        else calico.push({ object: r.data.object, source })
      } else if (kind === 'NetworkPolicy') {
        const r = manifestPolicySchema.safeParse(d.value)
        if (!r.success) for (const i of zodIssues(r.error)) problems.push(problemAt(d.source, i.path, i.message, i.hint))
        else policies.push({ policy: r.data, source })
      } else if (clusterPolicySchemaFor(kind)) {
        const r = clusterPolicySchemaFor(kind)!.safeParse(d.value)
        if (!r.success) for (const i of zodIssues(r.error)) problems.push(problemAt(d.source, i.path, i.message, i.hint))
        else clusterPolicies.push({ policy: r.data, source })
      } else if (kind === 'Namespace') {
        const name = get(d.value, ['metadata', 'name'])
        if (typeof name !== 'string') problems.push(problemAt(d.source, ['metadata'], 'metadata.name is required'))
        else
          namespaces.set(name, {
            name,
            labels: { ...((get(d.value, ['metadata', 'labels']) ?? {}) as Labels), [NAMESPACE_NAME_LABEL]: name },
            source: { ...source, path: ['metadata', 'name'] },
          })
      } else if (kind in TEMPLATE_PATH) workloads.push(workloadOf(kind, d.value)!)
      else ignored++
    }
  }
  // Namespaces named only by policies (Calico's namespaced objects too) get the first such policy as their location.
  const named = [
    ...policies.map((lp) => ({ ns: lp.policy.metadata.namespace, source: lp.source })),
    ...calico.flatMap((c) => ('namespace' in c.object && c.object.namespace ? [{ ns: c.object.namespace, source: c.source }] : [])),
  ]
  for (const { ns, source } of named)
    if (!namespaces.has(ns))
      namespaces.set(ns, { name: ns, labels: { [NAMESPACE_NAME_LABEL]: ns }, source: { ...source, path: ['metadata'] } })
  const set: LintSet = {
    namespaces: [...namespaces.values()],
    workloads: workloads.length ? workloads : undefined,
    policies,
    ...(clusterPolicies.length ? { clusterPolicies } : {}),
    ...(calico.length ? { calico } : {}),
  }
  return { group: { name: 'manifests', sets: [set] }, ignored }
}

/** What lint reads: groups of workloads and policies, each with where it came from. */
export interface LintInput {
  readonly groups: LintGroup[]
  readonly scenarios: number
  readonly manifestFiles: number
  readonly ignoredObjects: number
}

/** Loads scenarios and manifests from files and folders; throws InputError with every problem found. */
export function loadLintInput(paths: readonly string[], opts: LoadOptions = {}): LintInput {
  const problems: Problem[] = []
  const groups: LintGroup[] = []
  const manifests: { file: string; text: string }[] = []
  let scenarios = 0
  const read = referenceReader(opts)
  for (const { shown, text } of readInputs(paths, problems, opts.maxFileBytes)) {
    if (looksLikeScenario(text)) {
      const r = parseScenario(text, shown, read)
      if (!r.ok) problems.push(...r.problems)
      else {
        groups.push(scenarioGroup(r.scenario))
        scenarios++
      }
    } else manifests.push({ file: shown, text })
  }
  let ignored = 0
  if (manifests.length) {
    const m = manifestGroup(manifests, problems)
    groups.push(m.group)
    ignored = m.ignored
  }
  if (problems.length) throw new InputError(sortProblems(problems))
  if (groups.length === 0) throw new InputError([{ file: paths.join(' '), message: 'no YAML files found (.yaml or .yml)' }])
  return { groups, scenarios, manifestFiles: manifests.length, ignoredObjects: ignored }
}

/** Line and column of a source reference (files are parsed once and kept). */
export function makeLocator(): (ref: SourceRef) => { line: number; column: number } {
  const cache = new Map<string, SourceDoc[]>()
  return (ref) => {
    let docs = cache.get(ref.file)
    if (!docs) {
      docs = []
      const text = readText(ref.file)
      for (const d of parseYamlStream(typeof text === 'string' ? text : '', ref.file).docs) docs[d.index] = d.source
      cache.set(ref.file, docs)
    }
    const src = docs[ref.doc]
    return src ? locate(src, ref.path) : { line: 1, column: 1 }
  }
}

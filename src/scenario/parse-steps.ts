// Why: a scenario's steps as actions in their fixed order (apply, delete, setPodLabels, setNamespaceLabels), every
// reference checked against what the scenario declares and the policies that exist at that step.
import { NAMESPACE_NAME_LABEL } from '../model/cluster.js'
import { type CalicoKind, calicoId } from '../model/calico.js'
import { type ClusterPolicyKind, clusterPolicyId } from '../model/cluster-policy.js'
import { policyId } from '../model/policy.js'
import type { Action, ProbeSpec, Step } from '../model/scenario.js'
import { locatePolicies } from './apply-entry.js'
import { parseChaos } from './parse-chaos.js'
import { type Declared, NAME_LABEL_REASON } from './parse-cluster.js'
import { patternMatchesAny } from './patterns.js'
import type { RawStep } from './scenario-schema.js'
import type { ProblemSink } from './yaml-source.js'

/** The actions of step `si`; `live` (the ids of the policies that exist) follows its applies and deletes. */
function stepActions(s: RawStep, si: number, live: Set<string>, declared: Declared, sink: ProblemSink): Action[] {
  const actions: Action[] = []
  s.apply?.forEach((entry, ai) => {
    for (const lp of locatePolicies(entry, sink.source, ['steps', si, 'apply', ai])) {
      if (lp.policy.kind === 'Calico') {
        const o = lp.policy.object
        const ns = 'namespace' in o ? o.namespace : undefined
        if (ns !== undefined && !declared.namespaces.has(ns))
          sink.atIn(lp.source, [...lp.path, 'metadata', 'namespace'], `namespace "${ns}" is not declared in the scenario's namespaces`)
        live.add(calicoId(o))
        actions.push({ kind: 'apply-calico', object: o, raw: lp.policy.raw, source: { file: lp.source.file, doc: lp.doc, path: lp.path } })
        continue
      }
      if (lp.policy.kind !== 'NetworkPolicy') {
        live.add(clusterPolicyId({ kind: lp.policy.kind, name: lp.policy.metadata.name }))
        actions.push({ kind: 'apply-cluster-policy', policy: lp.policy, source: { file: lp.source.file, doc: lp.doc, path: lp.path } })
        continue
      }
      const ns = lp.policy.metadata.namespace
      if (!declared.namespaces.has(ns))
        sink.atIn(lp.source, [...lp.path, 'metadata', 'namespace'], `namespace "${ns}" is not declared in the scenario's namespaces`)
      live.add(policyId(lp.policy))
      actions.push({ kind: 'apply-policy', policy: lp.policy, source: { file: lp.source.file, doc: lp.doc, path: lp.path } })
    }
  })
  s.delete?.forEach((d, di) => {
    if (d.apiVersion !== undefined) {
      const id = calicoId({ kind: d.kind as CalicoKind, name: d.name, ...(d.namespace ? { namespace: d.namespace } : {}) })
      if (!live.has(id))
        sink.at(['steps', si, 'delete', di], `no ${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name} exists at this step`)
      live.delete(id)
      actions.push({
        kind: 'delete-calico',
        calicoKind: d.kind as CalicoKind,
        ...(d.namespace ? { namespace: d.namespace } : {}),
        name: d.name,
      })
      return
    }
    if (d.kind !== undefined) {
      const policyKind = d.kind as ClusterPolicyKind
      const id = clusterPolicyId({ kind: policyKind, name: d.name })
      if (!live.has(id)) sink.at(['steps', si, 'delete', di], `no ${d.kind} ${d.name} exists at this step`)
      live.delete(id)
      actions.push({ kind: 'delete-cluster-policy', policyKind, name: d.name })
      return
    }
    const id = policyId({ metadata: { namespace: d.namespace!, name: d.name } })
    if (!live.has(id)) sink.at(['steps', si, 'delete', di], `no policy ${id} exists at this step`)
    live.delete(id)
    actions.push({ kind: 'delete-policy', namespace: d.namespace!, name: d.name })
  })
  for (const [id, labels] of Object.entries(s.setPodLabels ?? {})) {
    if (!declared.pods.has(id)) sink.at(['steps', si, 'setPodLabels', id], `no pod "${id}" (use namespace/pod)`)
    const [namespace, pod] = id.split('/')
    actions.push({ kind: 'set-pod-labels', namespace, pod, labels })
  }
  for (const [ns, labels] of Object.entries(s.setNamespaceLabels ?? {})) {
    if (!declared.namespaces.has(ns)) sink.at(['steps', si, 'setNamespaceLabels', ns], `no namespace "${ns}"`)
    if (labels[NAMESPACE_NAME_LABEL] !== undefined && labels[NAMESPACE_NAME_LABEL] !== ns)
      sink.at(
        ['steps', si, 'setNamespaceLabels', ns, NAMESPACE_NAME_LABEL],
        `${NAMESPACE_NAME_LABEL} must be "${ns}" or left out: ${NAME_LABEL_REASON}`,
      )
    actions.push({ kind: 'set-namespace-labels', namespace: ns, labels: { ...labels, [NAMESPACE_NAME_LABEL]: ns } })
  }
  return actions
}

/** The steps of a scenario, in order; step `si` probes as `probes[si]`. */
export function parseSteps(raw: readonly RawStep[], probes: readonly ProbeSpec[], declared: Declared, sink: ProblemSink): Step[] {
  const live = new Set<string>()
  const names = new Set<string>()
  return raw.map((s, si) => {
    if (names.has(s.name)) sink.at(['steps', si, 'name'], `duplicate step name "${s.name}"`)
    names.add(s.name)
    const actions = stepActions(s, si, live, declared, sink)
    s.expect?.rules.forEach((rule, ri) => {
      for (const side of ['from', 'to'] as const) {
        if (!patternMatchesAny(rule[side], declared.endpoints))
          sink.at(
            ['steps', si, 'expect', 'rules', ri, side],
            `"${rule[side]}" matches no pod or external`,
            'use namespace/pod, an external name, or * wildcards',
          )
      }
    })
    const chaos = parseChaos(s, si, declared, sink)
    return { name: s.name, actions, probe: probes[si], ...(s.expect ? { expect: s.expect } : {}), ...chaos }
  })
}

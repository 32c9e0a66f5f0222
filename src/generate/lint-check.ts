// Why: a generated set must pass our own linter; this lints it on the cluster it was generated for.
import { lint } from '../lint/lint.js'
import type { Finding, LintSet } from '../lint/model.js'
import type { Generated } from './generate.js'

/** Every lint finding on the generated set (no option set: default edge words), each policy located as `<generated>` document i. */
export function lintGenerated(g: Generated): Finding[] {
  const state = g.intent.state
  const set: LintSet = {
    namespaces: state.namespaces.map((n) => ({ ...n, source: { file: '<cluster>', doc: 0, path: ['namespaces', n.name] } })),
    workloads: state.pods.map((p) => ({ namespace: p.namespace, name: p.name, labels: p.labels, ports: p.ports })),
    policies: g.policies.map((policy, doc) => ({ policy, source: { file: '<generated>', doc, path: [] } })),
  }
  return lint([{ name: 'generated', sets: [set] }], { edgeLabels: [] })
}

// Why: a step's chaos list as tagged actions with their references checked, and how the step samples and what it
// must stay within while the faults last.
import { NAMESPACE_NAME_LABEL } from '../model/cluster.js'
import type { ChaosAction, Step } from '../model/scenario.js'
import type { NetworkPolicy } from '../model/policy.js'
import { assertNever } from '../util/assert-never.js'
import { DEFAULT_DURING } from './chaos-schema.js'
import type { Declared } from './parse-cluster.js'
import { patternMatchesAny } from './patterns.js'
import type { RawStep } from './scenario-schema.js'
import type { Path, ProblemSink } from './yaml-source.js'

type RawChaos = NonNullable<RawStep['chaos']>[number]

/** `all`, `node-N`, or a node pods are pinned to. */
function checkNode(node: string, path: Path, declared: Declared, sink: ProblemSink): string {
  if (node !== 'all' && !/^node-\d+$/.test(node) && !declared.nodes.has(node))
    sink.at(path, `unknown node "${node}"`, 'use all, node-1, node-2, ... or a node pods are pinned to')
  return node
}

/** A relabel entry as the label change it makes: of exactly one pod or one namespace. */
function relabel(
  c: Extract<RawChaos, { action: 'relabel' }>,
  path: Path,
  declared: Declared,
  sink: ProblemSink,
): Extract<ChaosAction, { action: 'relabel' }> {
  if (!!c.pod === !!c.namespace) sink.at(path, 'relabel needs exactly one of pod or namespace')
  if (c.pod || !c.namespace) {
    const [namespace, pod] = (c.pod ?? '/').split('/')
    if (c.pod && !declared.pods.has(c.pod)) sink.at([...path, 'pod'], `no pod "${c.pod}"`)
    return { action: c.action, change: { kind: 'set-pod-labels', namespace, pod, labels: c.labels } }
  }
  const ns = c.namespace
  if (!declared.namespaces.has(ns)) sink.at([...path, 'namespace'], `no namespace "${ns}"`)
  return { action: c.action, change: { kind: 'set-namespace-labels', namespace: ns, labels: { ...c.labels, [NAMESPACE_NAME_LABEL]: ns } } }
}

/** One chaos entry as its tagged action, its references checked. */
function chaosAction(c: RawChaos, path: Path, declared: Declared, sink: ProblemSink): ChaosAction {
  switch (c.action) {
    case 'restart-agent':
      return { action: c.action, node: checkNode(c.node, [...path, 'node'], declared, sink), downForMs: c.downFor }
    case 'flush-dataplane':
      return { action: c.action, node: checkNode(c.node, [...path, 'node'], declared, sink) }
    case 'restart-node':
      return { action: c.action, node: checkNode(c.node, [...path, 'node'], declared, sink), downForMs: c.downFor }
    case 'packet-loss':
      return { action: c.action, node: checkNode(c.node, [...path, 'node'], declared, sink), percent: c.percent, forMs: c.for }
    case 'recreate-pod': {
      if (!declared.pods.has(c.pod)) sink.at([...path, 'pod'], `no pod "${c.pod}"`)
      const [namespace, pod] = c.pod.split('/')
      return { action: c.action, namespace, pod }
    }
    case 'relabel':
      return relabel(c, path, declared, sink)
    case 'policy-churn': {
      const all = c.apply.flatMap((entry) => entry.map((p) => p.policy))
      const policies = all.filter((p): p is NetworkPolicy => p.kind === 'NetworkPolicy')
      if (policies.length !== all.length) sink.at([...path, 'apply'], 'policy-churn applies NetworkPolicies only')
      for (const p of policies)
        if (!declared.namespaces.has(p.metadata.namespace))
          sink.at([...path, 'apply'], `namespace "${p.metadata.namespace}" is not declared in the scenario's namespaces`)
      return { action: c.action, policies, times: c.times, intervalMs: c.interval }
    }
    default:
      return assertNever(c, 'chaos action')
  }
}

/** The chaos fields of step `si` (none without a chaos list, which `during` and `invariants` need). */
export function parseChaos(s: RawStep, si: number, declared: Declared, sink: ProblemSink): Pick<Step, 'chaos' | 'during' | 'invariants'> {
  const chaos = s.chaos?.map((c, ci) => chaosAction(c, ['steps', si, 'chaos', ci], declared, sink))
  if (!chaos && (s.during || s.invariants))
    sink.at(['steps', si, s.during ? 'during' : 'invariants'], `${s.during ? 'during' : 'invariants'} needs a chaos list in the same step`)
  s.during?.cells.forEach((c, ci) => {
    for (const side of ['from', 'to'] as const)
      if (!patternMatchesAny(c[side], declared.endpoints))
        sink.at(['steps', si, 'during', 'cells', ci, side], `"${c[side]}" matches no pod or external`)
  })
  if (!chaos) return {}
  return { chaos, during: s.during ?? DEFAULT_DURING, ...(s.invariants ? { invariants: s.invariants } : {}) }
}

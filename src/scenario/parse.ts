// Why: unknown YAML -> validated Scenario, every problem reported at once with file, line and path.
// Pure but for `readText`, which the loader injects to resolve `{file: ...}` policy references.
import type { ContainerPort, Namespace, Target } from '../model/cluster.js'
import { NAMESPACE_NAME_LABEL } from '../model/cluster.js'
import type { Action, ChaosAction, DuringSpec, PodSpec, ProbeSpec, Scenario, Step } from '../model/scenario.js'
import type { Problem } from '../errors.js'
import { allocateAddresses } from './addresses.js'
import { type EntryPolicy, type ReadText, applyEntrySchema, locatePolicies, scenarioProblems } from './apply-entry.js'
import { DEFAULT_DURING } from './chaos-schema.js'
import { type ProbeOverride, type RawScenario, type RawStep, makeScenarioSchema } from './scenario-schema.js'
import { type Path, type SourceDoc, parseYaml, problemAt } from './yaml-source.js'
import { patternMatchesAny } from './patterns.js'
import { assertNever } from '../util/assert-never.js'

export const DEFAULT_POD_CIDR = '10.244.0.0/16'
export const DEFAULT_PROBE: ProbeSpec = { targets: [{ port: 80, protocol: 'TCP' }], timeoutMs: 1000 }

export type { ReadText } from './apply-entry.js'

export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; problems: Problem[] }

function resolveProbe(raw: ProbeOverride | undefined, base: ProbeSpec): ProbeSpec {
  if (!raw) return base
  return { targets: dedupeTargets(raw.targets ?? base.targets), timeoutMs: raw.timeoutMs ?? base.timeoutMs }
}

function dedupeTargets(targets: readonly Target[]): Target[] {
  const seen = new Set<string>()
  return targets.filter((t) => {
    const k = `${t.port}/${t.protocol}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/** Parses and validates a scenario file's text. */
export function parseScenario(text: string, file: string, readText: ReadText): ParseResult {
  const parsed = parseYaml(text, file)
  if (parsed.problems.length) return { ok: false, problems: parsed.problems }
  const source = parsed.source
  const value = parsed.value
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, problems: [{ file, line: 1, message: 'a scenario must be a YAML mapping with name, namespaces and steps' }] }
  }
  if ('kind' in value && 'apiVersion' in value) {
    return { ok: false, problems: [problemAt(source, ['kind'], `this is a Kubernetes ${String((value as { kind: unknown }).kind)} object, not a scenario`, 'scenarios have name, namespaces, probe and steps; put policies under a step\'s apply')] }
  }
  const r = makeScenarioSchema(applyEntrySchema(file, readText)).safeParse(value)
  if (!r.success) return { ok: false, problems: scenarioProblems(r.error, source) }
  return build(r.data, source, [])
}

function build(raw: RawScenario, source: SourceDoc, problems: Problem[]): ParseResult {
  const at = (path: Path, message: string, hint?: string) => problems.push(problemAt(source, path, message, hint))

  const namespaces: Namespace[] = Object.entries(raw.namespaces).map(([name, ns]) => {
    const labels = ns?.labels ?? {}
    if (labels[NAMESPACE_NAME_LABEL] !== undefined && labels[NAMESPACE_NAME_LABEL] !== name) {
      at(['namespaces', name, 'labels', NAMESPACE_NAME_LABEL], `${NAMESPACE_NAME_LABEL} is always the namespace's own name ("${name}")`)
    }
    return { name, labels: { ...labels, [NAMESPACE_NAME_LABEL]: name } }
  })
  const nsNames = new Set(namespaces.map((n) => n.name))

  const scenarioProbe = resolveProbe(raw.probe, DEFAULT_PROBE)
  const stepProbes = raw.steps.map((s) => resolveProbe(s.probe, scenarioProbe))
  const allTargets = dedupeTargets([...scenarioProbe.targets, ...stepProbes.flatMap((p) => p.targets)])
  const defaultPorts: ContainerPort[] = allTargets.map((t) => ({ name: `serve-${t.port}-${t.protocol.toLowerCase()}`, port: t.port, protocol: t.protocol }))

  // Addresses: declared ones first (must be unique), then allocate the rest from the pod CIDR.
  const owners = new Map<string, string>()
  const claim = (ip: string, who: string, path: Path) => {
    const prev = owners.get(ip)
    if (prev) at(path, `address ${ip} is already used by ${prev}`)
    else owners.set(ip, who)
  }
  const externals = Object.entries(raw.externals ?? {}).map(([name, e]) => {
    claim(e.ip, name, ['externals', name, 'ip'])
    return { name, ip: e.ip, ports: e.ports ?? [] }
  })
  const rawPods = Object.entries(raw.namespaces).flatMap(([ns, n]) => Object.entries(n?.pods ?? {}).map(([name, p]) => ({ ns, name, p: p ?? {} })))
  for (const { ns, name, p } of rawPods) if (p.ip) claim(p.ip, `${ns}/${name}`, ['namespaces', ns, 'pods', name, 'ip'])
  let allocated: string[] = []
  try {
    allocated = allocateAddresses(raw.podCIDR ?? DEFAULT_POD_CIDR, rawPods.filter((x) => !x.p.ip).length, new Set(owners.keys()))
  } catch (e) {
    at(['podCIDR'], (e as Error).message)
  }
  const pods: PodSpec[] = rawPods.map(({ ns, name, p }) => ({
    namespace: ns,
    name,
    labels: p.labels ?? {},
    ip: p.ip ?? allocated.shift() ?? '',
    ...(p.node ? { node: p.node } : {}),
    ports: p.ports ?? defaultPorts,
  }))
  const podKeys = new Set(pods.map((p) => `${p.namespace}/${p.name}`))
  const nodeNames = new Set(pods.flatMap((p) => (p.node ? [p.node] : [])))
  const endpointIds = [...podKeys, ...externals.map((e) => e.name)]
  for (const e of externals) if (podKeys.has(e.name) || nsNames.has(e.name)) at(['externals', e.name], `external "${e.name}" has the name of a namespace; pick another`)

  // Steps: actions in a fixed order (apply, delete, setPodLabels, setNamespaceLabels); track live policies.
  const live = new Set<string>()
  const stepNames = new Set<string>()
  const steps: Step[] = raw.steps.map((s, si) => {
    if (stepNames.has(s.name)) at(['steps', si, 'name'], `duplicate step name "${s.name}"`)
    stepNames.add(s.name)
    const actions: Action[] = []
    for (const lp of (s.apply ?? []).flatMap((entry, ai) => locatePolicies(entry, source, ['steps', si, 'apply', ai]))) {
      const ns = lp.policy.metadata.namespace
      if (!nsNames.has(ns)) problems.push(problemAt(lp.source, [...lp.path, 'metadata', 'namespace'], `namespace "${ns}" is not declared in the scenario's namespaces`))
      live.add(`${ns}/${lp.policy.metadata.name}`)
      actions.push({ kind: 'apply-policy', policy: lp.policy, source: { file: lp.source.file, doc: lp.doc, path: lp.path } })
    }
    s.delete?.forEach((d, di) => {
      const key = `${d.namespace}/${d.name}`
      if (!live.has(key)) at(['steps', si, 'delete', di], `no policy ${key} exists at this step`)
      live.delete(key)
      actions.push({ kind: 'delete-policy', namespace: d.namespace, name: d.name })
    })
    for (const [key, labels] of Object.entries(s.setPodLabels ?? {})) {
      if (!podKeys.has(key)) at(['steps', si, 'setPodLabels', key], `no pod "${key}" (use namespace/pod)`)
      const [namespace, pod] = key.split('/')
      actions.push({ kind: 'set-pod-labels', namespace, pod, labels })
    }
    for (const [ns, labels] of Object.entries(s.setNamespaceLabels ?? {})) {
      if (!nsNames.has(ns)) at(['steps', si, 'setNamespaceLabels', ns], `no namespace "${ns}"`)
      if (labels[NAMESPACE_NAME_LABEL] !== undefined && labels[NAMESPACE_NAME_LABEL] !== ns) at(['steps', si, 'setNamespaceLabels', ns, NAMESPACE_NAME_LABEL], `${NAMESPACE_NAME_LABEL} cannot be changed`)
      actions.push({ kind: 'set-namespace-labels', namespace: ns, labels: { ...labels, [NAMESPACE_NAME_LABEL]: ns } })
    }
    const expect = s.expect
    if (expect) {
      expect.rules.forEach((rule, ri) => {
        for (const side of ['from', 'to'] as const) {
          if (!patternMatchesAny(rule[side], endpointIds)) at(['steps', si, 'expect', 'rules', ri, side], `"${rule[side]}" matches no pod or external`, 'use namespace/pod, an external name, or * wildcards')
        }
      })
    }
    const chaos = buildChaos(s, si, { podKeys, nsNames, nodeNames, at })
    if (!s.chaos && (s.during || s.invariants)) at(['steps', si, s.during ? 'during' : 'invariants'], `${s.during ? 'during' : 'invariants'} needs a chaos list in the same step`)
    s.during?.cells?.forEach((c, ci) => {
      for (const side of ['from', 'to'] as const) if (!patternMatchesAny(c[side], endpointIds)) at(['steps', si, 'during', 'cells', ci, side], `"${c[side]}" matches no pod or external`)
    })
    const during: DuringSpec | undefined = chaos ? (s.during ?? DEFAULT_DURING) : undefined
    const invariants = s.invariants
    return { name: s.name, actions, probe: stepProbes[si], ...(expect ? { expect } : {}), ...(chaos ? { chaos, during, ...(invariants ? { invariants } : {}) } : {}) }
  })
  if (problems.length) return { ok: false, problems }
  return {
    ok: true,
    scenario: { name: raw.name, file: source.file, ...(raw.description ? { description: raw.description } : {}), tags: raw.tags ?? [], namespaces, pods, externals, probe: scenarioProbe, steps, podCIDR: raw.podCIDR ?? DEFAULT_POD_CIDR },
  }
}

interface ChaosContext {
  readonly podKeys: ReadonlySet<string>
  readonly nsNames: ReadonlySet<string>
  /** Node names pods are pinned to; `node-N` and `all` are always accepted. */
  readonly nodeNames: ReadonlySet<string>
  readonly at: (path: Path, message: string, hint?: string) => void
}

/** A step's chaos list as tagged actions, with references checked. */
function buildChaos(s: RawStep, si: number, ctx: ChaosContext): ChaosAction[] | undefined {
  if (!s.chaos) return undefined
  const node = (n: string, path: Path) => {
    if (n !== 'all' && !/^node-\d+$/.test(n) && !ctx.nodeNames.has(n)) ctx.at(path, `unknown node "${n}"`, 'use all, node-1, node-2, ... or a node pods are pinned to')
    return n
  }
  return s.chaos.map((c, ci): ChaosAction => {
    const path: Path = ['steps', si, 'chaos', ci]
    switch (c.action) {
      case 'restart-agent':
        return { action: c.action, node: node(c.node, [...path, 'node']), downForMs: c.downFor }
      case 'flush-dataplane':
        return { action: c.action, node: node(c.node, [...path, 'node']) }
      case 'restart-node':
        return { action: c.action, node: node(c.node, [...path, 'node']), downForMs: c.downFor }
      case 'packet-loss':
        return { action: c.action, node: node(c.node, [...path, 'node']), percent: c.percent, forMs: c.for }
      case 'recreate-pod': {
        if (!ctx.podKeys.has(c.pod)) ctx.at([...path, 'pod'], `no pod "${c.pod}"`)
        const [namespace, pod] = c.pod.split('/')
        return { action: c.action, namespace, pod }
      }
      case 'relabel': {
        if (!!c.pod === !!c.namespace) ctx.at(path, 'relabel needs exactly one of pod or namespace')
        if (c.pod || !c.namespace) {
          const [namespace, pod] = (c.pod ?? '/').split('/')
          if (c.pod && !ctx.podKeys.has(c.pod)) ctx.at([...path, 'pod'], `no pod "${c.pod}"`)
          return { action: c.action, change: { kind: 'set-pod-labels', namespace, pod, labels: c.labels } }
        }
        const ns = c.namespace
        if (!ctx.nsNames.has(ns)) ctx.at([...path, 'namespace'], `no namespace "${ns}"`)
        return { action: c.action, change: { kind: 'set-namespace-labels', namespace: ns, labels: { ...c.labels, [NAMESPACE_NAME_LABEL]: ns } } }
      }
      case 'policy-churn': {
        const policies = c.apply.flatMap((entry: readonly EntryPolicy[]) => entry.map((p) => p.policy))
        for (const p of policies) if (!ctx.nsNames.has(p.metadata.namespace)) ctx.at([...path, 'apply'], `namespace "${p.metadata.namespace}" is not declared in the scenario's namespaces`)
        return { action: c.action, policies, times: c.times, intervalMs: c.interval }
      }
      default:
        return assertNever(c, 'chaos action')
    }
  })
}

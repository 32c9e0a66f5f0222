// Why: unknown YAML -> validated Scenario, every problem reported at once with file, line and path.
// Pure but for `readText`, which the loader injects to resolve `{file: ...}` policy references.
import type { Problem } from '../errors.js'
import type { Scenario } from '../model/scenario.js'
import { type ReadText, applyEntrySchema, scenarioProblems } from './apply-entry.js'
import { DEFAULT_POD_CIDR, DEFAULT_POD_CIDR_V6, parseCluster, scenarioFamilies } from './parse-cluster.js'
import { DEFAULT_PROBE, perFamily, resolveProbe, servePorts } from './parse-probe.js'
import { parseServices, viaProblem } from './parse-services.js'
import { parseSteps } from './parse-steps.js'
import { type RawScenario, makeScenarioSchema } from './scenario-schema.js'
import { type SourceDoc, parseYaml, problemAt, problemSink } from './yaml-source.js'

/** How the loader reads policy files a scenario refers to (re-exported: it is part of `parseScenario`'s signature). */
export type { ReadText } from './apply-entry.js'

/** A scenario, or every problem found in it. */
export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; problems: Problem[] }

/** Why `value` cannot be a scenario at all (not a mapping, or a Kubernetes object), if so. */
function notAScenario(value: unknown, source: SourceDoc): Problem | undefined {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    return { file: source.file, line: 1, message: 'a scenario must be a YAML mapping with name, namespaces and steps' }
  }
  if ('kind' in value && 'apiVersion' in value) {
    return problemAt(
      source,
      ['kind'],
      `this is a Kubernetes ${String(value.kind)} object, not a scenario`,
      "scenarios have name, namespaces, probe and steps; put policies under a step's apply",
    )
  }
  return undefined
}

/** The schema's output with every cross reference checked (names, addresses, live policies, patterns). */
function checkReferences(raw: RawScenario, source: SourceDoc): ParseResult {
  const sink = problemSink(source)
  const probe = resolveProbe(raw.probe, DEFAULT_PROBE)
  const stepProbes = raw.steps.map((s) => resolveProbe(s.probe, probe))
  const services = parseServices(raw, sink)
  // Pods that declare no ports serve every target probed on a pod address and every numeric targetPort of a Service.
  const backendPorts = services.flatMap((svc) =>
    svc.ports.flatMap((p) => (typeof p.targetPort === 'number' ? [{ port: p.targetPort, protocol: p.protocol }] : [])),
  )
  const serve = servePorts([probe, ...stepProbes, { targets: backendPorts, timeoutMs: 0 }])
  const { namespaces, pods, externals, declared } = parseCluster(raw, serve, sink)
  const checkVia = (spec: typeof probe, at: (string | number)[]) => {
    for (const t of spec.targets) {
      const wrong = viaProblem(t, services)
      if (wrong) sink.at(at, wrong, 'declare the Service under its namespace (services:), or probe another port')
    }
  }
  if (raw.probe) checkVia(probe, ['probe'])
  raw.steps.forEach((st, si) => {
    if (st.probe) checkVia(stepProbes[si], ['steps', si, 'probe'])
  })
  // Dual-stack: every target is probed on each family (the family becomes part of the target).
  const families = scenarioFamilies(raw)
  raw.steps.forEach((st, si) => {
    const wrong = (f: string | undefined) => f !== undefined && !families.includes(f as (typeof families)[number])
    st.expect?.rules.forEach((r, ri) => {
      if (wrong(r.family)) sink.at(['steps', si, 'expect', 'rules', ri, 'family'], `the scenario's ipFamilies are ${families.join(', ')}`)
    })
    st.during?.cells.forEach((c, ci) => {
      if (wrong(c.family)) sink.at(['steps', si, 'during', 'cells', ci, 'family'], `the scenario's ipFamilies are ${families.join(', ')}`)
    })
  })
  const steps = parseSteps(
    raw.steps,
    stepProbes.map((p) => perFamily(p, families)),
    declared,
    sink,
  )
  if (sink.problems.length) return { ok: false, problems: [...sink.problems] }
  const cidrs = typeof raw.podCIDR === 'string' ? [raw.podCIDR] : (raw.podCIDR ?? [])
  const cidrOf = (f: string) =>
    cidrs.find((c) => c.includes(':') === (f === 'IPv6')) ?? (f === 'IPv6' ? DEFAULT_POD_CIDR_V6 : DEFAULT_POD_CIDR)
  const podCIDRs = families.map(cidrOf)
  return {
    ok: true,
    scenario: {
      name: raw.name,
      file: source.file,
      ...(raw.description ? { description: raw.description } : {}),
      tags: raw.tags ?? [],
      namespaces,
      pods,
      externals,
      ...(services.length ? { services } : {}),
      probe: perFamily(probe, families),
      steps,
      podCIDR: podCIDRs[0],
      ...(raw.ipFamilies ? { ipFamilies: families } : {}),
      ...(families.length > 1 ? { podCIDRs } : {}),
    },
  }
}

/** Parses and validates a scenario file's text. */
export function parseScenario(text: string, file: string, readText: ReadText): ParseResult {
  const parsed = parseYaml(text, file)
  if (parsed.problems.length) return { ok: false, problems: parsed.problems }
  const wrong = notAScenario(parsed.value, parsed.source)
  if (wrong) return { ok: false, problems: [wrong] }
  // The schema reads `apply` entries too, so policies are checked even when the scenario's shape has problems.
  const r = makeScenarioSchema(applyEntrySchema(file, readText)).safeParse(parsed.value)
  if (!r.success) return { ok: false, problems: scenarioProblems(r.error, parsed.source) }
  return checkReferences(r.data, parsed.source)
}

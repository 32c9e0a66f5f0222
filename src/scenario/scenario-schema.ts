// Why: the shape of a scenario file (ARCHITECTURE.md 3.2) as a zod schema that also converts what needs no cross
// reference (durations, protocol defaults, probe targets, intent); `parse-*.ts` check the references afterwards.
import { z } from 'zod'
import { CALICO_KINDS, type CalicoKind, NAMESPACED_CALICO_KINDS } from '../model/calico.js'
import { type ContainerPort, ICMP_ECHO, isIcmp, type Protocol, type Target, type Via } from '../model/cluster.js'
import type { Expect } from '../model/scenario.js'
import type { ApplyEntrySchema } from './apply-entry.js'
import { chaosActionSchema, duringSchema, invariantsSchema } from './chaos-schema.js'
import { duration } from './duration.js'
import {
  checked,
  dns1123LabelError,
  dns1123SubdomainError,
  ipError,
  cidrError,
  labels,
  portNameError,
  portNumber,
  probeProtocol,
  protocol,
} from './fields.js'
import { strictObject } from './zod-issues.js'

/** Re-exported for the CLI, which imports it from here. */

const containerPort = strictObject({ name: checked(portNameError).optional(), port: portNumber, protocol: protocol.optional() }).transform(
  (p): ContainerPort => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? 'TCP' }),
)
/**
 * A pod's container ports. The API server only warns about a repeated port and protocol (pkg/api/pod/warnings.go,
 * "duplicate port definition") but rejects a repeated name (pkg/apis/core/validation validateContainerPorts); we
 * reject both: the harness serves each port from its own container, named after it, so a repeat cannot be created.
 */
const containerPorts = z.array(containerPort).superRefine((ports, ctx) => {
  const seen = new Map<string, number>()
  const names = new Map<string, number>()
  ports.forEach((p, i) => {
    const key = `${p.port}/${p.protocol}`
    const prev = seen.get(key)
    if (prev !== undefined) ctx.addIssue({ code: 'custom', path: [i], message: `port ${key} is already listed at ports[${prev}]` })
    else seen.set(key, i)
    if (p.name === undefined) return
    const named = names.get(p.name)
    if (named !== undefined)
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `port name "${p.name}" is already used at ports[${named}]` })
    else names.set(p.name, i)
  })
})
/** How a probe reaches its destination (docs/services.md). */
const via = z.enum(['pod-ip', 'service-ip', 'service-name', 'node-port'], {
  error: (i) => `via is pod-ip, service-ip, service-name or node-port (got ${JSON.stringify(i.input)})`,
})
/** One `via` or a list of them, each once. */
const vias = z.union([via.transform((v) => [v]), z.array(via).min(1, { error: 'via must not be empty' })]).superRefine((vs, ctx) => {
  vs.forEach((v, i) => {
    if (vs.indexOf(v) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `${v} is already listed` })
  })
})

/**
 * A target probed through each of `ways` (`pod-ip` leaves `via` out, so such a target is the one written before
 * Services); an ICMP echo stays on the pod's address whatever `ways` says (a step's `via` over inherited targets).
 */
export function targetVia(t: Target, ways: readonly Via[]): Target[] {
  const { via: _, ...base } = t
  if (isIcmp(t)) return [base]
  return ways.map((v) => (v === 'pod-ip' ? base : { ...base, via: v }))
}

/**
 * A probe target: `{port, protocol}` (TCP when omitted), or `{protocol: ICMP}`: an ICMP echo (ICMPv6 on an IPv6 cell),
 * which has no port and is probed on pod addresses only (a Service forwards no ICMP echo to its backends).
 */
const target = strictObject({ port: portNumber.optional(), protocol: probeProtocol.optional(), via: vias.optional() }).superRefine(
  (t, ctx) => {
    if (t.protocol === 'ICMP') {
      if (t.port !== undefined) ctx.addIssue({ code: 'custom', path: ['port'], message: 'an ICMP echo has no port: leave port out' })
      if (t.via?.some((v) => v !== 'pod-ip'))
        ctx.addIssue({ code: 'custom', path: ['via'], message: 'an ICMP echo is probed on pod addresses only (via: pod-ip)' })
    } else if (t.port === undefined)
      ctx.addIssue({ code: 'custom', path: ['port'], message: 'port is required (only protocol: ICMP has none)' })
  },
)
const targetsOf = (t: z.output<typeof target>): Target[] =>
  t.protocol === 'ICMP' ? [ICMP_ECHO] : targetVia({ port: t.port!, protocol: t.protocol ?? 'TCP' }, t.via ?? ['pod-ip'])

/** What a `probe` block sets; what it leaves unset is inherited (from the scenario's probe, or the default). */
export interface ProbeOverride {
  readonly targets?: readonly Target[]
  readonly timeoutMs?: number
  /** Every target (its own or inherited) is probed through each of these (a target's own `via` wins). */
  readonly via?: readonly Via[]
}

/** `ports: [80, 81], protocols: [TCP, UDP]` as targets: every port for each protocol in turn. */
function everyPair(ports: readonly number[], protocols: readonly Protocol[]): Target[] {
  return protocols.flatMap((protocol) => ports.map((port) => ({ port, protocol })))
}

const probeSchema = strictObject({
  targets: z.array(target).min(1, { error: 'targets must not be empty' }).optional(),
  via: vias.optional(),
  ports: z.array(portNumber).min(1, { error: 'ports must not be empty' }).optional(),
  protocols: z.array(protocol).min(1, { error: 'protocols must not be empty' }).optional(),
  timeout: duration.optional(),
})
  .superRefine((p, ctx) => {
    if (p.targets && (p.ports || p.protocols))
      ctx.addIssue({ code: 'custom', path: ['targets'], message: 'use either targets or ports/protocols, not both' })
    if (p.protocols && !p.ports) ctx.addIssue({ code: 'custom', path: ['protocols'], message: 'protocols needs ports' })
    if (p.via?.some((v) => v !== 'pod-ip') && p.targets?.some((t) => t.protocol === 'ICMP'))
      ctx.addIssue({
        code: 'custom',
        path: ['via'],
        message: 'an ICMP echo is probed on pod addresses only: give the other targets their own via',
      })
    if (p.via && p.targets?.some((t) => t.via))
      ctx.addIssue({ code: 'custom', path: ['via'], message: 'use via either on the probe or on its targets, not both' })
  })
  .transform(({ targets, ports, protocols, timeout, via }): ProbeOverride => {
    const set = targets?.flatMap(targetsOf) ?? (ports ? everyPair(ports, protocols ?? ['TCP']) : undefined)
    const ways = via && set ? set.flatMap((t) => targetVia(t, via)) : set
    return {
      ...(ways ? { targets: ways } : {}),
      ...(timeout !== undefined ? { timeoutMs: timeout } : {}),
      ...(via && !set ? { via } : {}),
    }
  })

/** An address family as Kubernetes spells it. */
const ipFamily = z.enum(['IPv4', 'IPv6'], { error: (i) => `an IP family is IPv4 or IPv6 (got ${JSON.stringify(i.input)})` })

/** `ipFamilies`: one or both families, each once, primary first (as a Service's `spec.ipFamilies`). */
const ipFamilies = z
  .array(ipFamily)
  .min(1, { error: 'ipFamilies must name at least one family' })
  .superRefine((fs, ctx) => {
    fs.forEach((f, i) => {
      if (fs.indexOf(f) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `${f} is already listed` })
    })
  })

/** `ips`: an endpoint's addresses, at most one per family (their families are checked against `ipFamilies` later). */
const ips = z
  .array(checked(ipError))
  .min(1, { error: 'ips must not be empty' })
  .max(2, { error: 'ips holds at most one address per family' })

const pod = strictObject({
  labels: labels.optional(),
  ports: containerPorts.optional(),
  ip: checked(ipError).optional(),
  ips: ips.optional(),
  node: checked(dns1123LabelError).optional(),
  /** The pod's service account (Calico's serviceAccounts and serviceAccountSelector match it; absent: `default`). */
  serviceAccount: checked(dns1123SubdomainError).optional(),
})

/** A Service port: `targetPort` defaults to `port` (as the API server defaults it), a name picks a container port by name. */
const servicePort = strictObject({
  name: checked(portNameError).optional(),
  port: portNumber,
  protocol: protocol.optional(),
  targetPort: z.union([portNumber, checked(portNameError)]).optional(),
  nodePort: z
    .number()
    .int()
    .min(30000, { error: 'nodePort must be in the default service-node-port-range 30000-32767' })
    .max(32767, { error: 'nodePort must be in the default service-node-port-range 30000-32767' })
    .optional(),
})

/** A Service (docs/services.md); the checks across ports and Services are in `parse-services.ts`. */
const service = strictObject({
  selector: labels,
  type: z.enum(['ClusterIP', 'NodePort'], { error: (i) => `type is ClusterIP or NodePort (got ${JSON.stringify(i.input)})` }).optional(),
  externalTrafficPolicy: z
    .enum(['Cluster', 'Local'], { error: (i) => `externalTrafficPolicy is Cluster or Local (got ${JSON.stringify(i.input)})` })
    .optional(),
  ports: z.array(servicePort).min(1, { error: 'a Service needs at least one port' }),
})

const namespace = strictObject({
  labels: labels.optional(),
  pods: z.record(checked(dns1123LabelError), pod.nullable()).optional(),
  services: z.record(checked(dns1123LabelError), service).optional(),
})

const external = strictObject({
  ip: checked(ipError).optional(),
  ips: ips.optional(),
  ports: z.array(containerPort).optional(),
}).superRefine((e, ctx) => {
  if (!e.ip && !e.ips) ctx.addIssue({ code: 'custom', path: ['ip'], message: 'an external needs ip (or ips, one per family)' })
})

const expectRule = strictObject({
  from: z.string().min(1),
  to: z.string().min(1),
  port: portNumber.optional(),
  protocol: probeProtocol.optional(),
  family: ipFamily.optional(),
  via: via.optional(),
  verdict: z.enum(['allow', 'deny'], { error: (i) => `verdict must be allow or deny (got ${JSON.stringify(i.input)})` }),
})

const expectSchema = strictObject({
  default: z.enum(['allow', 'deny'], { error: (i) => `default must be allow or deny (got ${JSON.stringify(i.input)})` }).optional(),
  rules: z.array(expectRule).optional(),
}).transform((e): Expect => ({ ...(e.default ? { default: e.default } : {}), rules: e.rules ?? [] }))

const stepName = z
  .string({ error: (i) => (i.input === undefined ? 'step name is required' : 'step name must be a string') })
  .min(1, { error: 'step name must not be empty' })
/** A NetworkPolicy by namespace and name, or a cluster policy (cluster-scoped, no namespace) by kind and name. */
const deletes = z.array(
  strictObject({
    /** `projectcalico.org/v3`: a Calico object by kind, name and (namespaced kinds) namespace. */
    apiVersion: z
      .literal('projectcalico.org/v3', { error: 'apiVersion in a delete entry is projectcalico.org/v3 (Calico kinds)' })
      .optional(),
    namespace: checked(dns1123LabelError).optional(),
    kind: z.string().optional(),
    name: z.string().min(1),
  }).superRefine((d, ctx) => {
    if (d.apiVersion !== undefined) {
      if (!d.kind || !(CALICO_KINDS as readonly string[]).includes(d.kind))
        ctx.addIssue({ code: 'custom', path: ['kind'], message: `kind must be one of ${CALICO_KINDS.join(', ')}` })
      else if (NAMESPACED_CALICO_KINDS.has(d.kind as CalicoKind) !== (d.namespace !== undefined))
        ctx.addIssue({
          code: 'custom',
          message: `a ${d.kind} is ${d.namespace === undefined ? 'namespaced: name its namespace' : 'cluster-scoped: leave namespace out'}`,
        })
      return
    }
    if (d.kind !== undefined && !['ClusterNetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'].includes(d.kind))
      ctx.addIssue({
        code: 'custom',
        path: ['kind'],
        message: `kind must be ClusterNetworkPolicy, AdminNetworkPolicy or BaselineAdminNetworkPolicy (got ${JSON.stringify(d.kind)}); Calico kinds need apiVersion: projectcalico.org/v3`,
      })
    else if ((d.namespace === undefined) === (d.kind === undefined))
      ctx.addIssue({ code: 'custom', message: 'name a NetworkPolicy by namespace and name, or a cluster policy by kind and name' })
  }),
)
const labelsByName = z.record(z.string(), labels)
const scenarioName = z
  .string({ error: (i) => (i.input === undefined ? 'name is required' : 'name must be a string') })
  .regex(/^[A-Za-z0-9][-A-Za-z0-9_.]*$/, { error: "name may contain letters, digits, '-', '_' and '.' only" })
const namespaces = z.record(checked(dns1123LabelError), namespace.nullable(), {
  error: (i) => (i.input === undefined ? 'namespaces is required (a map of namespace name to its labels and pods)' : undefined),
})
const externals = z.record(checked(dns1123LabelError), external)

/** The scenario file's schema; `apply` entries (of steps and of policy-churn) are read by `applyEntry` (the rest is built once). */
export function makeScenarioSchema(applyEntry: ApplyEntrySchema) {
  const step = strictObject({
    name: stepName,
    description: z.string().optional(),
    apply: z.array(applyEntry).optional(),
    delete: deletes.optional(),
    setPodLabels: labelsByName.optional(),
    setNamespaceLabels: labelsByName.optional(),
    probe: probeSchema.optional(),
    expect: expectSchema.optional(),
    chaos: z.array(chaosActionSchema(applyEntry)).min(1, { error: 'chaos must list at least one action' }).optional(),
    during: duringSchema.optional(),
    invariants: invariantsSchema.optional(),
  })
  return strictObject({
    name: scenarioName,
    description: z.string().optional(),
    tags: z.array(z.string()).optional(),
    ipFamilies: ipFamilies.optional(),
    podCIDR: z.union([checked(cidrError), z.array(checked(cidrError)).min(1, { error: 'podCIDR must not be empty' }).max(2)]).optional(),
    namespaces,
    externals: externals.optional(),
    probe: probeSchema.optional(),
    steps: z
      .array(step, { error: (i) => (i.input === undefined ? 'steps is required (a list of steps)' : undefined) })
      .min(1, { error: 'a scenario needs at least one step' }),
  })
}

/** A scenario as the schema yields it, before references are checked. */
export type RawScenario = z.output<ReturnType<typeof makeScenarioSchema>>
/** One step as the schema yields it. */
export type RawStep = RawScenario['steps'][number]

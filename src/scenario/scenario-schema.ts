// Why: the shape of a scenario file (ARCHITECTURE.md 3.2) as a zod schema; policies are checked separately.
import { z } from 'zod'
import type { DuringSpec, Invariants } from '../model/scenario.js'
import { duration, duration0 } from './duration.js'
import { checked, dns1123LabelError, ipError, cidrError, labels, portNameError, portNumber, protocol, strictObject } from './fields.js'

export { parseDuration } from './duration.js'

const containerPort = strictObject({ name: checked(portNameError).optional(), port: portNumber, protocol: protocol.optional() })
const target = strictObject({ port: portNumber, protocol: protocol.optional() })

export const probeSchema = strictObject({
  targets: z.array(target).min(1, { error: 'targets must not be empty' }).optional(),
  ports: z.array(portNumber).min(1, { error: 'ports must not be empty' }).optional(),
  protocols: z.array(protocol).min(1, { error: 'protocols must not be empty' }).optional(),
  timeout: duration.optional(),
}).superRefine((p, ctx) => {
  if (p.targets && (p.ports || p.protocols)) ctx.addIssue({ code: 'custom', path: ['targets'], message: 'use either targets or ports/protocols, not both' })
  if (p.protocols && !p.ports) ctx.addIssue({ code: 'custom', path: ['protocols'], message: 'protocols needs ports' })
})

const pod = strictObject({
  labels: labels.optional(),
  ports: z.array(containerPort).optional(),
  ip: checked(ipError).optional(),
  node: checked(dns1123LabelError).optional(),
})

const namespace = strictObject({
  labels: labels.optional(),
  pods: z.record(checked(dns1123LabelError), pod.nullable()).optional(),
})

const external = strictObject({
  ip: checked(ipError),
  ports: z.array(containerPort).optional(),
})

const expectRule = strictObject({
  from: z.string().min(1),
  to: z.string().min(1),
  port: portNumber.optional(),
  protocol: protocol.optional(),
  verdict: z.enum(['allow', 'deny'], { error: (i) => `verdict must be allow or deny (got ${JSON.stringify(i.input)})` }),
})

const nodeRef = z.string().min(1)
const chaosAction = z.discriminatedUnion(
  'action',
  [
    strictObject({ action: z.literal('restart-agent'), node: nodeRef.default('all'), downFor: duration.prefault('2s') }),
    strictObject({ action: z.literal('flush-dataplane'), node: nodeRef.default('all') }),
    strictObject({ action: z.literal('recreate-pod'), pod: z.string().regex(/^[^/]+\/[^/]+$/, { error: 'pod must be namespace/name' }) }),
    strictObject({ action: z.literal('relabel'), pod: z.string().regex(/^[^/]+\/[^/]+$/, { error: 'pod must be namespace/name' }).optional(), namespace: checked(dns1123LabelError).optional(), labels: labels }),
    strictObject({ action: z.literal('restart-node'), node: nodeRef, downFor: duration.prefault('2s') }),
    strictObject({ action: z.literal('policy-churn'), apply: z.array(z.unknown()).min(1, { error: 'policy-churn needs policies under apply' }), times: z.number().int().min(1).max(1000).default(10), interval: duration.prefault('100ms') }),
    strictObject({ action: z.literal('packet-loss'), node: nodeRef.default('all'), percent: z.number().min(0).max(100), for: duration.prefault('5s') }),
  ],
  { error: (i) => (i.code === 'invalid_union' ? `unknown chaos action ${JSON.stringify((i.input as { action?: unknown })?.action)} (known: restart-agent, flush-dataplane, recreate-pod, relabel, restart-node, policy-churn, packet-loss)` : undefined) },
)

const during = strictObject({
  interval: duration.prefault('200ms'),
  timeout: duration.prefault('500ms'),
  settle: duration.prefault('30s'),
  cells: z.array(strictObject({ from: z.string().min(1), to: z.string().min(1), port: portNumber.optional(), protocol: protocol.optional() })).optional(),
}).transform((d): DuringSpec => ({ intervalMs: d.interval, timeoutMs: d.timeout, settleMs: d.settle, cells: d.cells ?? [] }))

/** How a chaos step samples when it has no `during`. */
export const DEFAULT_DURING: DuringSpec = during.parse({})

const invariants = strictObject({ maxFailOpen: duration0.optional(), maxFailClosed: duration0.optional(), maxRecovery: duration0.optional() }).transform(
  (i): Invariants => ({
    ...(i.maxFailOpen !== undefined ? { maxFailOpenMs: i.maxFailOpen } : {}),
    ...(i.maxFailClosed !== undefined ? { maxFailClosedMs: i.maxFailClosed } : {}),
    ...(i.maxRecovery !== undefined ? { maxRecoveryMs: i.maxRecovery } : {}),
  }),
)

const step = strictObject({
  name: z.string({ error: (i) => (i.input === undefined ? 'step name is required' : 'step name must be a string') }).min(1, { error: 'step name must not be empty' }),
  description: z.string().optional(),
  apply: z.array(z.unknown()).optional(),
  delete: z.array(strictObject({ namespace: checked(dns1123LabelError), name: z.string().min(1) })).optional(),
  setPodLabels: z.record(z.string(), labels).optional(),
  setNamespaceLabels: z.record(z.string(), labels).optional(),
  probe: probeSchema.optional(),
  expect: strictObject({
    default: z.enum(['allow', 'deny'], { error: (i) => `default must be allow or deny (got ${JSON.stringify(i.input)})` }).optional(),
    rules: z.array(expectRule).optional(),
  }).optional(),
  chaos: z.array(chaosAction).min(1, { error: 'chaos must list at least one action' }).optional(),
  during: during.optional(),
  invariants: invariants.optional(),
})

export const scenarioSchema = strictObject({
  name: z.string({ error: (i) => (i.input === undefined ? 'name is required' : 'name must be a string') }).regex(/^[A-Za-z0-9][-A-Za-z0-9_.]*$/, { error: "name may contain letters, digits, '-', '_' and '.' only" }),
  description: z.string().optional(),
  tags: z.array(z.string()).optional(),
  podCIDR: checked(cidrError).optional(),
  namespaces: z.record(checked(dns1123LabelError), namespace.nullable(), { error: (i) => (i.input === undefined ? 'namespaces is required (a map of namespace name to its labels and pods)' : undefined) }),
  externals: z.record(checked(dns1123LabelError), external).optional(),
  probe: probeSchema.optional(),
  steps: z.array(step, { error: (i) => (i.input === undefined ? 'steps is required (a list of steps)' : undefined) }).min(1, { error: 'a scenario needs at least one step' }),
})

export type RawScenario = z.infer<typeof scenarioSchema>
export type RawStep = RawScenario['steps'][number]
export type RawProbe = z.infer<typeof probeSchema>

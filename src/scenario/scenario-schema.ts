// Why: the shape of a scenario file (ARCHITECTURE.md 3.2) as a zod schema; policies are checked separately.
import { z } from 'zod'
import { checked, dns1123LabelError, ipError, cidrError, labels, portNameError, portNumber, protocol, strictObject } from './fields.js'

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)$/

/** Parses `500ms`, `1s`, `1.5s`, `2m` into milliseconds; undefined when malformed. */
export function parseDuration(s: string | number): number | undefined {
  if (typeof s === 'number') return s > 0 ? s * 1000 : undefined
  const m = DURATION.exec(s.trim())
  if (!m) return undefined
  const n = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60000)
  return n > 0 ? Math.round(n) : undefined
}

const duration = z.union([z.string(), z.number()]).superRefine((v, ctx) => {
  if (parseDuration(v) === undefined) ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(v)} (use e.g. 500ms, 1s, 2m)` })
})

/** A duration that may be zero (limits such as maxFailOpen: 0). */
const duration0 = z.union([z.string(), z.number()]).superRefine((v, ctx) => {
  if (v !== 0 && v !== '0' && !/^0+(ms|s|m)$/.test(String(v)) && parseDuration(v) === undefined) ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(v)} (use e.g. 0, 500ms, 2s)` })
})

/** Milliseconds of a duration that may be zero. */
export function parseDuration0(v: string | number): number {
  return v === 0 || /^0+(ms|s|m)?$/.test(String(v).trim()) ? 0 : parseDuration(v)!
}

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
    strictObject({ action: z.literal('restart-agent'), node: nodeRef.default('all'), downFor: duration.default('2s') }),
    strictObject({ action: z.literal('flush-dataplane'), node: nodeRef.default('all') }),
    strictObject({ action: z.literal('recreate-pod'), pod: z.string().regex(/^[^/]+\/[^/]+$/, { error: 'pod must be namespace/name' }) }),
    strictObject({ action: z.literal('relabel'), pod: z.string().regex(/^[^/]+\/[^/]+$/, { error: 'pod must be namespace/name' }).optional(), namespace: checked(dns1123LabelError).optional(), labels: labels }),
    strictObject({ action: z.literal('restart-node'), node: nodeRef, downFor: duration.default('2s') }),
    strictObject({ action: z.literal('policy-churn'), apply: z.array(z.unknown()).min(1, { error: 'policy-churn needs policies under apply' }), times: z.number().int().min(1).max(1000).default(10), interval: duration.default('100ms') }),
    strictObject({ action: z.literal('packet-loss'), node: nodeRef.default('all'), percent: z.number().min(0).max(100), for: duration.default('5s') }),
  ],
  { error: (i) => (i.code === 'invalid_union' ? `unknown chaos action ${JSON.stringify((i.input as { action?: unknown })?.action)} (known: restart-agent, flush-dataplane, recreate-pod, relabel, restart-node, policy-churn, packet-loss)` : undefined) },
)

const during = strictObject({
  interval: duration.default('200ms'),
  timeout: duration.default('500ms'),
  settle: duration.default('30s'),
  cells: z.array(strictObject({ from: z.string().min(1), to: z.string().min(1), port: portNumber.optional(), protocol: protocol.optional() })).optional(),
})

const invariants = strictObject({ maxFailOpen: duration0.optional(), maxFailClosed: duration0.optional(), maxRecovery: duration0.optional() })

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

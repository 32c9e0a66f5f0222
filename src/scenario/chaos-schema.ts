// Why: the chaos part of a step as zod schemas: the fault actions (a tagged union), how a step samples while they
// last, and its limits; durations come out in milliseconds.
import { z } from 'zod'
import type { DuringSpec, Invariants } from '../model/scenario.js'
import type { ApplyEntrySchema } from './apply-entry.js'
import { duration, duration0 } from './duration.js'
import { checked, dns1123LabelError, labels, portNumber, probeProtocol } from './fields.js'
import { strictObject } from './zod-issues.js'

const nodeRef = z.string().min(1)
const podRef = z.string().regex(/^[^/]+\/[^/]+$/, { error: 'pod must be namespace/name' })

const restartAgent = strictObject({ action: z.literal('restart-agent'), node: nodeRef.default('all'), downFor: duration.prefault('2s') })
const flushDataplane = strictObject({ action: z.literal('flush-dataplane'), node: nodeRef.default('all') })
const recreatePod = strictObject({ action: z.literal('recreate-pod'), pod: podRef })
const relabel = strictObject({
  action: z.literal('relabel'),
  pod: podRef.optional(),
  namespace: checked(dns1123LabelError).optional(),
  labels: labels,
})
const restartNode = strictObject({ action: z.literal('restart-node'), node: nodeRef, downFor: duration.prefault('2s') })
const churnTimes = z.number().int().min(1).max(1000).default(10)
const churnInterval = duration.prefault('100ms')
const packetLoss = strictObject({
  action: z.literal('packet-loss'),
  node: nodeRef.default('all'),
  percent: z.number().min(0).max(100),
  for: duration.prefault('5s'),
})
const KNOWN = 'restart-agent, flush-dataplane, recreate-pod, relabel, restart-node, policy-churn, packet-loss'

/** A step's `chaos` entry; policy-churn's `apply` entries are read by `applyEntry` (the rest is built once). */
export function chaosActionSchema(applyEntry: ApplyEntrySchema) {
  const policyChurn = strictObject({
    action: z.literal('policy-churn'),
    apply: z.array(applyEntry).min(1, { error: 'policy-churn needs policies under apply' }),
    times: churnTimes,
    interval: churnInterval,
  })
  return z.discriminatedUnion('action', [restartAgent, flushDataplane, recreatePod, relabel, restartNode, policyChurn, packetLoss], {
    error: (i) =>
      i.code === 'invalid_union'
        ? `unknown chaos action ${JSON.stringify((i.input as { action?: unknown })?.action)} (known: ${KNOWN})`
        : undefined,
  })
}

/** A step's `during`, as the model's DuringSpec. */
export const duringSchema = strictObject({
  interval: duration.prefault('200ms'),
  timeout: duration.prefault('500ms'),
  settle: duration.prefault('30s'),
  cells: z
    .array(
      strictObject({
        from: z.string().min(1),
        to: z.string().min(1),
        port: portNumber.optional(),
        protocol: probeProtocol.optional(),
        family: z.enum(['IPv4', 'IPv6']).optional(),
      }),
    )
    .optional(),
}).transform((d): DuringSpec => ({ intervalMs: d.interval, timeoutMs: d.timeout, settleMs: d.settle, cells: d.cells ?? [] }))

/** How a chaos step samples when it has no `during`. */
export const DEFAULT_DURING: DuringSpec = duringSchema.parse({})

/** A step's `invariants`, as the model's Invariants (absent limits stay absent). */
export const invariantsSchema = strictObject({
  maxFailOpen: duration0.optional(),
  maxFailClosed: duration0.optional(),
  maxRecovery: duration0.optional(),
}).transform((i): Invariants => ({
  ...(i.maxFailOpen !== undefined ? { maxFailOpenMs: i.maxFailOpen } : {}),
  ...(i.maxFailClosed !== undefined ? { maxFailClosedMs: i.maxFailClosed } : {}),
  ...(i.maxRecovery !== undefined ? { maxRecoveryMs: i.maxRecovery } : {}),
}))

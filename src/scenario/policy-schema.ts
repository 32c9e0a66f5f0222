// Why: validate a NetworkPolicy object the way the API server would, reporting every problem with its path.
import { z } from 'zod'
import type { NetworkPolicy } from '../model/policy.js'
import { isStrictSubnet, parseCidr } from '../evaluator/ip.js'
import {
  checked,
  cidrError,
  dns1123LabelError,
  dns1123SubdomainError,
  labelKeyError,
  labelValueError,
  annotations,
  labels,
  portNameError,
  portNumber,
  protocol,
} from './fields.js'
import { k8sObject } from './k8s-object.js'

const selectorRequirement = k8sObject({
  key: checked(labelKeyError),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist'], {
    error: (i) => `operator must be In, NotIn, Exists or DoesNotExist (got ${JSON.stringify(i.input)})`,
  }),
  values: z.array(z.string({ error: 'selector values must be strings; quote it' })).optional(),
}).superRefine((req, ctx) => {
  const n = req.values?.length ?? 0
  if ((req.operator === 'In' || req.operator === 'NotIn') && n === 0)
    ctx.addIssue({ code: 'custom', path: ['values'], message: `values must be non-empty when operator is ${req.operator}` })
  if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && n > 0)
    ctx.addIssue({ code: 'custom', path: ['values'], message: `values must be empty when operator is ${req.operator}` })
  req.values?.forEach((v, i) => {
    const e = labelValueError(v)
    if (e) ctx.addIssue({ code: 'custom', path: ['values', i], message: e })
  })
})

/** A label selector: matchLabels and matchExpressions (cluster-policy-schema.ts uses it too). */
export const labelSelector = k8sObject({
  matchLabels: labels.optional(),
  matchExpressions: z.array(selectorRequirement).optional(),
})

/** Options for the few checks `lint` turns into findings instead of input errors. */
export interface PolicySchemaOptions {
  /** The API server rejects an `except` outside its `cidr`; lint reports it as a finding instead. */
  readonly exceptInsideCidr: boolean
  /** Scenarios must name the namespace; plain manifests may leave it to `kubectl -n` (lint assumes `default`). */
  readonly namespaceRequired: boolean
}

const ipBlockOf = (opts: PolicySchemaOptions) =>
  k8sObject({
    cidr: checked(cidrError),
    except: z.array(checked(cidrError)).optional(),
  }).superRefine((b, ctx) => {
    if (!opts.exceptInsideCidr || cidrError(b.cidr)) return
    const outer = parseCidr(b.cidr)
    b.except?.forEach((ex, i) => {
      if (cidrError(ex)) return
      if (!isStrictSubnet(parseCidr(ex), outer))
        ctx.addIssue({ code: 'custom', path: ['except', i], message: `except "${ex}" must be a strict subset of cidr "${b.cidr}"` })
    })
  })

const peerOf = (opts: PolicySchemaOptions) =>
  k8sObject({
    podSelector: labelSelector.optional(),
    namespaceSelector: labelSelector.optional(),
    ipBlock: ipBlockOf(opts).optional(),
  }).superRefine((p, ctx) => {
    const selectors = (p.podSelector ? 1 : 0) + (p.namespaceSelector ? 1 : 0)
    if (!p.ipBlock && selectors === 0)
      ctx.addIssue({ code: 'custom', message: 'a peer must set podSelector, namespaceSelector or ipBlock' })
    if (p.ipBlock && selectors > 0)
      ctx.addIssue({ code: 'custom', path: ['ipBlock'], message: 'ipBlock may not be combined with podSelector or namespaceSelector' })
  })

const policyPort = k8sObject({
  protocol: protocol.optional(),
  port: z
    .union([portNumber, checked(portNameError)], {
      error: (i) => `port must be a number from 1 to 65535 or a port name (got ${JSON.stringify(i.input)})`,
    })
    .optional(),
  endPort: portNumber.optional(),
}).superRefine((p, ctx) => {
  if (p.endPort === undefined) return
  if (p.port === undefined)
    ctx.addIssue({ code: 'custom', path: ['endPort'], message: 'endPort may only be set together with a numeric port' })
  else if (typeof p.port === 'string')
    ctx.addIssue({ code: 'custom', path: ['endPort'], message: `endPort may not be used with the named port "${p.port}"` })
  else if (p.endPort < p.port)
    ctx.addIssue({ code: 'custom', path: ['endPort'], message: `endPort (${p.endPort}) must be greater than or equal to port (${p.port})` })
})

const specOf = (opts: PolicySchemaOptions) => {
  const peer = peerOf(opts)
  const ingressRule = k8sObject({ from: z.array(peer).optional(), ports: z.array(policyPort).optional() })
  const egressRule = k8sObject({ to: z.array(peer).optional(), ports: z.array(policyPort).optional() })
  return k8sObject({
    // Optional: the Go field is a non-pointer struct, so a missing podSelector is the empty one (every pod).
    podSelector: labelSelector.prefault({}),
    // Upstream ValidateNetworkPolicySpec only rejects more than two entries or values other than Ingress/Egress;
    // duplicates (`[Ingress, Ingress]`) are accepted.
    policyTypes: z
      .array(
        z.enum(['Ingress', 'Egress'], { error: (i) => `policyTypes entries must be Ingress or Egress (got ${JSON.stringify(i.input)})` }),
      )
      .max(2, { error: 'policyTypes has at most two entries' })
      .optional(),
    ingress: z.array(ingressRule).optional(),
    egress: z.array(egressRule).optional(),
  })
}

/** A networking.k8s.io/v1 NetworkPolicy schema with the given options; it yields the model's `NetworkPolicy` (checked by the compiler). */
export const makeNetworkPolicySchema = (opts: PolicySchemaOptions): z.ZodType<NetworkPolicy> =>
  k8sObject(
    {
      apiVersion: z.literal('networking.k8s.io/v1', {
        error: (i) => `apiVersion must be networking.k8s.io/v1 (got ${JSON.stringify(i.input)})`,
      }),
      kind: z.literal('NetworkPolicy', { error: (i) => `kind must be NetworkPolicy (got ${JSON.stringify(i.input)})` }),
      metadata: k8sObject({
        name: checked(dns1123SubdomainError),
        namespace: opts.namespaceRequired ? checked(dns1123LabelError) : checked(dns1123LabelError).default('default'),
        labels: labels.optional(),
        annotations: annotations.optional(),
      }),
      // A missing spec is the zero spec (an empty podSelector), which the API server accepts.
      spec: specOf(opts).prefault({}),
    },
    { nullIsEmpty: false },
  )

/** A NetworkPolicy as the API server validates it; `metadata.namespace` is required in scenarios. */
export const networkPolicySchema = makeNetworkPolicySchema({ exceptInsideCidr: true, namespaceRequired: true })

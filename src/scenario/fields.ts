// Why: the API server's syntax rules for names, labels, ports and CIDRs, as reusable zod schemas.
import { z } from 'zod'
import { addressSyntaxError, cidrSyntaxError } from './ip-syntax.js'

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/

/** Returns why `s` is not a DNS-1123 label, or undefined. */
export function dns1123LabelError(s: string): string | undefined {
  if (s.length > 63) return 'must be at most 63 characters'
  if (!DNS1123_LABEL.test(s))
    return "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"
  return undefined
}

/** Returns why `s` is not a DNS-1123 subdomain (policy names), or undefined. */
export function dns1123SubdomainError(s: string): string | undefined {
  if (s.length > 253) return 'must be at most 253 characters'
  if (!DNS1123_SUBDOMAIN.test(s))
    return "must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
  return undefined
}

/** Label keys: optional DNS-1123 subdomain prefix and '/', then a name of at most 63 characters. */
export function labelKeyError(key: string): string | undefined {
  const parts = key.split('/')
  if (parts.length > 2) return `label key "${key}" has more than one '/'`
  const name = parts[parts.length - 1]
  if (parts.length === 2) {
    if (parts[0] === '') return `label key "${key}" has an empty prefix`
    const e = dns1123SubdomainError(parts[0])
    if (e) return `label key prefix "${parts[0]}" ${e}`
  }
  if (name.length === 0 || name.length > 63) return `label key name "${name}" must be 1 to 63 characters`
  if (!QUALIFIED_NAME.test(name))
    return `label key "${key}" must consist of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`
  return undefined
}

/** Label values: empty, or at most 63 alphanumerics, '-', '_' or '.', alphanumeric at both ends. */
export function labelValueError(value: string): string | undefined {
  if (value.length > 63) return `label value "${value}" must be at most 63 characters`
  if (!LABEL_VALUE.test(value))
    return `label value "${value}" must be empty or alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`
  return undefined
}

/** IANA_SVC_NAME: at most 15 characters, lowercase alphanumerics and '-', at least one letter, no '--'. */
export function portNameError(name: string): string | undefined {
  if (name.length > 15) return `port name "${name}" must be at most 15 characters`
  if (!IANA_SVC_NAME.test(name)) return `port name "${name}" must be lowercase letters, digits and '-', not starting or ending with '-'`
  if (name.includes('--')) return `port name "${name}" must not contain '--'`
  if (!/[a-z]/.test(name)) return `port name "${name}" must contain at least one letter`
  return undefined
}

/** Validates `a.b.c.d/n` or an IPv6 CIDR as the API server does (see ip-syntax.ts); host bits may be set. */
export function cidrError(s: string): string | undefined {
  const e = cidrSyntaxError(s)
  return e ? `"${s}" is not a valid CIDR: ${e}` : undefined
}

/** Returns why `s` is not a single IPv4 or IPv6 address as the API server reads one (see ip-syntax.ts), or undefined. */
export function ipError(s: string): string | undefined {
  const e = addressSyntaxError(s)
  return e ? `"${s}" is not a valid IP address: ${e}` : undefined
}

/** A string checked by a `...Error` function. */
export function checked(fn: (s: string) => string | undefined) {
  return z.string().superRefine((s, ctx) => {
    const e = fn(s)
    if (e) ctx.addIssue({ code: 'custom', message: e })
  })
}

/** Labels: string keys and string values, each checked as the API server does. */
export const labels = z
  .record(z.string(), z.string({ error: (i) => `label values must be strings (got ${typeof i.input}); quote it` }))
  .superRefine((obj, ctx) => {
    for (const [k, v] of Object.entries(obj)) {
      const ke = labelKeyError(k)
      if (ke) ctx.addIssue({ code: 'custom', message: ke, path: [k] })
      else if (typeof v === 'string') {
        const ve = labelValueError(v)
        if (ve) ctx.addIssue({ code: 'custom', message: ve, path: [k] })
      }
    }
  })

/** apimachinery api/validation/objectmeta.go TotalAnnotationSizeLimitB: keys and values together, in bytes. */
const ANNOTATIONS_MAX_BYTES = 256 * 1024

/**
 * Annotations as apimachinery api/validation/objectmeta.go ValidateAnnotations checks them: every key a qualified
 * name once lowercased (so `Example.COM/Key` is fine), values free, at most 256 KiB in all.
 */
export const annotations = z
  .record(z.string(), z.string({ error: (i) => `annotation values must be strings (got ${typeof i.input}); quote it` }))
  .superRefine((obj, ctx) => {
    let size = 0
    for (const [k, v] of Object.entries(obj)) {
      const ke = labelKeyError(k.toLowerCase())
      if (ke) ctx.addIssue({ code: 'custom', message: ke.replace(/^label key/, 'annotation key'), path: [k] })
      size += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0)
    }
    if (size > ANNOTATIONS_MAX_BYTES) ctx.addIssue({ code: 'custom', message: `annotations may total at most 256 KiB (got ${size} bytes)` })
  })

/** A NetworkPolicy protocol. */
export const protocol = z.enum(['TCP', 'UDP', 'SCTP'], {
  error: (i) => `protocol must be TCP, UDP or SCTP (got ${JSON.stringify(i.input)})`,
})

/** What a probe target (or an expect rule, a chaos sample) names: a NetworkPolicy protocol, or ICMP (an echo, no port). */
export const probeProtocol = z.enum(['TCP', 'UDP', 'SCTP', 'ICMP'], {
  error: (i) => `protocol must be TCP, UDP, SCTP or ICMP (got ${JSON.stringify(i.input)})`,
})

/** A port number, 1 to 65535. */
export const portNumber = z
  .number({ error: (i) => `port must be a number from 1 to 65535 (got ${JSON.stringify(i.input)})` })
  .int({ error: 'port must be a whole number' })
  .min(1, { error: 'port must be from 1 to 65535' })
  .max(65535, { error: 'port must be from 1 to 65535' })

/** Re-exported for `lint/load.ts`, which imports it from here. */

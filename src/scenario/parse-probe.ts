// Why: how the scenario and each step probe (what a step leaves unset is inherited), and what pods serve by default.
import type { ContainerPort, IPFamily } from '../model/cluster.js'
import type { ProbeSpec } from '../model/scenario.js'
import { type ProbeOverride, targetVia } from './scenario-schema.js'
import { dedupeTargets } from './targets.js'

/** How a scenario without `probe` probes: TCP port 80, one second per connection. */
export const DEFAULT_PROBE: ProbeSpec = { targets: [{ port: 80, protocol: 'TCP' }], timeoutMs: 1000 }

/** `raw` over `base`: what it sets replaces, the rest is inherited; `base` itself when nothing is set. */
export function resolveProbe(raw: ProbeOverride | undefined, base: ProbeSpec): ProbeSpec {
  if (!raw) return base
  // `via` alone: the inherited targets, each probed through every way listed.
  const targets =
    raw.targets ??
    (raw.via ? dedupeTargets(base.targets.map(({ via: _, ...t }) => t)).flatMap((t) => targetVia(t, raw.via!)) : base.targets)
  return { targets: dedupeTargets(targets), timeoutMs: raw.timeoutMs ?? base.timeoutMs }
}

/** The container ports of a pod that declares none: one per target of any probe (ICMP aside), named as the Kubernetes e2e suite does. */
export function servePorts(probes: readonly ProbeSpec[]): ContainerPort[] {
  return dedupeTargets(probes.flatMap((p) => p.targets.filter((t) => !t.via))).flatMap((t) =>
    t.protocol === 'ICMP' ? [] : [{ name: `serve-${t.port}-${t.protocol.toLowerCase()}`, port: t.port, protocol: t.protocol }],
  )
}

/** A dual-stack scenario probes every target on each family, in turn (`80/TCP/IPv4`, `80/TCP/IPv6`); one family: as is. */
export function perFamily(spec: ProbeSpec, families: readonly IPFamily[]): ProbeSpec {
  if (families.length < 2) return spec
  return { ...spec, targets: spec.targets.flatMap((t) => families.map((family) => ({ ...t, family }))) }
}

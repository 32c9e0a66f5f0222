// Why: probe targets once each, in order of first use: a probe's own list, and every target a scenario uses (what pods must serve).
import { type Protocol, type Target, targetId } from '../model/cluster.js'
import type { Scenario } from '../model/scenario.js'

/** `targets` without repeats (same port and protocol), first occurrence kept. */
export function dedupeTargets<T extends Target>(targets: readonly T[]): T[] {
  const seen = new Set<string>()
  return targets.filter((t) => {
    const k = targetId(t)
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/**
 * Every port and protocol a scenario probes on pod addresses (its own targets and its steps'), once each whatever the
 * family (an ICMP echo aside: the kernel answers it), and every targetPort of its Services (a name as the pods' container ports of that name): what pods serve.
 */
export function uniqueTargets(s: Scenario): (Target & { readonly protocol: Protocol })[] {
  const all = [...s.probe.targets, ...s.steps.flatMap((st) => st.probe.targets)].flatMap((t) =>
    t.via || t.protocol === 'ICMP' ? [] : [{ port: t.port, protocol: t.protocol }],
  )
  const backends = (s.services ?? []).flatMap((svc) =>
    svc.ports.flatMap((p) =>
      typeof p.targetPort === 'number'
        ? [{ port: p.targetPort, protocol: p.protocol }]
        : s.pods.flatMap((pod) => pod.ports.filter((cp) => cp.name === p.targetPort && cp.protocol === p.protocol)),
    ),
  )
  return dedupeTargets([...all, ...backends].map((t) => ({ port: t.port, protocol: t.protocol })))
}

// Why: what was tested, in words every output shares (issue 15): the driver, its CNI and versions, and every option
// that changes what a run does; a fault-injected run is marked as such, and two runs that differ say so. Pure.
import type { RunReport } from './model.js'

type Driver = RunReport['driver']
type Options = RunReport['options']

/** `1500 ms` as `1.5s`, `30000` as `30s`, `200` as `200ms`: the way the flags take durations. */
function duration(ms: number): string {
  return ms >= 1000 && ms % 100 === 0 ? `${ms / 1000}s` : `${ms}ms`
}

/** `local (chosen by auto: kind not usable here ...)` or `kind (--driver kind)`. */
export function driverChoiceText(d: Driver): string {
  if (!d.chosenBy) return d.name
  return `${d.name} (${d.chosenBy === 'auto' ? `chosen by auto: ${d.reason ?? 'the best this machine can run'}` : (d.reason ?? `--driver ${d.name}`)})`
}

/** The versions as `name value` pairs, `, `-separated ('none known' when there are none). */
export function versionsText(v: Readonly<Record<string, string>>): string {
  return (
    Object.entries(v)
      .map(([k, x]) => (x.toLowerCase().startsWith(k.toLowerCase()) ? x : `${k} ${x}`))
      .join(', ') || 'none known'
  )
}

/** The faults injected: `none`, or their `--fault` specs. `not recorded` for a report written before they were. */
export function faultsText(o: Options): string {
  return o.faults === undefined ? 'not recorded' : o.faults.length ? o.faults.join(', ') : 'none'
}

/** Whether the run injected dataplane faults on purpose (its disagreements are expected, not a CNI regression). */
export function isFaultInjected(o: Options): boolean {
  return (o.faults?.length ?? 0) > 0
}

/**
 * The first line of a run (and of `run --dry-run`), on stderr before any scenario starts: driver and why, CNI and
 * versions as far as known, and what is specific to the driver (nodes and faults; the cluster asked for).
 */
export function whatIsTestedLine(version: string, d: Driver, o: Options): string {
  const parts = [
    `netpol-harness ${version}: driver ${driverChoiceText(d)}`,
    `CNI: ${d.cni}`,
    `versions: ${Object.keys(d.versions).length ? versionsText(d.versions) : 'known once the cluster answers'}`,
  ]
  if (o.nodes !== undefined) parts.push(`${o.nodes} node${o.nodes === 1 ? '' : 's'}, faults: ${faultsText(o)}`)
  else if (o.faults !== undefined) parts.push(`faults: ${faultsText(o)}`)
  if (o.kind)
    parts.push(
      `cluster ${o.kind.name}: ${o.kind.workers} worker${o.kind.workers === 1 ? '' : 's'}, node image ${o.kind.image ?? "kind's default"}`,
    )
  if (o.kube) parts.push(`context ${o.kube.context}`)
  return parts.join('; ')
}

/** Every recorded option as label and value, in a fixed order (report.md, report.html, junit.xml, `run --dry-run`). */
export function optionEntries(o: Options): [string, string][] {
  const e: [string, string][] = []
  if (o.driverRequested) e.push(['driver requested', o.driverRequested])
  e.push(['settle', duration(o.settleMs)], ['re-probes', String(o.reprobes)], ['round interval', duration(o.roundIntervalMs)])
  if (o.enforceWithinMs !== undefined) e.push(['enforce within', duration(o.enforceWithinMs)])
  if (o.adaptiveTimeout !== undefined)
    e.push([
      'adaptive timeout',
      o.adaptiveTimeout ? `${o.adaptiveTimeout.factor} x p99, at least ${duration(o.adaptiveTimeout.floorMs)}` : 'off',
    ])
  if (o.parallel !== undefined) e.push(['parallel', String(o.parallel)])
  if (o.hairpin !== undefined) e.push(['hairpin', o.hairpin])
  if (o.tags !== undefined) e.push(['tags', o.tags.length ? o.tags.join(', ') : 'all'])
  if (o.skipTags?.length) e.push(['skip tags', o.skipTags.join(', ')])
  if (o.faults !== undefined) e.push(['faults', faultsText(o)])
  if (o.nodes !== undefined) e.push(['nodes', String(o.nodes)])
  if (o.resyncMs !== undefined) e.push(['resync', duration(o.resyncMs)])
  if (o.kind) {
    const k = o.kind
    e.push(
      ['kind cluster', `${k.name}, ${k.workers} workers, ${k.keep ? 'kept' : 'deleted after the run if created'}, wait ${k.waitSeconds}s`],
      [
        'Calico',
        `${k.calicoVersion} (${k.dataplane} dataplane${k.ipFamily === 'dual' ? ', dual-stack' : ''})${k.calicoManifest ? `, manifest ${k.calicoManifest}` : ''}${k.calicoSha256 ? `, sha256 ${k.calicoSha256}` : ''}`,
      ],
      ['node image', k.image ?? "kind's default"],
      ...(k.kubeProxyMode ? [['kube-proxy mode', k.kubeProxyMode] as [string, string]] : []),
    )
  }
  if (o.kube)
    e.push([
      'kube',
      `context ${o.kube.context}${o.kube.kubeconfig ? `, kubeconfig ${o.kube.kubeconfig}` : ''}${o.kube.allowExistingCluster ? ', existing cluster allowed' : ''}`,
    ])
  return e
}

/**
 * What differs between two runs besides their results: driver, CNI, and each option (`faults: packet-loss=10 vs none`),
 * so a comparison never reads a fault-injected or differently configured run as a regression without saying so.
 * Versions are left out (a new Calico is what a comparison is for); so is what `--driver` said.
 */
export function runDifferences(a: RunReport, b: RunReport): string[] {
  const out: string[] = []
  if (a.driver.name !== b.driver.name) out.push(`driver: ${a.driver.name} vs ${b.driver.name}`)
  if (a.driver.cni !== b.driver.cni) out.push(`CNI: ${a.driver.cni} vs ${b.driver.cni}`)
  const ea = new Map(optionEntries(a.options).filter(([k]) => k !== 'driver requested'))
  const eb = new Map(optionEntries(b.options).filter(([k]) => k !== 'driver requested'))
  // Faults first: they are the difference that most changes what the results mean.
  if (isFaultInjected(a.options) || isFaultInjected(b.options)) {
    ea.set('faults', faultsText(a.options))
    eb.set('faults', faultsText(b.options))
  }
  const keys = [...new Set([...ea.keys(), ...eb.keys()])].sort((x, y) => Number(y === 'faults') - Number(x === 'faults'))
  for (const k of keys) {
    const x = ea.get(k) ?? 'not recorded'
    const y = eb.get(k) ?? 'not recorded'
    if (x !== y) out.push(`${k}: ${x} vs ${y}`)
  }
  return out
}

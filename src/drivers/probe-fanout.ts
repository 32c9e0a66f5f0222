// Why: every driver runs a probe round the same way: ONE command per source endpoint carrying all of that source's
// connections, every source at once (the local agent's probe command, the kube driver's exec of the probe script).
import type { ConnectSpec, ProbeConnection, RawOutcome } from './driver.js'

/** A round's connection as a prober attempts it: an address, a port and a protocol, and the key its outcome carries back. */
export function connectSpec(c: ProbeConnection): ConnectSpec {
  return { key: c.key, ip: c.ip, port: c.target.port, protocol: c.target.protocol }
}

/**
 * Groups a round's connections by source (sources in first-seen order, each source's connections in round order) and
 * runs `probeSource` once per source, all sources in parallel. Outcomes come back source after source; a source
 * whose command rejects rejects the round (a harness fault, never a blocked connection).
 */
export async function probeBySource(
  connections: readonly ProbeConnection[],
  probeSource: (from: string, conns: readonly ProbeConnection[]) => Promise<readonly RawOutcome[]>,
): Promise<RawOutcome[]> {
  const bySource = new Map<string, ProbeConnection[]>()
  for (const c of connections) {
    const list = bySource.get(c.from)
    if (list) list.push(c)
    else bySource.set(c.from, [c])
  }
  const results = await Promise.all([...bySource].map(([from, conns]) => probeSource(from, conns)))
  return results.flat()
}

// Why: a probe round on a cluster: ONE exec of the probe script per source (a pod, or an external through the node
// side), and an exec that fails is a probe error for every connection of that source, never a blocked one.
import type { ConnectSpec, ProbeConnection, RawOutcome } from '../driver.js'
import { connectSpec, probeBySource } from '../probe-fanout.js'
import type { ExecResult } from './api.js'
import { parseProbeOutput, probeCommand } from './probe-script.js'

/**
 * What an exec may take beyond the probe timeout (the API server, the kubelet, starting sh).
 * @internal exported for its test
 */
export const EXEC_SLACK_MS = 15000

/** Runs a command in a source endpoint (its pod's container, or an external host) within `budgetMs`. */
export type ExecIn = (from: string, command: readonly string[], budgetMs: number) => Promise<ExecResult>

/** Where a connection goes when not to its own address (a `via` cell: through a Service), or why it cannot be probed. */
export type Redirect = (c: ProbeConnection) => { readonly host: string; readonly port: number } | { readonly error: string } | undefined

/**
 * Probes a round: every connection of a source in one exec, all sources in parallel; outcomes by connection key.
 * `redirect` sends a `via` connection to its Service's address (or name) and port; one it cannot place is a probe
 * error, never probed on the pod address.
 */
export function probeRound(
  connections: readonly ProbeConnection[],
  timeoutMs: number,
  execIn: ExecIn,
  redirect?: Redirect,
): Promise<RawOutcome[]> {
  return probeBySource(connections, async (from, conns) => {
    const failed: RawOutcome[] = []
    const specs: (ConnectSpec & { to: string })[] = []
    for (const c of conns) {
      const r = redirect?.(c)
      if (r && 'error' in r) failed.push({ key: c.key, outcome: 'error', latencyMs: 0, detail: r.error })
      else specs.push({ ...connectSpec(c), ...(r ? { ip: r.host, port: r.port } : {}), to: c.to })
    }
    if (!specs.length) return failed
    const r = await execIn(from, probeCommand(specs, timeoutMs), timeoutMs + EXEC_SLACK_MS)
    // A failed exec is a probe error for every connection of that pod, never a blocked connection.
    if (r.error !== undefined || r.exitCode === undefined)
      return [
        ...failed,
        ...specs.map((c): RawOutcome => ({
          key: c.key,
          outcome: 'error',
          latencyMs: 0,
          detail: `exec in ${from} failed: ${r.error ?? r.stderr}`,
        })),
      ]
    return [...failed, ...parseProbeOutput(specs, r.stdout, (c) => c.to)]
  })
}

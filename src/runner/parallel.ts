// Why: how many scenarios run at once when the user does not say: by CPU count on the local driver, one on a cluster.
import { availableParallelism } from 'node:os'

/** Never more local scenarios at once than this, whatever the machine: each holds a topology and its agents. */
const LOCAL_MAX = 8

/**
 * The default of `--parallel`. Local: one per CPU, at most LOCAL_MAX (a scenario waits on probe timeouts, but its
 * setup starts a process per pod and many `ip` commands: more than one per CPU starved the agents of a loaded 2-core
 * machine, see docs/speed.md). kind and kube: 1, because every scenario's probes are execs through one API server and kubelets, and concurrent scenarios'
 * rounds slow each other's time-to-enforce measurements; ask for more with --parallel.
 */
export function defaultParallel(driver: 'local' | 'kind' | 'kube', cpus = availableParallelism()): number {
  return driver === 'local' ? Math.max(1, Math.min(LOCAL_MAX, cpus)) : 1
}

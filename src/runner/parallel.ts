// Why: how many scenarios run at once when the user does not say: two per CPU on the local driver, one on a cluster.
import { availableParallelism } from 'node:os'

/** Never more local scenarios at once than this, whatever the machine: each holds a topology and its agents. */
const LOCAL_MAX = 8

/**
 * The default of `--parallel`. Local: two per CPU, at most LOCAL_MAX. A local scenario mostly waits (denied cells,
 * enforcement cadences, chaos faults), and since one agent process serves a node's pods and topologies are reused
 * its setup is light: on an idle 2-core machine the shipped suite took 78.9 s at 2 at once, 42-44 s at 4, 31.6 s at
 * 6 and 25.6 s at 8, every run with 0 disagreements (docs/speed.md). Two per CPU keeps a margin for a machine
 * that is not idle (with a process per pod, four at once on a 2-core machine at load 20 starved the agents).
 * kind and kube: 1, because every scenario's probes are execs through one API server and kubelets, and concurrent
 * scenarios' rounds slow each other's time-to-enforce measurements; ask for more with --parallel.
 */
export function defaultParallel(driver: 'local' | 'kind' | 'kube', cpus = availableParallelism()): number {
  return driver === 'local' ? Math.max(1, Math.min(LOCAL_MAX, 2 * cpus)) : 1
}

// Why: what a generated set must allow, from either source the harness owns: a step's `expect` rules (the intended
// matrix) or a run's report (the observed matrix of a step); both become one table of verdicts over the step's cluster.
import { intendedVerdict } from '../compare/intent.js'
import { UsageError } from '../errors.js'
import type { Target } from '../model/cluster.js'
import { addressFor, isIcmp, podId, targetId } from '../model/cluster.js'
import type { IntentVerdict, Scenario } from '../model/scenario.js'
import type { ClusterState } from '../model/state.js'
import { TruthTable } from '../model/truth-table.js'
import type { StepReport } from '../report/model.js'
import { stepStates } from '../scenario/apply-actions.js'

/** The cluster a set is generated for (its policies are replaced), the targets, and a verdict per cell (undefined: unasserted). */
export interface Intent {
  readonly state: ClusterState
  readonly targets: readonly Target[]
  readonly verdicts: TruthTable<IntentVerdict>
  /** Where the verdicts came from, for messages: `expect of step "x"` or `observed in run r`. */
  readonly origin: string
}

function endpointIds(state: ClusterState): { ids: string[]; pods: number } {
  return { ids: [...state.pods.map(podId), ...state.externals.map((e) => e.name)], pods: state.pods.length }
}

/**
 * The targets `generate` reads: ports on pod addresses only. Cells through a Service (`via`) are not generated from
 * yet: their verdict depends on the backend port and the source address after DNAT/SNAT (docs/services.md), and the
 * set is proven on the pod-address cells only. ICMP echo cells neither: a NetworkPolicy port cannot name ICMP, only a
 * rule without ports (every protocol) admits it.
 */
function podAddressTargets(targets: readonly Target[]): Target[] {
  return targets.filter((t) => !t.via && !isIcmp(t))
}

/** What the origin says when cells through Services or ICMP echo cells were left out. */
function throughServices(targets: readonly Target[]): string {
  const n = targets.filter((t) => t.via).length
  const icmp = targets.filter(isIcmp).length
  const parts = [
    ...(n ? [`pod addresses only: ${n} target${n === 1 ? '' : 's'} through a Service left out`] : []),
    ...(icmp ? ['ICMP echo left out'] : []),
  ]
  return parts.length ? ` (${parts.join('; ')})` : ''
}

/** The cluster at step `si` of `s` (labels as that step leaves them) without any policy. */
function clusterAt(s: Scenario, si: number): ClusterState {
  return { ...stepStates(s)[si], policies: [] }
}

/**
 * The intended matrix of step `si`: its `expect` rules over every cell but external to external, a pod to itself and,
 * in a dual-stack scenario, a cell of a family one end has no address of (as the evaluator and the probes leave it out).
 */
export function intentFromExpect(s: Scenario, si: number): Intent {
  const step = s.steps[si]
  const state = clusterAt(s, si)
  const { ids, pods } = endpointIds(state)
  const endpoints = [...state.pods, ...state.externals]
  const targets = podAddressTargets(step.probe.targets)
  const verdicts = new TruthTable<IntentVerdict>(ids, ids, targets)
  targets.forEach((target, ti) =>
    ids.forEach((from, fi) =>
      ids.forEach((to, di) => {
        if (fi >= pods && di >= pods) return
        if (target.family && (!addressFor(endpoints[fi], target.family) || !addressFor(endpoints[di], target.family))) return
        const v = intendedVerdict(step.expect, from, to, target)
        if (v) verdicts.setAt(fi, di, ti, v)
      }),
    ),
  )
  return { state, targets, verdicts, origin: `the expect rules of step "${step.name}"${throughServices(step.probe.targets)}` }
}

/**
 * The observed matrix of a step of a run, on the cluster of the same step of the scenario file: `allowed` is allow,
 * `blocked` and `refused` (nothing connected) deny; errors and cells not probed are unasserted.
 */
export function intentFromReport(s: Scenario, si: number, step: StepReport, runId: string): Intent {
  const state = clusterAt(s, si)
  const { ids } = endpointIds(state)
  const all = step.targets.map((t): Target => ({
    port: t.port,
    protocol: t.protocol,
    ...(t.family ? { family: t.family } : {}),
    ...(t.via ? { via: t.via } : {}),
  }))
  const targets = podAddressTargets(all)
  const verdicts = new TruthTable<IntentVerdict>(ids, ids, targets)
  for (const c of step.cells) {
    if (c.from === c.to || c.via) continue
    const r = c.observation.result
    const v: IntentVerdict | undefined = r === 'allowed' ? 'allow' : r === 'blocked' || r === 'refused' ? 'deny' : undefined
    const target: Target = { port: c.port, protocol: c.protocol, ...(c.family ? { family: c.family } : {}) }
    if (v && !verdicts.set(c.from, c.to, target, v))
      throw new UsageError(
        `run ${runId} step "${step.name}" has a cell ${c.from} -> ${c.to} ${targetId(target)} the scenario ${s.name} (${s.file}) does not have: is it the scenario that run ran?`,
      )
  }
  return { state, targets, verdicts, origin: `what run ${runId} observed at step "${step.name}"${throughServices(all)}` }
}

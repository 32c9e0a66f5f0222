// Why: what Calico's staged policies would change (resources/staged*networkpolicy.mdx: they change no cell; their
// purpose is the preview): the step's matrix predicted again with them enforced, the cells that differ, and for
// each the staged policies that alone would change it. `predict` and the run reports both show this list.
import type { Target } from '../model/cluster.js'
import { type CalicoPolicy, calicoId, isStaged } from '../model/calico.js'
import type { ClusterState } from '../model/state.js'
import type { TruthTable } from '../model/truth-table.js'
import { withStagedEnforced } from './calico.js'
import { type PredictOptions, type Verdict, predict } from './predict.js'

/** A cell the staged policies would change: its verdict now, with them enforced, and which of them alone would change it. */
export interface StagedChange {
  readonly from: string
  readonly to: string
  readonly target: Target
  readonly now: Verdict
  readonly wouldBe: Verdict
  /**
   * The staged policies (`staged-gnp/name`, `staged-np/ns/name`, `staged-knp/ns/name`) whose enforcement alone
   * changes the cell; empty when only several of them together do.
   */
  readonly policies: readonly string[]
}

/**
 * The cells of `now` (the step's prediction over `state`) that the state's staged policies would change if enforced,
 * in the table's order; undefined when the state has no staged policy (an empty list: it has some, they change nothing).
 */
export function stagedChanges(
  state: ClusterState,
  targets: readonly Target[],
  now: TruthTable<Verdict>,
  opts: PredictOptions = {},
): StagedChange[] | undefined {
  const enforced = withStagedEnforced(state)
  if (!enforced) return undefined
  const all = predict(enforced, targets, opts)
  const changed = [...now.entries()].filter((c) => {
    const w = all.get(c.from, c.to, c.target)
    return w !== undefined && w !== c.value
  })
  if (changed.length === 0) return []
  // Each staged policy alone: the state without the other staged ones, that one enforced.
  const staged = (state.calico ?? []).filter((o): o is CalicoPolicy => 'selector' in o && isStaged(o))
  const others = (state.calico ?? []).filter((o) => !('selector' in o && isStaged(o)))
  const alone = staged.map((p) => ({
    id: calicoId(p),
    table: predict(withStagedEnforced({ ...state, calico: [...others, p] })!, targets, opts),
  }))
  return changed.map((c) => ({
    from: c.from,
    to: c.to,
    target: c.target,
    now: c.value,
    wouldBe: all.get(c.from, c.to, c.target)!,
    policies: alone.filter((a) => a.table.get(c.from, c.to, c.target) !== c.value).map((a) => a.id),
  }))
}

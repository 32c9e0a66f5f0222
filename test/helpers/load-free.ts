// Why: tests that run real scenarios on this shared 2-core machine judge what does not depend on its load; how long
// things took is for `npm run bench` (the brief: never timed assertions in tests). One rule for every such test.
import { isProblem } from '../../src/compare/classification.js'
import type { ChaosReport, RunReport, ScenarioReport } from '../../src/report/model.js'

type Invariant = NonNullable<ChaosReport['invariants']>[number]

/** How far past its limit a loaded machine may take a time limit: three times the limit, never less than 1.5 s. */
const LOAD_SLACK = 3
const LOAD_FLOOR_MS = 1500

/**
 * An invariant whose violation can come from a loaded machine alone: a time limit exceeded, though the cells did come
 * back, by no more than the slack (a slow resync or a starved probe under load; an allowed probe that timed out makes
 * a short fail-closed window). A fail-open window against a zero limit, no recovery at all, or a window far past its
 * limit (an agent dropping traffic for its whole restart, a resync that never comes) never comes from load.
 */
export function loadDependent(i: Invariant): boolean {
  if (i.observedMs === null) return false
  if (i.name === 'maxFailOpen' && i.limitMs === 0) return false
  return i.observedMs <= Math.max(LOAD_SLACK * i.limitMs, LOAD_FLOOR_MS)
}

/** `slow` is a time-to-enforce limit exceeded: load-dependent as well. */
const loadDependentCell = (classification: string) => classification === 'slow'

/**
 * What failed in these scenarios regardless of load, one line each: the scenario's error, its problem cells (but
 * `slow`) and its broken invariants (but load-dependent ones). `skipCell` leaves out cells a test knows cannot be
 * judged here (SCTP on a kernel without it).
 */
export function loadFreeProblems(
  scenarios: readonly ScenarioReport[],
  skipCell: (c: { protocol: string }) => boolean = () => false,
): { name: string; why: string }[] {
  return scenarios.flatMap((s) => {
    const cells = s.steps.flatMap((st) =>
      st.cells
        .filter((c) => !skipCell(c) && isProblem(c.classification) && !loadDependentCell(c.classification))
        .map((c) => `${st.name}: ${c.from} -> ${c.to} ${c.port}/${c.protocol} ${c.classification}`),
    )
    const invariants = brokenInvariants(s)
      .filter((b) => !loadDependent(b.invariant))
      .map((b) => b.line)
    const why = [s.error, cells.length ? `${cells.length} cells: ${cells.slice(0, 3).join('; ')}` : undefined, ...invariants]
      .filter(Boolean)
      .join(' | ')
    return why ? [{ name: s.name, why: why.replace(/\s+/g, ' ').slice(0, 400) }] : []
  })
}

/** The load-dependent failures (slow cells, time limits exceeded), one line each, for a test to print as comments. */
export function loadDependentProblems(report: RunReport): string[] {
  return report.scenarios.flatMap((s) => [
    ...s.steps.flatMap((st) =>
      st.cells
        .filter((c) => loadDependentCell(c.classification))
        .map((c) => `${s.name}/${st.name}: ${c.from} -> ${c.to} ${c.port}/${c.protocol} slow (${c.timeToEnforceMs} ms)`),
    ),
    ...brokenInvariants(s)
      .filter((b) => loadDependent(b.invariant))
      .map((b) => `${s.name}/${b.line}`),
  ])
}

function brokenInvariants(s: ScenarioReport): { invariant: Invariant; line: string }[] {
  return s.steps.flatMap((st) =>
    (st.chaos ?? []).flatMap((ch) =>
      (ch.invariants ?? [])
        .filter((i) => !i.passed)
        .map((i) => ({ invariant: i, line: `${st.name}: ${ch.action} ${i.name} ${i.observedMs ?? 'never'} ms > ${i.limitMs} ms` })),
    ),
  )
}

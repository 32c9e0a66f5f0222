// A small but complete run report: a fail-open cell, an intent violation, a chaos step, for renderer tests.
import { type CellReport, type DirectionExplanation, type RunReport, SCHEMA_VERSION, type StepReport } from '../../src/report/model.js'
import { countCells } from '../../src/compare/classification.js'

const cell = (from: string, to: string, port: number, over: Partial<CellReport> = {}): CellReport => ({
  from,
  to,
  port,
  protocol: 'TCP',
  prediction: 'allow',
  observation: {
    result: 'allowed',
    answeredBy: to,
    latencyMs: 1,
    attempts: [{ round: 1, atMs: 3, result: 'allowed', answeredBy: to, latencyMs: 1 }],
  },
  classification: 'match',
  intentViolation: false,
  timeToEnforceMs: 3,
  ...over,
})

const ids = ['x/a', 'x/b', 'ext']

/** One direction as the evaluator explains it: isolated by `policies` (none: not isolated), no rule allowing. */
const dir = (direction: 'ingress' | 'egress', endpoint: string, policies: string[] = []): DirectionExplanation => ({
  direction,
  endpoint,
  applicable: endpoint !== 'ext',
  isolatedBy: policies,
  allowed: policies.length === 0,
  checks: [],
})

export function sampleReport(runId = '20261124-010203-abcd', opts: { failOpen?: boolean; tte?: number } = {}): RunReport {
  const failOpen = opts.failOpen ?? true
  const cells: CellReport[] = []
  for (const from of ids)
    for (const to of ids)
      for (const port of [80, 81]) {
        if (from === 'ext' && to === 'ext') continue
        if (failOpen && from === 'x/b' && to === 'x/a' && port === 80) {
          cells.push(
            cell(from, to, port, {
              intent: 'deny',
              prediction: 'deny',
              classification: 'fail-open',
              timeToEnforceMs: null,
              explanation: { kind: 'policies', egress: dir('egress', 'x/b'), ingress: dir('ingress', 'x/a', ['x/deny']) },
              observation: {
                result: 'allowed',
                answeredBy: 'x/a',
                latencyMs: 1,
                attempts: [
                  { round: 1, atMs: 2, result: 'allowed', answeredBy: 'x/a' },
                  { round: 2, atMs: 260, result: 'allowed', answeredBy: 'x/a' },
                ],
              },
            }),
          )
        } else if (from === 'ext' && to === 'x/b' && port === 81) {
          cells.push(
            cell(from, to, port, {
              intent: 'deny',
              classification: 'intent-violation',
              intentViolation: true,
              explanation: { kind: 'policies', egress: dir('egress', 'ext'), ingress: dir('ingress', 'x/b') },
            }),
          )
        } else cells.push(cell(from, to, port))
      }
  const counts = countCells(cells)
  const step = (index: number, name: string, extra: Partial<StepReport> = {}): StepReport => ({
    index,
    name,
    targets: [
      { port: 80, protocol: 'TCP' },
      { port: 81, protocol: 'TCP' },
    ],
    timeoutMs: 1000,
    applyMs: 5,
    rounds: 2,
    converged: !failOpen,
    timeToEnforceMs: failOpen ? null : (opts.tte ?? 120),
    durationMs: 1300,
    counts,
    cells,
    ...extra,
  })
  const steps = [
    step(0, 'baseline', { converged: true, timeToEnforceMs: 2 }),
    step(1, 'restart the agent', {
      chaos: [
        {
          action: 'restart-agent',
          target: 'n1',
          startMs: 100,
          endMs: 900,
          recoveryMs: 250,
          windows: [
            { kind: 'fail-open', startMs: 300, endMs: 700, cells: 4 },
            { kind: 'fail-closed', startMs: 900, endMs: 1000, cells: 2 },
          ],
          invariants: [{ name: 'maxFailOpen', limitMs: 0, observedMs: 400, passed: false }],
        },
      ],
    }),
  ]
  return {
    schemaVersion: SCHEMA_VERSION,
    runId,
    startedAt: `2026-11-24T${runId.slice(9, 11)}:${runId.slice(11, 13)}:${runId.slice(13, 15)}.000Z`,
    finishedAt: '2026-11-24T01:02:10.000Z',
    durationMs: 7000,
    harness: { name: 'netpol-harness', version: '0.1.0', node: 'v20.20.2' },
    driver: { name: 'local', cni: 'netpol-harness local nftables dataplane', versions: { nftables: 'v1.0.6', kernel: '6.1' } },
    options: { settleMs: 30000, reprobes: 3, roundIntervalMs: 250 },
    summary: { scenarios: 1, steps: 2, cells: cells.length * 2, counts, probesPerSecond: 42, exitCode: failOpen ? 1 : 0 },
    scenarios: [
      {
        name: 'sample',
        file: 'scenarios/sample.yaml',
        description: 'a <sample> & more',
        tags: ['t'],
        setupMs: 400,
        durationMs: 3000,
        steps,
      },
    ],
    diagnostics: [],
  }
}

/**
 * A report that says what was tested as a run writes it today (issue 15): how the driver was chosen and every
 * recorded option of the local driver; `faults` are the `--fault` specs (none by default).
 */
export function localRunReport(faults: string[] = [], r: RunReport = sampleReport()): RunReport {
  return {
    ...r,
    driver: { ...r.driver, chosenBy: 'auto', reason: 'kind not usable here (`kind version` failed)' },
    options: {
      ...r.options,
      enforceWithinMs: 5000,
      adaptiveTimeout: { factor: 4, floorMs: 250 },
      parallel: 1,
      driverRequested: 'auto',
      tags: ['t'],
      skipTags: ['slow'],
      faults,
      nodes: 2,
      resyncMs: 2000,
    },
  }
}

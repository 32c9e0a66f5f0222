// Progress output: parallel runs name their scenario and summarise in order; summaries name failing cells.
import t from 'tap'
import { Progress } from '../../src/cli/progress.js'
import type { Scenario } from '../../src/model/scenario.js'
import type { ScenarioReport } from '../../src/report/model.js'
import { sampleReport } from '../helpers/report.js'

const sc = (name: string) => ({ name, file: `${name}.yaml` }) as Scenario
const done = (name: string): ScenarioReport => ({ name, file: `${name}.yaml`, tags: [], setupMs: 1, durationMs: 1500, steps: [] })

t.test('parallel: summaries held until the scenarios before them have ended', async (t) => {
  let err = ''
  const p = new Progress({ out: () => {}, err: (s) => void (err += s) }, true, 3)
  for (const [i, n] of ['a', 'b', 'c'].entries()) p.scenario(sc(n), i, 3)
  p.log('topology up', sc('b'))
  p.step({ step: 1, steps: 1, name: 'open', round: 1, agreeing: 4, probed: 4, elapsedMs: 20 }, sc('c'))
  p.scenarioDone(done('c'), 2)
  p.scenarioDone(done('b'), 1)
  t.notMatch(err, /done in/, 'nothing is summarised before the first scenario ends')
  p.scenarioDone(done('a'), 0)
  const lines = err.split('\n')
  t.match(lines, [
    '[1/3] start a (a.yaml)',
    '[2/3] start b (b.yaml)',
    '[3/3] start c (c.yaml)',
    '  [b] topology up',
    /^  \[c\] step 1\/1 open: round 1, 4\/4/,
  ])
  t.same(
    lines.filter((l) => l.includes('done in')),
    ['[1/3] a: done in 1.5 s', '[2/3] b: done in 1.5 s', '[3/3] c: done in 1.5 s'],
  )
})

t.test('a scenario that never ran does not hold back the ones after it at the end', async (t) => {
  let err = ''
  const p = new Progress({ out: () => {}, err: (s) => void (err += s) }, true, 2)
  p.scenario(sc('a'), 0, 3)
  p.scenario(sc('b'), 1, 3)
  p.scenarioDone(done('b'), 1)
  const report = {
    summary: {
      exitCode: 3,
      cells: 0,
      counts: { match: 0, 'fail-open': 0, 'fail-closed': 0, 'intent-violation': 0, flaky: 0, 'probe-error': 0, unsupported: 0, skipped: 0 },
    },
    scenarios: [],
    diagnostics: [],
  } as unknown as Parameters<Progress['summary']>[0]
  p.summary(report, 'reports/x')
  t.match(err, /\[2\/3\] b: done in 1\.5 s[\s\S]*ERROR/)
})

// Failures on the surface: the console names each problem cell with its reason and the explain command that
// reproduces the evaluator's reasoning, cut after five per step; a scenario the driver cannot run says so.
t.test('the scenario summary names failing cells and how to reproduce them', async (t) => {
  let err = ''
  const p = new Progress({ out: () => {}, err: (s) => void (err += s) }, true)
  const r = sampleReport()
  p.scenarioDone(r.scenarios[0])
  t.match(err, /^ {2}step 1 baseline: 2 disagreeing, /m)
  t.match(err, /^ {4}fail-open: x\/b -> x\/a 80\/TCP: predicted deny, observed allowed/m)
  t.match(err, /^ {6}why: netpol-harness explain scenarios\/sample\.yaml --step 1 --from x\/b --to x\/a --port 80 --protocol TCP$/m)
  t.notMatch(err, /null ms/)
  const many = {
    ...r.scenarios[0],
    steps: [
      {
        ...r.scenarios[0].steps[0],
        cells: Array.from({ length: 7 }, () => r.scenarios[0].steps[0].cells.find((c) => c.classification === 'fail-open')!),
      },
    ],
  }
  err = ''
  p.scenarioDone(many)
  t.equal((err.match(/why: netpol-harness explain/g) ?? []).length, 5, 'five cells named')
  t.match(err, /\.\.\. and 2 more \(report\.md lists every one\)/)
  err = ''
  p.scenarioDone({ ...done('v6'), unsupported: 'IPv6 is not supported by the local driver' })
  t.match(err, /unsupported by this driver, not run: IPv6 is not supported by the local driver/)
})

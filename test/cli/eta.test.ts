// The run's ETA from fixed numbers: nothing before a step has ended, the mean step scaled by the steps left, time
// already spent in the steps in flight, setup per scenario not started, shared by the scenarios run at once.
import t from 'tap'
import { estimateRemainingMs, formatDuration } from '../../src/cli/eta.js'

const base = { finishedStepsMs: [1000, 3000], overheadsMs: [], running: [], waitingSteps: [], parallel: 1 }

t.test('no estimate before a step has ended', async (t) => {
  t.equal(estimateRemainingMs({ ...base, finishedStepsMs: [], waitingSteps: [3, 3] }), undefined)
})

t.test('the mean step times the steps left', async (t) => {
  t.equal(estimateRemainingMs({ ...base, waitingSteps: [3, 2] }), 5 * 2000)
  t.equal(estimateRemainingMs(base), 0, 'nothing left')
})

t.test('time already spent in a step in flight counts, at most one mean step', async (t) => {
  t.equal(estimateRemainingMs({ ...base, running: [{ stepsLeft: 2, currentMs: 500 }] }), 2 * 2000 - 500)
  t.equal(estimateRemainingMs({ ...base, running: [{ stepsLeft: 2, currentMs: 9000 }] }), 2000, 'a long step: the rest still counts')
  t.equal(estimateRemainingMs({ ...base, running: [{ stepsLeft: 1, currentMs: 9000 }] }), 0, 'never negative')
})

t.test('setup and teardown of a scenario, for each one not started', async (t) => {
  t.equal(estimateRemainingMs({ ...base, overheadsMs: [4000, 6000], waitingSteps: [1, 1] }), 2 * (2000 + 5000))
  t.equal(estimateRemainingMs({ ...base, overheadsMs: [4000], running: [{ stepsLeft: 1, currentMs: 0 }] }), 2000, 'not for one in flight')
})

t.test('shared by the scenarios run at once, never by more lanes than scenarios left', async (t) => {
  t.equal(estimateRemainingMs({ ...base, waitingSteps: [2, 2, 2, 2], parallel: 2 }), (8 * 2000) / 2)
  t.equal(estimateRemainingMs({ ...base, waitingSteps: [2], parallel: 8 }), 4000, 'one scenario left: no speed-up')
  t.equal(estimateRemainingMs({ ...base, running: [{ stepsLeft: 1, currentMs: 0 }], waitingSteps: [1], parallel: 4 }), 2000)
})

t.test('durations for people', async (t) => {
  t.equal(formatDuration(0), '0s')
  t.equal(formatDuration(44_600), '45s')
  t.equal(formatDuration(72_000), '1m12s')
  t.equal(formatDuration(3_600_000 + 2 * 60_000 + 5000), '1h02m')
})

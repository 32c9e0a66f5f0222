// Durations as scenario files write them, and the schemas that turn them into milliseconds.
import t from 'tap'
import { duration, duration0, parseDuration, parseDuration0 } from '../../src/scenario/duration.js'

t.test('parseDuration: units, bare seconds, and what is not a duration (below 0.5ms rounds to 0)', async (t) => {
  const cases: [string | number, number | undefined][] = [
    ['500ms', 500],
    ['1s', 1000],
    ['1.5s', 1500],
    ['2m', 120000],
    [' 3s ', 3000],
    ['0.4ms', 0],
    [2, 2000],
    [0.5, 500],
    ['0s', undefined],
    [0, undefined],
    [-1, undefined],
    ['1h', undefined],
    ['soon', undefined],
    ['', undefined],
    ['1 s', undefined],
  ]
  for (const [input, ms] of cases) t.equal(parseDuration(input), ms, JSON.stringify(input))
})

t.test('parseDuration0: zero in any spelling, otherwise as parseDuration', async (t) => {
  const cases: [string | number, number | undefined][] = [
    [0, 0],
    ['0', 0],
    ['0s', 0],
    ['00ms', 0],
    ['0m', 0],
    ['5s', 5000],
    [3, 3000],
    ['0.0s', undefined],
    ['0x', undefined],
    [-1, undefined],
    [' 0s', undefined],
  ]
  for (const [input, ms] of cases) t.equal(parseDuration0(input), ms, JSON.stringify(input))
})

t.test('the schemas yield milliseconds, or one issue saying what to write', async (t) => {
  t.equal(duration.parse('2m'), 120000)
  t.equal(duration.prefault('2s').parse(undefined), 2000, "defaults are written in the file's own terms")
  t.equal(duration0.parse('0s'), 0)
  const bad = duration.safeParse('0s')
  t.notOk(bad.success)
  if (!bad.success)
    t.same(
      bad.error.issues.map((i) => i.message),
      ['invalid duration "0s" (use e.g. 500ms, 1s, 2m)'],
    )
  const bad0 = duration0.safeParse(-1)
  if (!bad0.success)
    t.same(
      bad0.error.issues.map((i) => i.message),
      ['invalid duration -1 (use e.g. 0, 500ms, 2s)'],
    )
  t.notOk(duration.safeParse(true).success, 'neither a string nor a number')
})

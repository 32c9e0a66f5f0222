// The adaptive timeout as a pure function: allowed latencies in, the denied cells' timeout out; and its option.
import t from 'tap'
import { DEFAULT_ADAPTIVE_TIMEOUT, adaptiveTimeoutMs, parseAdaptiveTimeout, percentile } from '../../src/runner/adaptive-timeout.js'
import { parseDuration } from '../../src/scenario/duration.js'

t.test('p99 by nearest rank', async (t) => {
  t.equal(percentile([], 99), undefined)
  t.equal(percentile([7], 99), 7)
  t.equal(percentile([3, 1, 2], 99), 3, 'few values: the largest')
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1)
  t.equal(percentile(hundred, 99), 99, 'the 99th of 1..100')
  t.equal(percentile(hundred, 50), 50)
  t.equal(percentile([...hundred, 5000], 99), 100, 'one outlier in 101 does not move p99 to it')
})

t.test('k x p99, never below the floor, never above the full timeout', async (t) => {
  const a = { factor: 4, floorMs: 250 }
  t.equal(adaptiveTimeoutMs([1, 2, 3], 1000, a), 250, 'fast network: the floor')
  t.equal(adaptiveTimeoutMs([10, 80, 100], 1000, a), 400, '4 x 100')
  t.equal(adaptiveTimeoutMs([10, 300], 1000, a), 1000, 'slow answers: capped at the full timeout')
  t.equal(adaptiveTimeoutMs([1], 200, a), 200, 'a timeout shorter than the floor is kept as it is')
  t.equal(adaptiveTimeoutMs([], 1000, a), 1000, 'nothing measured: the full timeout')
  t.equal(adaptiveTimeoutMs([1, 2], 1000, undefined), 1000, 'off: the full timeout')
  t.equal(adaptiveTimeoutMs([33.2], 1000, { factor: 10, floorMs: 1 }), 332, 'whole milliseconds, rounded up')
})

t.test('--adaptive-timeout', async (t) => {
  t.equal(parseAdaptiveTimeout('off', parseDuration), undefined)
  t.same(parseAdaptiveTimeout('4,250ms', parseDuration), { factor: 4, floorMs: 250 })
  t.same(parseAdaptiveTimeout('2.5, 1s', parseDuration), { factor: 2.5, floorMs: 1000 })
  t.same(parseAdaptiveTimeout('3,100', parseDuration), { factor: 3, floorMs: 100 }, 'a bare floor is milliseconds')
  t.same(
    parseAdaptiveTimeout(`${DEFAULT_ADAPTIVE_TIMEOUT.factor},${DEFAULT_ADAPTIVE_TIMEOUT.floorMs}ms`, parseDuration),
    DEFAULT_ADAPTIVE_TIMEOUT,
  )
  for (const bad of ['on', '4', '0.5,250ms', '4,0', '4,fast', ''])
    t.throws(() => parseAdaptiveTimeout(bad, parseDuration), { name: 'UsageError' }, bad)
})

// Why: a chaos step's fault phase: probe chosen cells continuously while each fault runs and until agreement
// returns, then judge the samples (windows, recovery, invariants) with the pure functions of compare/.
import type { Driver, InfraChaos, ProbeConnection } from '../drivers/driver.js'
import { type PredictOptions, compile, predictModel } from '../evaluator/index.js'
import { podId } from '../model/cluster.js'
import type { ChaosAction, Scenario, Step } from '../model/scenario.js'
import { type ClusterState, targetAddresses } from '../model/state.js'
import { cellKey } from '../model/truth-table.js'
import { type Sample, checkInvariants, failClosedEvidence, recoveryAfter, windowsOf } from '../compare/chaos-windows.js'
import { type Agreement, agreement } from '../compare/compare.js'
import { classifyOutcome } from '../probe/classify.js'
import { notProbed } from '../probe/not-probed.js'
import { patternMatches } from '../scenario/patterns.js'
import type { ChaosReport } from '../report/model.js'
import { assertNever } from '../util/assert-never.js'
import { sleep } from '../util/sleep.js'

function describe(a: ChaosAction): { action: string; target?: string } {
  switch (a.action) {
    case 'restart-agent':
    case 'flush-dataplane':
    case 'restart-node':
    case 'packet-loss':
      return { action: a.action, target: a.node }
    case 'recreate-pod':
      return { action: a.action, target: podId({ namespace: a.namespace, name: a.pod }) }
    case 'relabel':
      return {
        action: a.action,
        target: a.change.kind === 'set-pod-labels' ? podId({ namespace: a.change.namespace, name: a.change.pod }) : a.change.namespace,
      }
    case 'policy-churn':
      return { action: a.action, target: `${a.policies.length} policies x ${a.times}` }
    default:
      return assertNever(a, 'chaos action')
  }
}

/** Performs one fault: relabels and churn through `apply` (the step's, which keeps time), the rest by the driver. */
async function perform(
  driver: Driver,
  apply: (actions: Parameters<Driver['apply']>[0]) => Promise<void>,
  a: ChaosAction,
  signal: AbortSignal,
): Promise<void> {
  if (a.action === 'relabel') return apply([a.change])
  if (a.action === 'policy-churn') {
    for (let i = 0; i < a.times && !signal.aborted; i++) {
      await apply(a.policies.map((policy) => ({ kind: 'apply-policy' as const, policy })))
      await sleep(a.intervalMs, signal)
      await apply(a.policies.map((p) => ({ kind: 'delete-policy' as const, namespace: p.metadata.namespace, name: p.metadata.name })))
      await sleep(a.intervalMs, signal)
    }
    // The known end state: the set applied.
    return apply(a.policies.map((policy) => ({ kind: 'apply-policy' as const, policy })))
  }
  return driver.chaos(a as InfraChaos, signal)
}

/** Runs a step's faults with continuous probing; returns one report per fault. */
export async function runChaos(
  driver: Driver,
  scenario: Scenario,
  step: Step,
  signal: AbortSignal,
  log?: (line: string) => void,
  predictOpts: PredictOptions = {},
): Promise<ChaosReport[]> {
  const during = step.during!
  const actions = step.chaos ?? []
  const targets = step.probe.targets
  // The sampled cells: chosen by the `during.cells` patterns (all when none), probeable ones only.
  const externals = new Map(scenario.externals.map((e) => [e.name, e]))
  const cells = [...predictModel(compile(driver.state()), targets, predictOpts).entries()]
    .filter((c) => !notProbed(driver.unsupported(c.target), externals.get(c.to), c.target))
    .filter(
      (c) =>
        during.cells.length === 0 ||
        during.cells.some(
          (p) =>
            patternMatches(p.from, c.from) &&
            patternMatches(p.to, c.to) &&
            (p.port === undefined || p.port === c.target.port) &&
            (p.protocol === undefined || p.protocol === c.target.protocol) &&
            (p.family === undefined || c.target.family === undefined || p.family === c.target.family),
        ),
    )
    .map((c) => ({ from: c.from, to: c.to, target: c.target }))

  const t0 = performance.now()
  const now = () => Math.round(performance.now() - t0)
  const samples: Sample[] = []
  const inflight = new Set<Promise<void>>()
  // Enforcing a change takes a moment (that is time-to-enforce, measured by the step's rounds): samples that start
  // while a change is being applied or within one interval after the driver accepted it, or straddle one, are not
  // judged. Accepted: `apply` returned (on the local driver, once the agents programmed it; on a cluster, once the
  // API server took it).
  let seen: ClusterState = driver.state()
  let changedAt = -Infinity
  let applying = 0
  let applies = 0
  const apply = async (actions: Parameters<Driver['apply']>[0]) => {
    applying++
    applies++
    try {
      await driver.apply(actions, signal)
    } finally {
      applying--
      changedAt = now()
    }
  }
  const takeSample = async () => {
    const atMs = now()
    const before: ClusterState = driver.state()
    const appliesBefore = applies
    if (before !== seen) {
      seen = before
      changedAt = Math.max(changedAt, atMs)
    }
    const settled = applying === 0 && atMs - changedAt >= during.intervalMs
    const table = predictModel(compile(before), targets, predictOpts)
    const addr = targetAddresses(before)
    const conns: ProbeConnection[] = cells.map((c) => ({
      key: cellKey(c.from, c.to, c.target),
      from: c.from,
      to: c.to,
      ip: addr(c.to, c.target)!,
      target: c.target,
    }))
    const byKey = new Map(conns.map((c, i) => [c.key, cells[i]]))
    const raws = await driver.probe(conns, during.timeoutMs, signal)
    // A sample that straddles a change of the cluster (relabel, recreated pod, churn) has no single prediction.
    if (driver.state() !== before || applies !== appliesBefore || !settled) return
    const states = new Map<string, Agreement>()
    const allowed = new Set<string>()
    for (const raw of raws) {
      const c = byKey.get(raw.key)
      if (!c) continue
      const predicted = table.get(c.from, c.to, c.target)
      if (!predicted) continue
      if (predicted === 'allow') allowed.add(raw.key)
      states.set(raw.key, agreement(predicted, classifyOutcome(raw, c.to, driver.listening?.(c.to, c.target) ?? false).result))
    }
    samples.push({ atMs, cells: states, allowed })
  }
  let sampling = true
  let samplingError: unknown
  // A round starts every interval, but never more than the driver's `sampleConcurrency` at once: on a cluster the
  // next round waits for the previous one, and the sample spacing (the windows' resolution) is what the rounds take.
  const limit = Math.max(1, driver.sampleConcurrency ?? 1)
  const sampler = (async () => {
    while (sampling && !signal.aborted) {
      const p = takeSample().catch((e) => void (samplingError ??= e))
      inflight.add(p)
      void p.finally(() => inflight.delete(p))
      await sleep(during.intervalMs, signal)
      while (inflight.size >= limit && !signal.aborted) await Promise.race(inflight)
    }
  })()

  const spans: { a: ChaosAction; startMs: number; endMs: number; unsupported?: string }[] = []
  try {
    await sleep(2 * during.intervalMs, signal) // a baseline before the first fault
    for (const a of actions) {
      const unsupported = a.action === 'relabel' || a.action === 'policy-churn' ? undefined : driver.chaosUnsupported(a)
      const startMs = now()
      if (!unsupported) {
        const d = describe(a)
        log?.(`  chaos: ${d.action}${d.target ? ` ${d.target}` : ''}`)
        await perform(driver, apply, a, signal)
      }
      spans.push({ a, startMs, endMs: now(), ...(unsupported ? { unsupported } : {}) })
    }
    // Keep sampling until everything agrees again (two clean samples in a row) or the settle time is over.
    const lastEnd = spans.length ? spans[spans.length - 1].endMs : 0
    while (!signal.aborted && now() - lastEnd < during.settleMs) {
      await sleep(during.intervalMs, signal)
      if (
        recoveryAfter(
          [...samples].sort((x, y) => x.atMs - y.atMs),
          lastEnd,
        ) !== null
      )
        break
    }
  } finally {
    sampling = false
    await sampler
    await Promise.all([...inflight])
  }
  signal.throwIfAborted()
  if (samplingError) throw samplingError
  samples.sort((x, y) => x.atMs - y.atMs)
  // Fail-closed evidence (consecutive samples) from the loss these samples show; fail-open needs one sample.
  const evidence = failClosedEvidence(samples)
  const windows = windowsOf(samples, during.intervalMs, evidence.of)
  return spans.map((span, i) => {
    const next = spans[i + 1]?.startMs ?? Infinity
    const mine = windows.filter((w) => w.startMs >= (i === 0 ? 0 : span.startMs) && w.startMs < next)
    const recoveryMs = recoveryAfter(samples, span.endMs, evidence.of)
    const d = describe(span.a)
    if (span.unsupported)
      return { ...d, startMs: span.startMs, endMs: span.endMs, recoveryMs: null, windows: [], unsupported: span.unsupported }
    return {
      ...d,
      startMs: span.startMs,
      endMs: span.endMs,
      recoveryMs,
      windows: mine,
      failClosedEvidence: evidence.k,
      invariants: checkInvariants(step.invariants, mine, recoveryMs),
    }
  })
}

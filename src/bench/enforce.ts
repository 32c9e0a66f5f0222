// Why: `npm run bench` part 4: time to enforce against a known delay. The local dataplane's late-programming
// fault (500 ms) must read 500-750 ms more than the same changes without it, with a resolution <= 250 ms.
import { mkdirSync, writeFileSync } from 'node:fs'
import { LocalDriver } from '../drivers/local/index.js'
import type { Faults } from '../drivers/local/compile-nft.js'
import { runScenarios } from '../runner/run.js'
import { DEFAULT_RUN_OPTIONS } from '../runner/run-step.js'
import { loadScenarios } from '../scenario/load.js'

const RUNS = 5
const LATE_MS = 500
const SCENARIO = 'test/fixtures/scenarios/late-measure.yaml'

/** One step that flips cells: its time to enforce and resolution, per run. */
interface StepTimes {
  readonly step: string
  readonly tte: number[]
  readonly resolution: number[]
}

async function measure(faults: Faults | undefined): Promise<StepTimes[]> {
  const [scenario] = loadScenarios([SCENARIO])
  const out = new Map<string, StepTimes>()
  const signal = new AbortController().signal
  for (let i = 0; i < RUNS; i++) {
    const r = await runScenarios([scenario], () => new LocalDriver({ faults }), `bench-enforce-${i}`, DEFAULT_RUN_OPTIONS, signal)
    for (const st of r.scenarios[0]?.steps ?? []) {
      if (!st.cells.some((c) => c.flips) || st.timeToEnforceMs === null) continue
      const e = out.get(st.name) ?? { step: st.name, tte: [], resolution: [] }
      e.tte.push(st.timeToEnforceMs)
      e.resolution.push(st.timeToEnforceResolutionMs ?? st.timeToEnforceMs)
      out.set(st.name, e)
    }
  }
  return [...out.values()]
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

/** Runs the time-to-enforce benchmark, prints it, and writes reports/bench/enforce.json. */
export async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('enforce bench: skipped (needs root for network namespaces)')
    return
  }
  const plain = await measure(undefined)
  const late = await measure({ skipPolicies: [], modes: [], lateMs: LATE_MS })
  const steps = late.map((l) => {
    const p = plain.find((x) => x.step === l.step)!
    // The delay read: late time to enforce minus what the same change takes without the fault (programming).
    const delay = l.tte.map((x) => x - median(p.tte))
    return {
      step: l.step,
      withoutFaultMs: { runs: p.tte, median: median(p.tte) },
      lateMs: { runs: l.tte, median: median(l.tte) },
      delayReadMs: { runs: delay, median: median(delay), min: Math.min(...delay), max: Math.max(...delay) },
      resolutionMs: { runs: l.resolution, max: Math.max(...l.resolution) },
      // 500-750 ms, with 100 ms below for the spread of programming time around its median.
      delayWithinTarget: delay.every((d) => d >= LATE_MS - 100 && d <= LATE_MS + 250),
      resolutionWithinTarget: Math.max(...l.resolution) <= 250,
    }
  })
  const r = { when: new Date().toISOString(), node: process.version, runs: RUNS, injectedMs: LATE_MS, targetResolutionMs: 250, steps }
  for (const s of steps)
    console.log(
      `enforce: ${s.step}: late-programming ${LATE_MS} ms reads ${s.lateMs.median} ms (without the fault ${s.withoutFaultMs.median} ms): delay read ${s.delayReadMs.min}-${s.delayReadMs.max} ms (target ${LATE_MS}-${LATE_MS + 250}, ${LATE_MS - 100} allowed for programming spread): ${s.delayWithinTarget ? 'ok' : 'OUT'}, resolution max ${s.resolutionMs.max} ms (target <= 250): ${s.resolutionWithinTarget ? 'ok' : 'OUT'}`,
    )
  mkdirSync('reports/bench', { recursive: true })
  writeFileSync('reports/bench/enforce.json', JSON.stringify(r, null, 2) + '\n')
  console.log('written: reports/bench/enforce.json')
}

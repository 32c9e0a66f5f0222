// Why: `npm run bench` part 2: the local driver's probe rounds and topology set-up, for real (needs root).
import { mkdirSync, writeFileSync } from 'node:fs'
import { LocalDriver } from '../drivers/local/index.js'
import { parseScenario } from '../scenario/parse.js'
import { runStep } from '../runner/run-step.js'
import type { Scenario } from '../model/scenario.js'

function model(namespaces: number, podsPer: number, withPolicy: boolean): Scenario {
  const nss = Array.from({ length: namespaces }, (_, i) => String.fromCharCode(120 + i) || `n${i}`)
  const ns = nss
    .map((n) => `  ${n}: {pods: {${Array.from({ length: podsPer }, (_, j) => `p${j}: {labels: {pod: p${j}}}`).join(', ')}}}`)
    .join('\n')
  const policy = withPolicy
    ? `    apply:
      - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: only-p1, namespace: x}, spec: {podSelector: {matchLabels: {pod: p0}}, ingress: [{from: [{podSelector: {matchLabels: {pod: p1}}}], ports: [{port: 80}]}]}}
`
    : ''
  const text = `name: bench\nnamespaces:\n${ns}\nprobe: {ports: [80, 81], protocols: [TCP, UDP], timeout: 1s}\nsteps:\n  - name: baseline\n  - name: policy\n${policy}`
  const r = parseScenario(text, 'bench.yaml', () => undefined)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.scenario
}

/** One probe round on the local driver: wall time against the connect timeout, cells per second. */
export async function benchProbe() {
  const signal = new AbortController().signal
  const opts = { settleMs: 5000, reprobes: 0, roundIntervalMs: 0 }
  // 3 namespaces x 3 pods, 80/81 on TCP and UDP: 324 cells per round.
  const s = model(3, 3, true)
  const d = new LocalDriver()
  const rounds: { step: string; cells: number; ms: number; blocked: number }[] = []
  let upMs = 0
  try {
    const t0 = performance.now()
    await d.up(s, signal)
    upMs = performance.now() - t0
    for (let k = 0; k < s.steps.length; k++) {
      for (let rep = 0; rep < 3; rep++) {
        const t1 = performance.now()
        const r = await runStep(d, s, k, opts, signal)
        rounds.push({
          step: s.steps[k].name,
          cells: r.cells.length,
          ms: Math.round(performance.now() - t1),
          blocked: r.cells.filter((c) => c.observation.result === 'blocked').length,
        })
      }
    }
  } finally {
    await d.down()
  }
  const policyRounds = rounds.filter((r) => r.step === 'policy')
  const worst = Math.max(...policyRounds.map((r) => r.ms))
  // Topology for 27 pods (3 namespaces x 9 pods), agents included.
  const big = model(3, 9, false)
  const d2 = new LocalDriver()
  let up27 = 0
  try {
    const t0 = performance.now()
    await d2.up(big, signal)
    up27 = performance.now() - t0
  } finally {
    await d2.down()
  }
  const cells = rounds[0].cells
  return {
    cellsPerRound: cells,
    timeoutMs: 1000,
    rounds,
    worstPolicyRoundMs: worst,
    roundOverTimeout: +(worst / 1000).toFixed(2),
    targetRoundOverTimeout: 1.5,
    roundsPerSecond: +(1000 / worst).toFixed(2),
    cellsPerSecond: Math.round((cells * 1000) / worst),
    cellsPerSecondAllAllowed: Math.round(
      (cells * 1000) / Math.max(1, Math.min(...rounds.filter((r) => r.step === 'baseline').map((r) => r.ms))),
    ),
    topologyUp9PodsMs: Math.round(upMs),
    topologyUp27PodsMs: Math.round(up27),
    targetTopologyUpMs: 10000,
  }
}

/** Runs the probe benchmark, prints it, and writes reports/bench/probe.json. */
export async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('probe bench: skipped (needs root for network namespaces)')
    return
  }
  const r = { when: new Date().toISOString(), node: process.version, ...(await benchProbe()) }
  console.log(
    `probe: ${r.cellsPerRound} cells per round (3x3 pods, 80/81 TCP+UDP), 1 s timeout: worst round with blocked cells ${r.worstPolicyRoundMs} ms = ${r.roundOverTimeout} x timeout (target <= 1.5), ${r.cellsPerSecond} cells/s, ${r.roundsPerSecond} rounds/s; all-allowed round ${r.cellsPerSecondAllAllowed} cells/s`,
  )
  console.log(`topology up: 9 pods ${r.topologyUp9PodsMs} ms, 27 pods ${r.topologyUp27PodsMs} ms (target <= 10000 ms)`)
  mkdirSync('reports/bench', { recursive: true })
  writeFileSync('reports/bench/probe.json', JSON.stringify(r, null, 2) + '\n')
  console.log('written: reports/bench/probe.json')
}

// Why: `npm run bench` part 1: evaluator speed and memory against the targets of the foundation issue.
import { writeFileSync, mkdirSync } from 'node:fs'
import { predict } from '../evaluator/index.js'
import { predictJsonChunks, predictSteps } from '../cli/predict.js'
import type { Target } from '../model/cluster.js'
import type { ClusterPolicy } from '../model/cluster-policy.js'
import type { ClusterState } from '../model/state.js'
import { generateCluster, generateScenario } from './generate.js'

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

function time(fn: () => unknown): number {
  const t0 = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t0) / 1e6
}

/** The evaluator on seeded synthetic clusters: predict time and memory per cell count. */
export function benchEvaluator() {
  const targets4: Target[] = [
    { port: 80, protocol: 'TCP' },
    { port: 81, protocol: 'TCP' },
    { port: 80, protocol: 'UDP' },
    { port: 53, protocol: 'UDP' },
  ]
  const big = generateCluster({ pods: 1000, namespaces: 50, policies: 500, targets: targets4 })
  const rssBefore = process.memoryUsage().rss
  const runs: number[] = []
  let cells = 0
  for (let i = 0; i < 5; i++) {
    runs.push(
      time(() => {
        const table = predict(big, targets4)
        cells = table.sources.length * table.destinations.length * table.targets.length
      }),
    )
  }
  const peakRssMiB = process.resourceUsage().maxRSS / 1024
  const large = {
    cells,
    runsMs: runs.map((x) => +x.toFixed(1)),
    medianMs: +median(runs).toFixed(1),
    targetMs: 1000,
    peakRssMiB: +peakRssMiB.toFixed(0),
    rssBeforeMiB: +(rssBefore / 1048576).toFixed(0),
    targetMiB: 1024,
  }

  // The same cluster with 50 ClusterNetworkPolicies (25 Admin, 25 Baseline) over its namespaces: the tiers' cost.
  const tiered: ClusterState = { ...big, clusterPolicies: clusterPolicies(big, 50) }
  const tierRuns: number[] = []
  for (let i = 0; i < 5; i++) tierRuns.push(time(() => predict(tiered, targets4)))
  const withTiers = { clusterPolicies: 50, cells, medianMs: +median(tierRuns).toFixed(1), withoutMs: large.medianMs, targetMs: 1000 }

  const targets2: Target[] = [
    { port: 80, protocol: 'TCP' },
    { port: 81, protocol: 'TCP' },
  ]
  const scenario = generateScenario({ pods: 300, namespaces: 20, policies: 200, targets: targets2 })
  const jsonRuns: number[] = []
  const baseRuns: number[] = []
  let bytes = 0
  for (let i = 0; i < 5; i++) {
    jsonRuns.push(
      time(() => {
        bytes = 0
        for (const c of predictJsonChunks(scenario, predictSteps(scenario))) bytes += c.length
      }),
    )
    // Baseline: node merely building and serialising the same cells (the verdicts are arbitrary).
    baseRuns.push(
      time(() => {
        const ids = scenario.pods.map((p) => `${p.namespace}/${p.name}`)
        const out = []
        for (const t of targets2)
          for (const from of ids)
            for (const to of ids)
              out.push({ from, to, port: t.port, protocol: t.protocol, verdict: from.length > to.length ? 'allow' : 'deny' })
        JSON.stringify({ scenario: scenario.name, steps: [{ name: 'all policies', cells: out }] })
      }),
    )
  }
  const json = {
    cells: scenario.pods.length ** 2 * 2,
    bytes,
    medianMs: +median(jsonRuns).toFixed(1),
    baselineMedianMs: +median(baseRuns).toFixed(1),
    ratio: +(median(jsonRuns) / median(baseRuns)).toFixed(2),
    targetRatio: 3,
  }
  return { large, withTiers, predictJson: json }
}

/** `n` seeded ClusterNetworkPolicies over the namespaces of `state`: half Admin, half Baseline, Accept/Deny/Pass rules. */
function clusterPolicies(state: ClusterState, n: number): ClusterPolicy[] {
  const ns = state.namespaces.map((x) => x.name)
  const sel = (i: number) => ({ matchLabels: { 'kubernetes.io/metadata.name': ns[i % ns.length] } })
  const actions = ['Accept', 'Deny', 'Pass'] as const
  return Array.from({ length: n }, (_, i) => ({
    apiVersion: 'policy.networking.k8s.io/v1alpha2',
    kind: 'ClusterNetworkPolicy',
    metadata: { name: `bench-${i}` },
    spec: {
      tier: i % 2 ? 'Baseline' : 'Admin',
      priority: i,
      subject: { namespaces: sel(i) },
      ingress: [0, 1, 2].map((r) => ({
        action: actions[(i + r) % 3],
        from: [{ namespaces: sel(i * 7 + r) }],
        ...(r === 0 ? { protocols: [{ tcp: { destinationPort: { number: 80 } } }] } : {}),
      })),
      egress: [{ action: actions[i % 3], to: [{ networks: ['10.0.0.0/8'] }], protocols: [{ udp: { destinationPort: { number: 53 } } }] }],
    },
  }))
}

/** Runs the evaluator benchmark, prints it, and writes reports/bench/evaluator.json. */
export function main(): void {
  const result = { when: new Date().toISOString(), node: process.version, ...benchEvaluator() }
  const l = result.large
  const j = result.predictJson
  console.log(
    `evaluator: 1000 pods / 50 namespaces / 500 policies / 4 targets = ${l.cells} cells: median ${l.medianMs} ms (target <= 1000 ms), peak RSS ${l.peakRssMiB} MiB (target <= 1024 MiB)`,
  )
  console.log(
    `evaluator with tiers: the same cluster + ${result.withTiers.clusterPolicies} ClusterNetworkPolicies: median ${result.withTiers.medianMs} ms (without: ${result.withTiers.withoutMs} ms; target <= 1000 ms)`,
  )
  console.log(
    `predict --output json: 300 pods / 200 policies / 2 targets = ${j.cells} cells: ${j.medianMs} ms vs baseline ${j.baselineMedianMs} ms = ${j.ratio}x (target <= 3x)`,
  )
  mkdirSync('reports/bench', { recursive: true })
  writeFileSync('reports/bench/evaluator.json', JSON.stringify(result, null, 2) + '\n')
  console.log('written: reports/bench/evaluator.json')
}

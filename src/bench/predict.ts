// Why: `npm run bench` part 4 (issues 14 and 21): `predict` at scale. Size: ~2.5 M and ~10 M cells predicted and
// streamed as JSON to /dev/null, each in a fresh child process (peak RSS is that process's alone), target
// <= 1 GiB and time linear in cells. Speed: the real CLI on a 300-pod, 200-policy file against the serialisation
// floor (a node process that only builds and writes the same cells), target <= 3x.
import { spawnSync } from 'node:child_process'
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Target } from '../model/cluster.js'
import type { Scenario } from '../model/scenario.js'
import { predictJsonChunks, predictSteps } from '../cli/predict.js'
import { writeChunks } from '../cli/io.js'
import { generateScenario } from './generate.js'

const TARGETS: Target[] = [
  { port: 80, protocol: 'TCP' },
  { port: 81, protocol: 'TCP' },
]

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

/** The child: predicts a generated cluster of `pods` pods and streams its JSON to /dev/null; prints its numbers. */
async function child(pods: number, policies: number): Promise<void> {
  const t0 = performance.now()
  const scenario = generateScenario({ pods, namespaces: 50, policies, targets: TARGETS })
  const t1 = performance.now()
  const cpu0 = process.cpuUsage()
  const sink = createWriteStream('/dev/null')
  let bytes = 0
  const counted = (function* () {
    for (const c of predictJsonChunks(scenario, predictSteps(scenario))) {
      bytes += c.length
      yield c
    }
  })()
  await writeChunks(sink, counted)
  await new Promise((resolve) => sink.end(resolve))
  const t2 = performance.now()
  const cpu = process.cpuUsage(cpu0)
  console.log(
    JSON.stringify({
      pods,
      cells: pods * pods * TARGETS.length,
      bytes,
      generateMs: Math.round(t1 - t0),
      predictAndWriteMs: Math.round(t2 - t1),
      predictAndWriteCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  )
}

/** Runs node with `args`; its stdout and, from a preloaded exit hook, its own resource usage. */
function timedNode(args: string[], stdout: 'pipe' | 'ignore' = 'ignore') {
  const hook = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nRUSAGE '+JSON.stringify(process.resourceUsage())+'\\n'))`
  const t0 = performance.now()
  const r = spawnSync(process.execPath, ['--import', hook, ...args], {
    stdio: ['ignore', stdout, 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  })
  const wallMs = performance.now() - t0
  const line = r.stderr.split('\n').find((l) => l.startsWith('RUSAGE '))
  if (r.status !== 0 || !line) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 2000)}`)
  const u = JSON.parse(line.slice(7)) as NodeJS.ResourceUsage
  return { wallMs, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, peakRssMiB: u.maxRSS / 1024, stdout: r.stdout }
}

/** One child run predicting `pods` pods x 500 policies x 2 targets; its own numbers. */
function sizeRun(self: string, pods: number) {
  const r = timedNode([self, 'child', String(pods), '500'], 'pipe')
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    pods: number
    cells: number
    bytes: number
    generateMs: number
    predictAndWriteMs: number
    predictAndWriteCpuMs: number
    peakRssMiB: number
  }
}

/** ~2.5 M and ~10 M cells in fresh processes: time, peak RSS, and how far from linear the time is. */
export function benchPredictSize() {
  const self = fileURLToPath(import.meta.url)
  // Three runs per size, interleaved so both sizes see the same load; the run with the median CPU time is kept.
  const sizes = [1118, 2236]
  const all = [0, 1, 2].flatMap(() => sizes.map((pods) => sizeRun(self, pods)))
  const runs = sizes.map((pods) => {
    const mine = all.filter((r) => r.pods === pods).sort((a, b) => a.predictAndWriteCpuMs - b.predictAndWriteCpuMs)
    return mine[1]
  })
  const [small, large] = runs
  return {
    runs,
    largeCells: large.cells,
    // The most any 10 M run took.
    largePeakRssMiB: Math.max(...all.filter((r) => r.pods === large.pods).map((r) => r.peakRssMiB)),
    targetPeakRssMiB: 1024,
    // 1.0 is linear: time per cell at 10 M over time per cell at 2.5 M; CPU time is what to read on a busy machine.
    timePerCellRatio: +(large.predictAndWriteMs / large.cells / (small.predictAndWriteMs / small.cells)).toFixed(2),
    cpuPerCellRatio: +(large.predictAndWriteCpuMs / large.cells / (small.predictAndWriteCpuMs / small.cells)).toFixed(2),
  }
}

/** The scenario as a scenario file (JSON is YAML), as a user would write it. */
function scenarioFile(s: Scenario): string {
  const namespaces: Record<string, { labels: Record<string, string>; pods: Record<string, unknown> }> = {}
  for (const n of s.namespaces) namespaces[n.name] = { labels: { ...n.labels }, pods: {} }
  for (const p of s.pods) namespaces[p.namespace].pods[p.name] = { labels: p.labels, ip: p.ip }
  const apply = s.steps[0].actions.flatMap((a) => (a.kind === 'apply-policy' ? [a.policy] : []))
  return JSON.stringify({ name: s.name, namespaces, probe: { targets: TARGETS, timeout: '1s' }, steps: [{ name: 'all policies', apply }] })
}

// The floor: a node process that builds the same number of cells and writes them as one JSON document.
const FLOOR = `
const ids = Array.from({ length: Number(process.argv[1]) }, (_, i) => 'ns-' + (i % 20) + '/pod-' + i)
const cells = []
for (const t of [80, 81]) for (const from of ids) for (const to of ids)
  cells.push({ from, to, port: t, protocol: 'TCP', verdict: from.length > to.length ? 'allow' : 'deny' })
process.stdout.write(JSON.stringify({ scenario: 'floor', steps: [{ name: 'all policies', cells }] }) + '\\n')
`

/** The CLI's `predict -o json` on a 300-pod, 200-policy file vs the serialisation floor, medians of 5 runs each. */
export function benchPredictCli(pods = 300, policies = 200) {
  const dir = mkdtempSync(join(tmpdir(), 'nph-bench-'))
  try {
    const file = join(dir, 'bench.yaml')
    writeFileSync(file, scenarioFile(generateScenario({ pods, namespaces: 20, policies, targets: TARGETS })))
    const bin = fileURLToPath(new URL('../cli/bin.js', import.meta.url))
    const cli: ReturnType<typeof timedNode>[] = []
    const floor: ReturnType<typeof timedNode>[] = []
    const version: ReturnType<typeof timedNode>[] = []
    // Interleaved, so both see the same load.
    for (let i = 0; i < 5; i++) {
      cli.push(timedNode([bin, 'predict', file, '--output', 'json']))
      floor.push(timedNode(['-e', FLOOR, String(pods)]))
      version.push(timedNode([bin, '--version']))
    }
    const m = (xs: ReturnType<typeof timedNode>[], k: 'wallMs' | 'cpuMs') => +median(xs.map((x) => x[k])).toFixed(0)
    return {
      pods,
      policies,
      cells: pods * pods * TARGETS.length,
      cliWallMs: m(cli, 'wallMs'),
      cliCpuMs: m(cli, 'cpuMs'),
      floorWallMs: m(floor, 'wallMs'),
      floorCpuMs: m(floor, 'cpuMs'),
      startupCpuMs: m(version, 'cpuMs'),
      ratioWall: +(median(cli.map((x) => x.wallMs)) / median(floor.map((x) => x.wallMs))).toFixed(2),
      ratioCpu: +(median(cli.map((x) => x.cpuMs)) / median(floor.map((x) => x.cpuMs))).toFixed(2),
      targetRatio: 3,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Runs both predict benchmarks, prints them, and writes reports/bench/predict.json. */
export function main(): void {
  const size = benchPredictSize()
  const [s, l] = size.runs
  console.log(
    `predict size: ${s.cells} cells in ${s.predictAndWriteMs} ms (${s.predictAndWriteCpuMs} ms CPU), peak RSS ${s.peakRssMiB} MiB; ${l.cells} cells (${(l.bytes / 2 ** 20).toFixed(0)} MiB of JSON) in ${l.predictAndWriteMs} ms (${l.predictAndWriteCpuMs} ms CPU), peak RSS ${size.largePeakRssMiB} MiB at most (target <= 1024 MiB); per cell 10 M / 2.5 M: wall ${size.timePerCellRatio}, CPU ${size.cpuPerCellRatio} (1 = linear)`,
  )
  const cli = benchPredictCli()
  console.log(
    `predict CLI: ${cli.pods} pods / ${cli.policies} policies / 2 targets = ${cli.cells} cells: ${cli.cliWallMs} ms wall, ${cli.cliCpuMs} ms CPU vs floor ${cli.floorWallMs} ms wall, ${cli.floorCpuMs} ms CPU = ${cli.ratioWall}x wall, ${cli.ratioCpu}x CPU (target <= 3x); CLI start-up alone ${cli.startupCpuMs} ms CPU`,
  )
  const result = { when: new Date().toISOString(), node: process.version, size, cli }
  mkdirSync('reports/bench', { recursive: true })
  writeFileSync('reports/bench/predict.json', JSON.stringify(result, null, 2) + '\n')
  console.log('written: reports/bench/predict.json')
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'child')
  await child(Number(process.argv[3]), Number(process.argv[4]))

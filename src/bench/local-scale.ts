// Why: `npm run bench` part 4, the local driver at scale (issue 14, needs root): 1,000 pods up (topology, dataplane
// and agents ready) and down, and 4,096-cell probe rounds, each checked cell by cell against the prediction.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import type { ProbeConnection } from '../drivers/driver.js'
import { LocalDriver } from '../drivers/local/index.js'
import { predict } from '../evaluator/index.js'
import type { Scenario } from '../model/scenario.js'
import { endpointAddresses } from '../model/state.js'
import { cellKey } from '../model/truth-table.js'
import { parseScenario } from '../scenario/parse.js'

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (clock ticks, 100 per second on Linux). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

function scenario(namespaces: number, podsPer: number, probe: string, policies = ''): Scenario {
  const ns = Array.from(
    { length: namespaces },
    (_, i) =>
      `  ns${i}: {pods: {${Array.from({ length: podsPer }, (_, j) => `p${j}: {labels: {pod: p${j}, half: h${j % 2}}}`).join(', ')}}}`,
  ).join('\n')
  const text = `name: scale\nnamespaces:\n${ns}\nprobe: ${probe}\nsteps:\n  - name: policies\n${policies}`
  const r = parseScenario(text, 'scale.yaml', () => undefined)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.scenario
}

/** 1,000 pods (10 namespaces x 100, two nodes, one TCP port each): up() until every agent serves, then down(). */
async function podsUp(pods: number) {
  const s = scenario(10, pods / 10, '{ports: [80], protocols: [TCP], timeout: 1s}')
  let phases = ''
  const d = new LocalDriver({ log: (l) => (phases = /\((links .*)\)$/.exec(l)?.[1] ?? phases) })
  const t0 = performance.now()
  let upMs = 0
  let downMs = 0
  try {
    await d.up(s, new AbortController().signal)
    upMs = performance.now() - t0
  } finally {
    const t1 = performance.now()
    await d.down()
    downMs = performance.now() - t1
  }
  return { pods, upMs: Math.round(upMs), phases, downMs: Math.round(downMs), targetUpMs: 10000 }
}

/**
 * 32 pods x 32 pods x ports 80/81 x TCP/UDP = 4,096 cells, half of them denied (every pod of half h1 takes ingress
 * from h0 pods only, on port 80 only), 1 s timeout; `runs` rounds. A false timeout is an allowed cell that did not
 * answer; a leaked verdict is a denied cell that did (or any answer from the wrong pod).
 */
async function bigRound(runs: number) {
  const policy = `    apply:
${Array.from(
  { length: 4 },
  (_, i) =>
    `      - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: h1-from-h0, namespace: ns${i}}, spec: {podSelector: {matchLabels: {half: h1}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {half: h0}}}], ports: [{port: 80, protocol: TCP}, {port: 80, protocol: UDP}]}]}}`,
).join('\n')}
`
  const s = scenario(4, 8, '{ports: [80, 81], protocols: [TCP, UDP], timeout: 1s}', policy)
  const timeoutMs = s.steps[0].probe.timeoutMs
  const d = new LocalDriver()
  const out: { ms: number; agentCpuMs: number; falseTimeouts: number; leaked: number; errors: number; hedged: number; failed?: string }[] =
    []
  let cells = 0
  let denied = 0
  try {
    await d.up(s, new AbortController().signal)
    await d.apply(s.steps[0].actions)
    // Let the dataplane settle: the verdicts measured are the probe's, not programming latency.
    await new Promise((r) => setTimeout(r, 1500))
    const state = d.state()
    const addresses = endpointAddresses(state)
    const verdicts = new Map<string, string>()
    const conns: ProbeConnection[] = []
    for (const c of predict(state, s.steps[0].probe.targets).entries()) {
      const key = cellKey(c.from, c.to, c.target)
      verdicts.set(key, c.value)
      conns.push({ key, from: c.from, to: c.to, ip: addresses.get(c.to)!, target: c.target })
    }
    cells = conns.length
    denied = [...verdicts.values()].filter((v) => v === 'deny').length
    const to = new Map(conns.map((c) => [c.key, c.to]))
    for (let i = 0; i < runs; i++) {
      const cpu = () => d.agentPids().reduce((a, p) => a + cpuSeconds(p), 0)
      const cpu0 = cpu()
      const t0 = performance.now()
      let raws: Awaited<ReturnType<LocalDriver['probe']>>
      try {
        raws = await d.probe(conns, timeoutMs)
      } catch (e) {
        // An agent that did not answer within timeout + 10 s: the round failed (recorded, not thrown).
        out.push({
          ms: Math.round(performance.now() - t0),
          agentCpuMs: Math.round((cpu() - cpu0) * 1000),
          falseTimeouts: 0,
          leaked: 0,
          errors: cells,
          hedged: 0,
          failed: (e as Error).message,
        })
        continue
      }
      const ms = performance.now() - t0
      let falseTimeouts = 0
      let leaked = 0
      let errors = 0
      let hedged = 0
      for (const r of raws) {
        const allow = verdicts.get(r.key) === 'allow'
        if (r.detail?.includes('attempt ')) hedged++
        if (r.outcome === 'connected') {
          if (!allow || r.answeredBy !== to.get(r.key)) leaked++
        } else if (r.outcome === 'timeout') {
          if (allow) falseTimeouts++
        } else errors++
      }
      out.push({ ms: Math.round(ms), agentCpuMs: Math.round((cpu() - cpu0) * 1000), falseTimeouts, leaked, errors, hedged })
      await new Promise((r) => setTimeout(r, 200))
    }
  } finally {
    await d.down()
  }
  const worst = Math.max(...out.map((r) => r.ms))
  return {
    cells,
    denied,
    timeoutMs,
    runs: out,
    worstRoundMs: worst,
    // CPU the agents spent on a round, whatever else the machine runs: what the round costs, load aside.
    medianAgentCpuMs: [...out.map((r) => r.agentCpuMs)].sort((a, b) => a - b)[Math.floor(out.length / 2)],
    worstRoundOverTimeout: +(worst / timeoutMs).toFixed(3),
    targetRoundOverTimeout: 1.2,
    falseTimeouts: out.reduce((a, r) => a + r.falseTimeouts, 0),
    leakedVerdicts: out.reduce((a, r) => a + r.leaked, 0),
    errors: out.reduce((a, r) => a + r.errors, 0),
    failedRounds: out.filter((r) => r.failed).length,
  }
}

/** Runs the local scale benchmark, prints it, and writes reports/bench/local-scale.json. */
export async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('local-scale bench: skipped (needs root for network namespaces)')
    return
  }
  const load = loadavg()[0]
  const up = await podsUp(1000)
  console.log(`local scale: ${up.pods} pods up in ${up.upMs} ms (target <= ${up.targetUpMs}; ${up.phases}), down in ${up.downMs} ms`)
  const round = await bigRound(10)
  console.log(
    `local scale: ${round.cells}-cell round (${round.denied} denied), ${round.timeoutMs} ms timeout, ${round.runs.length} runs: worst ${round.worstRoundMs} ms = ${round.worstRoundOverTimeout} x timeout (target <= 1.2), rounds ${round.runs.map((r) => r.ms).join(' ')} ms, agents' CPU per round ${round.medianAgentCpuMs} ms (median); false timeouts ${round.falseTimeouts}, leaked verdicts ${round.leakedVerdicts}, errors ${round.errors}, failed rounds ${round.failedRounds} (load average ${load.toFixed(1)} at start)`,
  )
  const r = { when: new Date().toISOString(), node: process.version, cpus: availableParallelism(), loadAverageAtStart: load, up, round }
  mkdirSync('reports/bench', { recursive: true })
  writeFileSync('reports/bench/local-scale.json', JSON.stringify(r, null, 2) + '\n')
  console.log('written: reports/bench/local-scale.json')
}

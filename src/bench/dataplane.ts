// Why: `npm run bench` part 3: the local dataplane compiler and its nft transactions at 200 pods x 200 policies,
// the work every node agent repeats on each change (and, unless nothing changed, on each resync).
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import type { Target } from '../model/cluster.js'
import { compileRulesets } from '../drivers/local/compile-nft.js'
import { LocalDataplane } from '../drivers/local/dataplane.js'
import { removeNamespace } from '../drivers/local/cleanup.js'
import { claimSession, newSessionId, releaseSession } from '../drivers/local/names.js'
import { planTopology } from '../drivers/local/topology.js'
import { Agent, findPython } from '../drivers/local/agents.js'
import { defaultExec, execOrThrow } from '../drivers/exec.js'
import { initialState } from '../scenario/apply-actions.js'
import { generateScenario } from './generate.js'

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

async function time(fn: () => unknown): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

const RUNS = 7

/** Compile, nft apply, and an unchanged resync for a seeded 200-pod, 200-policy cluster on two node namespaces. */
export async function benchDataplane(pods = 200, policies = 200) {
  const targets: Target[] = [
    { port: 80, protocol: 'TCP' },
    { port: 81, protocol: 'TCP' },
    { port: 53, protocol: 'UDP' },
  ]
  const scenario = generateScenario({ pods, namespaces: 10, policies, targets })
  const state = {
    ...initialState(scenario),
    policies: scenario.steps[0].actions.flatMap((a) => (a.kind === 'apply-policy' ? [a.policy] : [])),
  }
  const sid = newSessionId()
  const plan = planTopology(scenario, sid, 2)
  const compileRuns: number[] = []
  let rules = 0
  let bytes = 0
  for (let i = 0; i < RUNS; i++)
    compileRuns.push(
      await time(() => {
        const out = compileRulesets(state, plan)
        bytes = [...out.values()].reduce((n, s) => n + s.length, 0)
        rules = [...out.values()].reduce((n, s) => n + s.split('\n').filter((l) => /\b(accept|return|drop)$/.test(l.trim())).length, 0)
      }),
    )
  const applyRuns: number[] = []
  const agentApplyRuns: number[] = []
  const totalRuns: number[] = []
  const resyncRuns: number[] = []
  const agents = new Map<string, Agent>()
  claimSession(sid)
  try {
    for (const n of plan.nodes) await execOrThrow(defaultExec, ['ip', 'netns', 'add', n.ns])
    // The node agents, as the driver runs them: they apply their node's rulesets in-process (libnftables).
    const python = (await findPython(defaultExec))?.executable
    for (const n of plan.nodes) agents.set(n.ns, new Agent(n.ns, 64, python))
    await Promise.all([...agents.values()].map((a) => a.started(60000)))
    const viaAgent = async (ns: string, script: string) => (await agents.get(ns)!.send({ cmd: 'nft', script }, 30000)).output ?? ''
    const scripts = compileRulesets(state, plan)
    for (let i = 0; i < RUNS; i++)
      applyRuns.push(
        await time(() =>
          Promise.all(
            [...scripts].map(([ns, script]) => execOrThrow(defaultExec, ['ip', 'netns', 'exec', ns, 'nft', '-f', '-'], { input: script })),
          ),
        ),
      )
    for (let i = 0; i < RUNS; i++)
      agentApplyRuns.push(await time(() => Promise.all([...scripts].map(([ns, script]) => viaAgent(ns, script)))))
    // A new state object each run: the dataplane compiles again (it caches the rulesets of an unchanged state).
    let current = state
    const dp = new LocalDataplane(plan, () => current, state, { exec: defaultExec, resyncMs: 0, nft: viaAgent })
    for (let i = 0; i < RUNS; i++) {
      current = { ...state }
      totalRuns.push(await time(() => dp.sync(true)))
    }
    for (let i = 0; i < RUNS; i++) resyncRuns.push(await time(() => dp.resync()))
    dp.close()
  } finally {
    await Promise.all([...agents.values()].map((a) => a.stop()))
    for (const n of plan.nodes) await removeNamespace(defaultExec, n.ns)
    releaseSession(sid)
  }
  const r1 = (x: number) => +x.toFixed(1)
  return {
    pods,
    policies,
    nodes: plan.nodes.length,
    rules,
    bytes,
    compileMs: { runs: compileRuns.map(r1), median: r1(median(compileRuns)) },
    nftApplyMs: { runs: applyRuns.map(r1), median: r1(median(applyRuns)) },
    agentApplyMs: { runs: agentApplyRuns.map(r1), median: r1(median(agentApplyRuns)) },
    // Through the node agents, as the driver programs (agentApplyMs): the target's number.
    compileAndApplyMs: { runs: totalRuns.map(r1), median: r1(median(totalRuns)) },
    resyncUnchangedMs: { runs: resyncRuns.map(r1), median: r1(median(resyncRuns)) },
    targetCompileAndApplyMs: 200,
  }
}

/** Runs the dataplane benchmark, prints it, and writes reports/bench/dataplane.json. */
export async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('dataplane bench: skipped (needs root for network namespaces)')
    return
  }
  const r = { when: new Date().toISOString(), node: process.version, loadAverageAtStart: loadavg()[0], ...(await benchDataplane()) }
  console.log(
    `dataplane: ${r.pods} pods / ${r.policies} policies on ${r.nodes} nodes = ${r.rules} rules, ${r.bytes} bytes: compile median ${r.compileMs.median} ms, nft apply ${r.nftApplyMs.median} ms (ip netns exec nft), ${r.agentApplyMs.median} ms (the node agents' libnftables), compile + apply ${r.compileAndApplyMs.median} ms (target <= ${r.targetCompileAndApplyMs} ms), resync with nothing changed ${r.resyncUnchangedMs.median} ms (load average ${r.loadAverageAtStart.toFixed(1)} at start)`,
  )
  mkdirSync('reports/bench', { recursive: true })
  writeFileSync('reports/bench/dataplane.json', JSON.stringify(r, null, 2) + '\n')
  console.log('written: reports/bench/dataplane.json')
}

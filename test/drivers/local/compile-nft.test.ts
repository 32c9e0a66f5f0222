// The local CNI's compiler: rulesets per node that nft itself accepts (checked with `nft -c`, nothing applied).
import t from 'tap'
import { execa } from 'execa'
import { compileRulesets } from '../../../src/drivers/local/compile-nft.js'
import { planTopology } from '../../../src/drivers/local/topology.js'
import { stepStates } from '../../../src/scenario/apply-actions.js'
import { loadScenarios } from '../../../src/scenario/load.js'

const [s] = loadScenarios(['test/fixtures/scenarios/local-mix.yaml'])
const plan = planTopology(s, 'abcdef', 2)
const states = stepStates(s)

/** The body of the chain a pod's interface dispatches to (`in`: ingress, `out`: egress), or undefined. */
function chainOf(script: string, dir: 'in' | 'out', hostIf: string): string | undefined {
  const map = new RegExp(`${dir === 'in' ? 'oifname' : 'iifname'} vmap \\{[^}]*"${hostIf}" : jump (${dir}-\\d+)`).exec(script)
  return map ? new RegExp(`chain ${map[1]} \\{([^}]*)\\}`).exec(script)?.[1] : undefined
}

t.test('topology plan: pods spread over two nodes, names within 15 characters', async (t) => {
  t.same(
    plan.nodes.map((n) => n.name),
    ['node-1', 'node-2'],
  )
  t.same(
    plan.pods.map((p) => p.node!.name),
    ['node-1', 'node-2', 'node-1', 'node-2', 'node-1'],
  )
  t.ok([...plan.pods, ...plan.externals].every((e) => e.ns.startsWith('nph-abcdef-')))
})

t.test('rulesets follow the policies', async (t) => {
  const step2 = compileRulesets(states[1], plan)
  const node1 = step2.get(plan.nodes[0].ns)!
  t.ok(chainOf(node1, 'in', 'vp0'), 'app/web is isolated for ingress')
  t.match(node1, /ip saddr 198\.51\.100\.0\/24 meta l4proto tcp th dport 80 accept/, 'ipBlock ingress to web')
  t.notMatch(node1, /iifname vmap|jump out-/, 'no egress isolation yet')
  const node2 = step2.get(plan.nodes[1].ns)!
  const named = /ip saddr @(a\d+) meta l4proto tcp th dport 80 accept/.exec(chainOf(node2, 'in', 'vp1') ?? '')
  t.ok(named, 'named port http resolved to 80 on api')
  t.match(node2, new RegExp(`set ${named?.[1]} \\{\\s+type ipv4_addr\\s+elements = \\{ [\\d.]+ \\}`), 'peers are a named set')
  t.match(node2, /meta l4proto udp th dport 53 accept/, 'named UDP port dns resolved to 53')
  const step3 = compileRulesets(states[2], plan).get(plan.nodes[0].ns)!
  t.match(step3, /ip daddr 172\.16\.32\.0\/24 ip daddr != \{ 172\.16\.32\.128\/25 \} meta l4proto tcp th dport 5432 return/, 'except kept')
  t.ok(chainOf(step3, 'out', 'vp0'), 'app/web is isolated for egress')
})

t.test('address lists are named sets, one per distinct list, each element once', async (t) => {
  for (const st of states)
    for (const script of compileRulesets(st, plan).values()) {
      const sets = [...script.matchAll(/set (a\d+) \{\s+type ipv4_addr\s+elements = \{ ([^}]*) \}/g)]
      const lists = sets.map((m) => m[2])
      t.equal(new Set(lists).size, lists.length, 'no two sets hold the same list')
      for (const [, name] of sets) t.match(script, new RegExp(`@${name} `), `${name} is used`)
      t.notMatch(script, /(saddr|daddr) \{ \d+\.\d+\.\d+\.\d+ [,}]/, 'no inline address lists')
    }
})

t.test('pods whose chains come out the same share one chain', async (t) => {
  const [[, script]] = compileRulesets(
    {
      ...states[0],
      pods: states[0].pods.map((p) => ({ ...p, labels: { same: 'yes' } })),
      policies: [
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'all', namespace: 'app' },
          spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 80 }] }] },
        },
      ],
    },
    { ...plan, nodes: [plan.nodes[0]], pods: plan.pods.map((p) => ({ ...p, node: plan.nodes[0] })) },
  )
  const app = plan.pods.filter((p) => p.id.startsWith('app/'))
  t.equal(app.length, 3)
  t.same([...script.matchAll(/chain (in-\d+)/g)].length, 1, 'one chain')
  for (const p of app) t.match(script, new RegExp(`"${p.hostIf}" : jump in-0`), `${p.id} jumps to it`)
  t.notMatch(script, /"vp3" : jump/, 'ops pods are not selected')
})

t.test('the skip-policy fault removes exactly that policy', async (t) => {
  const ok = compileRulesets(states[1], plan).get(plan.nodes[0].ns)!
  const broken = compileRulesets(states[1], plan, { skipPolicies: ['app/web-from-outside'] }).get(plan.nodes[0].ns)!
  t.match(ok, /198\.51\.100\.0\/24/)
  t.notMatch(broken, /198\.51\.100\.0\/24/)
})

const canNft = process.getuid?.() === 0 && (await execa('nft', ['--version'], { reject: false })).exitCode === 0
t.test(
  'nft accepts every ruleset of every step (nft -c: check only)',
  { skip: canNft ? false : 'needs root and nft (apt-get install nftables)' },
  async (t) => {
    for (const [i, st] of states.entries()) {
      for (const [ns, script] of compileRulesets(st, plan)) {
        const r = await execa('nft', ['-c', '-f', '-'], { input: script, reject: false })
        t.equal(r.exitCode, 0, `step ${i + 1} ${ns}: ${r.stderr}`)
      }
    }
  },
)

t.test('each fault mode changes the rules the way its bug class does', async (t) => {
  const node = (i: number, modes: Parameters<typeof compileRulesets>[2]) => compileRulesets(states[i], plan, modes).get(plan.nodes[0].ns)!
  t.notMatch(node(2, { modes: ['ignore-except'] }), /!= \{ 172\.16\.32\.128\/25 \}/, 'ignore-except drops the except')
  t.notMatch(node(2, { modes: ['forget-egress-isolation'] }), /jump out-/, 'forget-egress-isolation: no egress chain')
  t.notMatch(
    compileRulesets(states[1], plan, { modes: ['drop-udp-rules'] }).get(plan.nodes[1].ns)!,
    /l4proto udp/,
    'drop-udp-rules: no UDP accept',
  )
  t.match(
    node(1, { modes: ['ipblock-skips-pods'] }),
    /ip saddr 198\.51\.100\.0\/24 ip saddr != \{ [\d./, ]+ \}/,
    'ipblock-skips-pods carves pods out',
  )
  t.equal(node(1, { modes: [] }), node(1, {}), 'no mode, no change')
})

t.test('dual-stack: a rule per family (ip and ip6 sets), ipBlocks by their family; ipv4-only leaves IPv6 unfiltered', async (t) => {
  const [d] = loadScenarios(['scenarios/dual-stack/external-range.yaml'])
  const dplan = planTopology(d, 'abcdef', 1)
  const node = (modes: Parameters<typeof compileRulesets>[2] = {}) =>
    compileRulesets(stepStates(d)[1], dplan, modes).get(dplan.nodes[0].ns)!
  const script = node()
  t.match(script, /ip saddr 198\.51\.100\.0\/24 ip saddr != \{ 198\.51\.100\.128\/25 \} accept/, 'the IPv4 range with its except')
  t.match(script, /ip6 saddr 2001:db8::\/32 ip6 saddr != \{ 2001:db8:bad::\/48 \} accept/, 'the IPv6 range with its except')
  t.notMatch(script, /meta nfproto ipv6 accept/)
  const both = compileRulesets(stepStates(d)[0], dplan).get(dplan.nodes[0].ns)!
  t.notMatch(both, /vmap/, 'baseline: nothing isolated')
  const [sel] = loadScenarios(['scenarios/dual-stack/default-deny.yaml'])
  const splan = planTopology(sel, 'abcdef', 1)
  const s3 = compileRulesets(stepStates(sel)[2], splan).get(splan.nodes[0].ns)!
  const v4 = /ip saddr @(a\d+) meta l4proto tcp th dport 80 accept/.exec(s3)
  const v6 = /ip6 saddr @(b\d+) meta l4proto tcp th dport 80 accept/.exec(s3)
  t.ok(v4 && v6, 'a pod-selector peer becomes one rule per family')
  t.match(s3, new RegExp(`set ${v6?.[1]} \\{\\s+type ipv6_addr\\s+elements = \\{ fd00:10:244::a \\}`), 'IPv6 peers are an ipv6_addr set')
  t.match(
    node({ modes: ['ipv4-only'] }),
    /ct state established,related accept\n\s+meta nfproto ipv6 accept/,
    'ipv4-only: IPv6 never filtered',
  )
  if (process.getuid?.() === 0) {
    for (const text of [script, s3, node({ modes: ['ipv4-only'] })]) {
      const r = await execa('nft', ['-c', '-f', '-'], { input: text, reject: false })
      t.equal(r.exitCode, 0, r.stderr)
    }
  }
})

t.test('cluster policies: Admin chain first, Pass jumps to the NetworkPolicy tier, Baseline after it; nft accepts them', async (t) => {
  const [cp] = loadScenarios(['scenarios/cluster-policy/integration.yaml'])
  const cpPlan = planTopology(cp, 'abcdef', 1)
  const cpStates = stepStates(cp)
  const harry = cpPlan.pods.find((p) => p.id === 'gryffindor/harry')!
  const [[, step2]] = compileRulesets(cpStates[1], cpPlan)
  const entry = chainOf(step2, 'in', harry.hostIf!)!
  const pass = /ip saddr @a\d+ goto (in-\d+)/.exec(entry)
  t.ok(pass, `the Admin Pass rule jumps over the rest of the tier: ${entry}`)
  t.match(entry, new RegExp(`goto ${pass?.[1]}\\s*$`), 'and so does the end of the Admin tier')
  t.match(
    new RegExp(`chain ${pass?.[1]} \\{([^}]*)\\}`).exec(step2)?.[1] ?? '',
    /accept\s+drop\s*$/,
    'the NetworkPolicy tier decides (it isolates)',
  )
  const [[, step3]] = compileRulesets(cpStates[2], cpPlan)
  const rest = /goto (in-\d+)\s*$/.exec(chainOf(step3, 'in', harry.hostIf!)!)?.[1]
  t.match(
    new RegExp(`chain ${rest} \\{([^}]*)\\}`).exec(step3)?.[1] ?? '',
    /ip saddr @a\d+ drop\s+accept\s*$/,
    'no NetworkPolicy: Baseline deny, then allowed',
  )
  const [[, buggy]] = compileRulesets(cpStates[1], cpPlan, { modes: ['pass-as-allow'] })
  t.match(chainOf(buggy, 'in', harry.hostIf!)!, /ip saddr @a\d+ accept/, 'pass-as-allow: the Pass rule accepts')
  if (!canNft) return
  for (const [i, st] of cpStates.entries())
    for (const [ns, script] of compileRulesets(st, cpPlan)) {
      const r = await execa('nft', ['-c', '-f', '-'], { input: script, reject: false })
      t.equal(r.exitCode, 0, `step ${i + 1} ${ns}: ${r.stderr}`)
    }
})

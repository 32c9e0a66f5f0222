// The local CNI's Calico chains (compile-nft-calico.ts): a named port in an egress rule's destination.notPorts is
// enforced per destination pod (address . port pairs), as the evaluator resolves it; nft accepts the rules.
import t from 'tap'
import { execa } from 'execa'
import { compileRulesets } from '../../../src/drivers/local/compile-nft.js'
import { planTopology } from '../../../src/drivers/local/topology.js'
import { stepStates } from '../../../src/scenario/apply-actions.js'
import { loadScenarios } from '../../../src/scenario/load.js'

const [s] = loadScenarios(['scenarios/calico/negations.yaml'])
const plan = planTopology(s, 'abcdef', 2)
const states = stepStates(s)
const ipOf = (id: string) => plan.pods.find((p) => p.id === id)!.ip
const all = (i: number) => [...compileRulesets(states[i], plan).values()].join('\n')

t.test('egress notPorts [admin]: each destination pod excluded on its own admin port', async (t) => {
  const script = all(2)
  const m = /ip daddr \. th dport != \{ ([^}]*) \} return/.exec(script)
  t.ok(m, 'the foe-out Allow rule excludes address . port pairs')
  t.same(
    m?.[1].split(', ').sort(),
    [`${ipOf('lab/friend')} . 80`, `${ipOf('lab/target')} . 8080`].sort(),
    'admin is 8080 on the target, 80 on the friend; the foe has no admin port',
  )
  t.notMatch(all(1), /daddr \. th dport/, 'no pairs before the step that names the port')
})

const canNft = process.getuid?.() === 0 && (await execa('nft', ['--version'], { reject: false })).exitCode === 0
t.test('nft accepts every Calico negation ruleset (nft -c: check only)', { skip: canNft ? false : 'needs root and nft' }, async (t) => {
  for (const [i, st] of states.entries())
    for (const [ns, script] of compileRulesets(st, plan)) {
      const r = await execa('nft', ['-c', '-f', '-'], { input: script, reject: false })
      t.equal(r.exitCode, 0, `step ${i + 1} ${ns}: ${r.stderr}`)
    }
})

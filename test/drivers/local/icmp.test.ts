// ICMP echo cells on the local driver, layer by layer: the agent sends a real echo from a pod's namespace (a raw
// socket) and only the destination kernel's reply counts; the Calico compiler renders icmp/notICMP type and code per
// family (and nft accepts it); scenarios/calico/icmp.yaml run with a dataplane that accepts every ICMP packet
// (icmp-always-accepted) is caught as fail-open on exactly the echo cells policy denies.
import t from 'tap'
import { execa } from 'execa'
import { compileRulesets } from '../../../src/drivers/local/compile-nft.js'
import { echoAnswers } from '../../../src/drivers/local/index.js'
import { planTopology } from '../../../src/drivers/local/topology.js'
import { ICMP_ECHO } from '../../../src/model/cluster.js'
import { stepStates } from '../../../src/scenario/apply-actions.js'
import { loadScenarios } from '../../../src/scenario/load.js'
import { cannotRunLocal, netnsNames } from '../../helpers/can-run.js'
import { reportSchemaErrors } from '../../helpers/schema.js'
import { agentWithPod } from '../../helpers/agent-pod.js'
import { runLocal } from '../../helpers/local-run.js'

const skip = await cannotRunLocal([['python3', '--version']])
const skipNft = await cannotRunLocal()

const [s] = loadScenarios(['scenarios/calico/icmp.yaml'])
const plan = planTopology(s, 'abcdef', 2)
const states = stepStates(s)
const scripts = (i: number, modes: Parameters<typeof compileRulesets>[2] = {}) => [...compileRulesets(states[i], plan, modes).values()]

t.test('compile: Calico icmp type and code, notICMP as two rules, nothing for the other family', async (t) => {
  const step3 = scripts(2).join('\n')
  t.match(step3, /meta l4proto icmp icmp type 8 icmp code 0 accept/, 'icmp {type: 8, code: 0}')
  t.notMatch(step3, /nfproto ipv6[^\n]*l4proto icmp\b/, 'protocol ICMP has no rule on IPv6 packets')
  const step4 = scripts(3).join('\n')
  t.match(step4, /meta l4proto icmp icmp type != 8 accept/, 'notICMP {type: 8}: any other type')
  const step1 = scripts(0).join('\n')
  t.notMatch(step1, /icmp/, 'Kubernetes policies need no ICMP rule: ports are l4proto matches, isolation ends in drop')
  t.notMatch(step1, /l4proto \{ icmp, ipv6-icmp \} accept/)
  t.match(scripts(0, { modes: ['icmp-always-accepted'] }).join('\n'), /meta l4proto \{ icmp, ipv6-icmp \} accept/, 'the fault')
})

t.test('compile: nft accepts every ruleset of the scenario', { skip: skipNft }, async (t) => {
  for (const [i] of states.entries())
    for (const script of [...scripts(i), ...scripts(i, { modes: ['icmp-always-accepted'] })]) {
      const r = await execa('nft', ['-c', '-f', '-'], { input: script, reject: false })
      t.equal(r.exitCode, 0, `step ${i + 1}: ${r.stderr}`)
    }
})

t.test('echoAnswers: the address probed is the destination; another address stays as it came', async (t) => {
  const conns = [
    { key: 'a', from: 'x/a', to: 'x/b', ip: '10.0.0.2', target: ICMP_ECHO },
    { key: 'b', from: 'x/a', to: 'x/c', ip: '10.0.0.3', target: ICMP_ECHO },
    { key: 'c', from: 'x/a', to: 'x/b', ip: '10.0.0.2', target: { port: 80, protocol: 'TCP' as const } },
  ]
  const out = echoAnswers(conns, [
    { key: 'a', outcome: 'connected', latencyMs: 1, answeredBy: '10.0.0.2' },
    { key: 'b', outcome: 'connected', latencyMs: 1, answeredBy: '10.0.0.9' },
    { key: 'c', outcome: 'connected', latencyMs: 1, answeredBy: '10.0.0.2' },
  ])
  t.same(
    out.map((o) => o.answeredBy),
    ['x/b', '10.0.0.9', '10.0.0.2'],
  )
})

t.test('agent: a real echo from the pod namespace, IPv4 and IPv6; nothing there is a timeout', { skip, timeout: 60000 }, async (t) => {
  const { agent, pod } = await agentWithPod(t, 'icmp', [], {
    ip: '10.99.0.1',
    gateway: '169.254.1.1',
    ip6: 'fd00:99::1',
    gateway6: 'fe80::1',
  })
  const probe = (connect: { key: string; ip: string; port: number; protocol: 'ICMP' }[]) =>
    agent.send({ cmd: 'probe', from: 'x/a', timeoutMs: 600, connect, attempts: 2 }, 10000).then((r) => r.results ?? [])
  const by = new Map(
    (
      await probe([
        { key: 'self4', ip: '10.99.0.1', port: 0, protocol: 'ICMP' },
        { key: 'self6', ip: 'fd00:99:0::1', port: 0, protocol: 'ICMP' },
        { key: 'nowhere', ip: '10.99.0.2', port: 0, protocol: 'ICMP' },
      ])
    ).map((o) => [o.key, o]),
  )
  // The pod's own kernel answers its own address (lo): the reply is read back and names the address asked.
  t.match(by.get('self4'), { outcome: 'connected', answeredBy: '10.99.0.1' })
  t.match(by.get('self6'), { outcome: 'connected', answeredBy: 'fd00:99:0::1' }, 'an IPv6 address written another way still matches')
  t.match(by.get('nowhere'), { outcome: 'timeout' })
  t.ok(by.get('nowhere')!.latencyMs >= 550, `a timeout takes the timeout (${by.get('nowhere')!.latencyMs} ms)`)
  // Blocked: an nft rule in the pod's namespace dropping echo requests on input turns the answer into a timeout.
  await execa('ip', ['netns', 'exec', pod, 'nft', '-f', '-'], {
    input: 'table inet t {\n  chain o {\n    type filter hook input priority 0;\n    icmp type echo-request drop\n  }\n}\n',
  })
  const [dropped] = await probe([{ key: 'dropped', ip: '10.99.0.1', port: 0, protocol: 'ICMP' }])
  t.equal(dropped.outcome, 'timeout', `a dropped echo is a timeout (${JSON.stringify(dropped)})`)
})

t.test('scenarios/calico/icmp.yaml: icmp-always-accepted is caught as fail-open on the denied echo cells', { skip: skipNft }, async (t) => {
  const { code, err, report } = await runLocal(t, ['scenarios/calico/icmp.yaml', '--fault', 'icmp-always-accepted', '--settle', '2s'])
  t.equal(code, 1, err)
  t.same(reportSchemaErrors(report), [], 'report.json with ICMP cells (port 0) follows docs/report.schema.json')
  const cells = report.scenarios[0].steps.flatMap((st) => st.cells)
  const open = cells.filter((c) => c.classification === 'fail-open')
  t.ok(open.length > 0, `${open.length} fail-open cells`)
  t.ok(
    open.every((c) => c.protocol === 'ICMP' && c.port === 0),
    'only echo cells fail open',
  )
  t.ok(
    cells.filter((c) => c.protocol === 'TCP').every((c) => c.classification === 'match'),
    'TCP cells are untouched',
  )
  for (const sid of err.matchAll(/namespaces nph-([0-9a-f]{6})-/g)) t.same(await netnsNames(`nph-${sid[1]}-`), [], 'nothing left behind')
})

// `explain --via`: the Service hop (DNAT to the backend port, SNAT) before each direction; a cell that does not exist
// is a usage error. The report's prose starts with the same hop; expect rules filter on via.
import t from 'tap'
import { renderExplain } from '../../src/cli/explain.js'
import { intendedVerdict } from '../../src/compare/intent.js'
import { loadScenarios } from '../../src/scenario/load.js'
import { explanationText } from '../../src/report/explain-text.js'

const [named] = loadScenarios(['scenarios/services/clusterip-named-target-port.yaml'])

t.test('explain through a ClusterIP shows the DNAT hop and judges the backend port', async (t) => {
  const out = renderExplain(named, '2', 'clients/allowed', 'shop/api', { port: 80, protocol: 'TCP', via: 'service-ip' })
  t.match(out, /on 80\/TCP\/service-ip at step 2 .*: ALLOW/)
  t.match(out, /through Service shop\/api \(service-ip\): port 80 -> DNAT to shop\/api port 8080/)
  t.match(out, /shop\/api-http ingress rule 0: .*port 0 \(TCP http\) matches -> allows/)
  const direct = renderExplain(named, '2', 'clients/allowed', 'shop/api', { port: 80, protocol: 'TCP' })
  t.match(direct, /: DENY/, 'the pod address on port 80 is denied')
  t.throws(
    () => renderExplain(named, '2', 'shop/api', 'clients/other', { port: 80, protocol: 'TCP', via: 'service-ip' }),
    /backs no Service/,
  )
})

t.test('report prose starts with the hop; a hairpin says so', async (t) => {
  const hop = { via: 'node-port' as const, service: 'web/np', port: 30081, backendPort: 8080, node: 'node-2', snatTo: '172.18.0.3' }
  const dir = { direction: 'egress' as const, endpoint: 'outside', applicable: false, isolatedBy: [], allowed: true, checks: [] }
  t.match(
    explanationText({ kind: 'policies', egress: dir, ingress: { ...dir, direction: 'ingress', endpoint: 'web/b' }, service: hop }),
    /^via node-port web\/np node port 30081 of node-2 -> DNAT to backend port 8080, SNAT to 172\.18\.0\.3; /,
  )
  t.match(explanationText({ kind: 'hairpin', service: { ...hop, via: 'service-ip', port: 80 } }), /^hairpin/)
})

t.test('expect rules with via match only cells probed that way', async (t) => {
  const expect = { default: 'allow' as const, rules: [{ from: '*', to: 'x/a', via: 'service-ip' as const, verdict: 'deny' as const }] }
  t.equal(intendedVerdict(expect, 'x/b', 'x/a', { port: 80, protocol: 'TCP', via: 'service-ip' }), 'deny')
  t.equal(intendedVerdict(expect, 'x/b', 'x/a', { port: 80, protocol: 'TCP' }), 'allow')
})

t.test('the explain command a report prints for a via cell carries --via', async (t) => {
  const { explainCommand } = await import('../../src/report/cells.js')
  const c = { from: 'a/b', to: 'a/c', port: 80, protocol: 'TCP', via: 'service-ip' } as Parameters<typeof explainCommand>[2]
  t.equal(
    explainCommand('s.yaml', 2, c),
    'netpol-harness explain s.yaml --step 2 --from a/b --to a/c --port 80 --protocol TCP --via service-ip',
  )
})

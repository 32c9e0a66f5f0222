// No state leaks between steps: a UDP flow allowed in one step must not let a probe through after a policy
// denies it, even when the kernel would hand the prober the same source port (real namespaces and nftables).
import t from 'tap'
import { cannotRunLocal, netnsNames } from '../../helpers/can-run.js'
import { execa } from 'execa'
import { LocalDriver } from '../../../src/drivers/local/index.js'
import type { ProbeConnection } from '../../../src/drivers/driver.js'
import type { NetworkPolicy } from '../../../src/model/policy.js'
import { parseScenario } from '../../../src/scenario/parse.js'

const skip = await cannotRunLocal()

const SCENARIO = `name: fresh-flows
namespaces:
  x: {pods: {a: {labels: {pod: a}}, b: {labels: {pod: b}}}}
probe: {ports: [53], protocols: [UDP], timeout: 600ms}
steps:
  - name: open
  - name: deny b
`

const denyB: NetworkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'deny-b', namespace: 'x' },
  spec: { podSelector: { matchLabels: { pod: 'b' } }, policyTypes: ['Ingress'] },
}

const namespaces = () => netnsNames()

/** UDP source ports of the flows from `ip` in a node namespace's conntrack table. */
async function udpSourcePorts(nodeNs: string, ip: string): Promise<number[]> {
  const r = await execa('ip', ['netns', 'exec', nodeNs, 'cat', '/proc/net/nf_conntrack'], { reject: false })
  return r.stdout
    .split('\n')
    .filter((l) => / udp /.test(l) && l.includes(`src=${ip} `))
    .map((l) => Number(/sport=(\d+)/.exec(l)![1]))
}

t.test('a flow allowed in step 1 does not let the same source port through in step 2', { skip, timeout: 60000 }, async (t) => {
  const parsed = parseScenario(SCENARIO, 'fresh-flows.yaml', () => undefined)
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems))
  const s = parsed.scenario
  // One attempt per connection and no resync: the only thing between the two probes is the policy.
  let sid = ''
  const d = new LocalDriver({
    nodes: 1,
    attempts: 1,
    resyncMs: 0,
    log: (l) => (sid ||= /namespaces nph-([0-9a-f]{6})-/.exec(l)?.[1] ?? ''),
  })
  t.teardown(() => d.down())
  await d.up(s, new AbortController().signal)
  t.ok(sid, 'the driver names its session')
  // This run's namespaces only (other runs may be going on the machine).
  const podA = `nph-${sid}-p0`
  const node = `nph-${sid}-n0`
  t.ok((await namespaces()).includes(podA) && (await namespaces()).includes(node), 'the pod and node namespaces are found')
  // Force the kernel's hand: pod a's ephemeral range is one port, so any port the kernel picks is the old one.
  await execa('ip', ['netns', 'exec', podA, 'sysctl', '-qw', 'net.ipv4.ip_local_port_range=40000 40000'])
  const ipOf = (name: string) => s.pods.find((p) => p.name === name)!.ip
  const conn: ProbeConnection = { key: 'a-b', from: 'x/a', to: 'x/b', ip: ipOf('b'), target: { port: 53, protocol: 'UDP' } }

  const [open] = await d.probe([conn], 600)
  t.equal(open.outcome, 'connected', 'step 1: allowed')
  t.equal(open.answeredBy, 'x/b')

  await d.apply([{ kind: 'apply-policy', policy: denyB }])
  const [denied] = await d.probe([conn], 600)
  t.equal(denied.outcome, 'timeout', 'step 2: the policy denies a NEW flow, whatever the previous step left in conntrack')

  const again = await d.probe(
    [conn, conn].map((c, i) => ({ ...c, key: `k${i}` })),
    600,
  )
  t.same(
    again.map((o) => o.outcome),
    ['timeout', 'timeout'],
    'later rounds too',
  )
  const ports = await udpSourcePorts(node, ipOf('a'))
  t.ok(ports.length >= 1, `the step-1 flow is still in conntrack (${ports.join(', ')}): the dataplane keeps flows, as Calico does`)
})

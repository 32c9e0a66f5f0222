// The local driver's Service NAT plan: ClusterIPs, one marked DNAT per (Service port, backend), named targetPorts, and
// the nft script (its real effect is checked by running scenarios/services/ on the local driver).
import t from 'tap'
import type { Pod, Service, Target } from '../../../src/model/cluster.js'
import {
  entryNode,
  natEntryFor,
  nodePortEntryFor,
  nodePortScript,
  planNodePorts,
  planServiceNat,
  serviceNatScript,
} from '../../../src/drivers/local/services-nat.js'

const pod = (name: string, ip: string, labels: Record<string, string>, ports: Pod['ports']): Pod => ({
  namespace: 'web',
  name,
  ip,
  labels,
  ports,
})
const pods = [
  pod('a', '10.244.0.1', { app: 'web' }, [{ name: 'http', port: 8080, protocol: 'TCP' }]),
  pod('b', '10.244.0.2', { app: 'web' }, [{ name: 'other', port: 9090, protocol: 'TCP' }]),
  pod('c', '10.244.0.3', { app: 'db' }, [{ name: 'http', port: 8080, protocol: 'TCP' }]),
]
const svc = (name: string, targetPort: number | string): Service => ({
  namespace: 'web',
  name,
  selector: { app: 'web' },
  type: 'ClusterIP',
  externalTrafficPolicy: 'Cluster',
  ports: [{ port: 80, protocol: 'TCP', targetPort }],
})

t.test('one entry per backend; a named targetPort only where the pod has it; the first Service by name wins', async (t) => {
  const entries = planServiceNat([svc('z-num', 8080), svc('a-named', 'http')], pods)
  t.same(
    entries.map((e) => [e.service, e.clusterIP, e.backend, e.backendPort]),
    [
      ['web/a-named', '10.96.0.11', 'web/a', 8080],
      ['web/z-num', '10.96.0.10', 'web/a', 8080],
      ['web/z-num', '10.96.0.10', 'web/b', 8080],
    ],
  )
  t.equal(new Set(entries.map((e) => e.mark)).size, 3, 'every entry its own mark')
  t.equal(natEntryFor(entries, 'web/a', { port: 80, protocol: 'TCP', via: 'service-ip' })?.service, 'web/a-named')
  t.equal(natEntryFor(entries, 'web/c', { port: 80, protocol: 'TCP', via: 'service-ip' }), undefined, 'c backs no Service')
})

t.test('the script replaces the table: a marked DNAT per backend, then random load balancing for unmarked traffic', async (t) => {
  const script = serviceNatScript(planServiceNat([svc('web', 8080)], pods))
  t.match(script, /^table inet nph_svc\ndelete table inet nph_svc\n/)
  t.match(script, /ip daddr 10\.96\.0\.10 tcp dport 80 meta mark \d+ dnat ip to 10\.244\.0\.1:8080/)
  t.match(script, /ip daddr 10\.96\.0\.10 tcp dport 80 meta mark \d+ dnat ip to 10\.244\.0\.2:8080/)
  t.match(script, /dnat ip to numgen random mod 2 map \{ 0 : 10\.244\.0\.1 \. 8080, 1 : 10\.244\.0\.2 \. 8080 \}/)
})

t.test('fault policy-before-dnat: Service traffic tagged while it still has the ClusterIP', async (t) => {
  const entries = planServiceNat([svc('web', 8080)], pods)
  t.notMatch(serviceNatScript(entries), /dscp/)
  t.match(
    serviceNatScript(entries, true),
    /type filter hook output priority -150; policy accept;\n\s+ip daddr 10\.96\.0\.0\/16 ip dscp set cs1/,
  )
})

const nodes = [
  { name: 'node-1', ip: '172.18.0.2' },
  { name: 'node-2', ip: '172.18.0.3' },
]
const nodeOf = (id: string) => ({ 'web/a': 'node-1', 'web/b': 'node-2' })[id]
const np = (name: string, policy: Service['externalTrafficPolicy']): Service => ({
  ...svc(name, 8080),
  type: 'NodePort',
  externalTrafficPolicy: policy,
  ports: [{ port: 80, protocol: 'TCP', targetPort: 8080, nodePort: name === 'local' ? 30081 : 30080 }],
})

t.test('NodePort: one entry per backend with its own DSCP value; Cluster enters another node, Local the own', async (t) => {
  const entries = planNodePorts([svc('cip', 8080), np('cluster', 'Cluster'), np('local', 'Local')], pods, nodeOf)!
  t.same(
    entries.map((e) => [e.service, e.nodePort, e.backend, e.backendNode, e.local]),
    [
      ['web/cluster', 30080, 'web/a', 'node-1', false],
      ['web/cluster', 30080, 'web/b', 'node-2', false],
      ['web/local', 30081, 'web/a', 'node-1', true],
      ['web/local', 30081, 'web/b', 'node-2', true],
    ],
    'ClusterIP Services have no node port',
  )
  t.equal(new Set(entries.map((e) => e.dscp)).size, 4)
  t.notOk(
    entries.some((e) => e.dscp === 8),
    'never CS1, the policy-before-dnat tag',
  )
  const a = nodePortEntryFor(entries, 'web/a', { port: 80, protocol: 'TCP', via: 'node-port' })!
  t.equal(entryNode(a, nodes)?.name, 'node-2', 'Cluster: through the other node, whose address a sees after SNAT')
  t.equal(entryNode(entries[2], nodes)?.name, 'node-1', 'Local: the backend node')
  t.equal(entryNode(a, [nodes[0]])?.name, 'node-1', 'one node: its own')
  const many = Array.from({ length: 63 }, (_, i) => pod(`p${i}`, `10.244.1.${i + 1}`, { app: 'web' }, []))
  t.equal(
    planNodePorts([np('cluster', 'Cluster')], many, () => 'node-1'),
    undefined,
    'more than 62 backends: no DSCP value left',
  )
})

t.test('NodePort script: pinned DNAT on the node address, Local only to local backends, Cluster masqueraded', async (t) => {
  const entries = planNodePorts([np('cluster', 'Cluster'), np('local', 'Local')], pods, nodeOf)!
  const s1 = nodePortScript(nodes[0], entries)
  t.match(s1, /^table ip nph_np\ndelete table ip nph_np\n/)
  t.match(s1, /type nat hook prerouting priority -100/)
  t.match(s1, /ip daddr 172\.18\.0\.2 tcp dport 30080 ip dscp \d+ ct mark set 0x4e504d51 dnat to 10\.244\.0\.2:8080/)
  t.match(s1, /ip daddr 172\.18\.0\.2 tcp dport 30081 ip dscp \d+ dnat to 10\.244\.0\.1:8080/)
  t.notMatch(s1, /dport 30081 ip dscp \d+ dnat to 10\.244\.0\.2/, "Local: node-2's backend is not served on node-1")
  t.match(s1, /dport 30081 dnat ip to numgen random mod 1 /)
  t.match(s1, /ct mark 0x4e504d51 snat ip to 172\.18\.0\.2/)
  t.notMatch(nodePortScript(nodes[0], entries, true), /snat/, 'fault nodeport-no-snat')
})

t.test('hairpin dropped: DNATed traffic back to the pod itself is dropped after the NAT', async (t) => {
  const entries = planServiceNat([svc('web', 8080)], pods)
  t.notMatch(serviceNatScript(entries), /hairpin/, 'allowed (the default): no chain')
  t.match(
    serviceNatScript(entries, false, ['10.244.0.1', 'fd00::1']),
    /chain hairpin \{\n\s+type filter hook output priority 0; policy accept;\n\s+ct status dnat ip daddr \{ 10\.244\.0\.1 \} drop/,
  )
})

t.test('IPv6: a ClusterIP of each family its backends have (fd00:10:96::a upwards), DNAT per family', async (t) => {
  const dual = [{ ...pods[0], ips: ['10.244.0.1', 'fd00:10:244::1'] }, pods[1]]
  const entries = planServiceNat([svc('web', 8080)], dual)
  t.same(
    entries.map((e) => [e.family, e.clusterIP, e.backendIp]),
    [
      ['IPv4', '10.96.0.10', '10.244.0.1'],
      ['IPv4', '10.96.0.10', '10.244.0.2'],
      ['IPv6', 'fd00:10:96::a', 'fd00:10:244::1'],
    ],
  )
  const v6: Target = { port: 80, protocol: 'TCP', via: 'service-ip', family: 'IPv6' }
  t.equal(natEntryFor(entries, 'web/a', v6)?.clusterIP, 'fd00:10:96::a')
  t.equal(natEntryFor(entries, 'web/b', v6), undefined, 'b has no IPv6 address')
  const script = serviceNatScript(entries, false, ['10.244.0.1', 'fd00:10:244::1'])
  t.match(script, /ip6 daddr fd00:10:96::a tcp dport 80 meta mark \d+ dnat ip6 to \[fd00:10:244::1\]:8080/)
  t.match(script, /ip6 daddr fd00:10:96::a tcp dport 80 dnat ip6 to numgen random mod 1 map \{ 0 : fd00:10:244::1 \. 8080 \}/)
  t.match(script, /ct status dnat ip6 daddr \{ fd00:10:244::1 \} drop/)
})

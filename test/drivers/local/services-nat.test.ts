// The local driver's Service NAT plan: ClusterIPs, one marked DNAT per (Service port, backend), named targetPorts, and
// the nft script (its real effect is checked by running scenarios/services/ on the local driver).
import t from 'tap'
import type { Pod, Service } from '../../../src/model/cluster.js'
import { natEntryFor, planServiceNat, serviceNatScript } from '../../../src/drivers/local/services-nat.js'

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
  t.match(script, /^table ip nph_svc\ndelete table ip nph_svc\n/)
  t.match(script, /ip daddr 10\.96\.0\.10 tcp dport 80 meta mark \d+ dnat to 10\.244\.0\.1:8080/)
  t.match(script, /ip daddr 10\.96\.0\.10 tcp dport 80 meta mark \d+ dnat to 10\.244\.0\.2:8080/)
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

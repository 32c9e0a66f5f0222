// ICMP echo cells on kube/kind: predicted only (`unsupported` with the reason), never probed through agnhost connect,
// which takes tcp, udp or sctp; the probe script refuses an ICMP connection outright.
import t from 'tap'
import { KubeDriver } from '../../../src/drivers/kube/index.js'
import { ICMP_UNSUPPORTED, probeCommand } from '../../../src/drivers/kube/probe-script.js'
import { ICMP_ECHO } from '../../../src/model/cluster.js'
import { FakeKube } from '../../helpers/fake-kube.js'

t.test('an echo cell is unsupported on the kube driver, with the reason; TCP is not', async (t) => {
  const d = new KubeDriver({ api: new FakeKube(), runId: 'r1', createdByUs: true, podReadyTimeoutMs: 5000 })
  t.equal(d.unsupported(ICMP_ECHO), ICMP_UNSUPPORTED)
  t.equal(d.unsupported({ ...ICMP_ECHO, family: 'IPv6' }), ICMP_UNSUPPORTED)
  t.equal(d.unsupported({ port: 80, protocol: 'TCP' }), undefined)
  t.match(ICMP_UNSUPPORTED, /agnhost connect dials tcp, udp or sctp only/)
})

t.test('the probe script never passes ICMP to agnhost connect', async (t) => {
  t.throws(() => probeCommand([{ key: 'k', ip: '10.0.0.1', port: 0, protocol: 'ICMP' }], 500), /bad port|bad protocol/)
})

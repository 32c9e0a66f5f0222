// Telling another run's live namespace from a leftover: same host and a dead process, or older than any scenario.
import t from 'tap'
import { HOST_LABEL, PID_LABEL, hostLabel, leftoverReason } from '../../../src/drivers/kube/owner.js'
import { RUN_LABEL } from '../../../src/drivers/kube/manifests.js'

const now = Date.parse('2026-12-02T12:00:00Z')
const mine = { [RUN_LABEL]: 'r0', [HOST_LABEL]: hostLabel(), [PID_LABEL]: '4242' }
const dead = () => false
const alive = () => true
const rows: [string, Record<string, string>, number | undefined, (pid: number) => boolean, RegExp | undefined][] = [
  ['this host, process gone', mine, now - 60_000, dead, /process 4242 on this host is gone/],
  ['this host, process alive, young', mine, now - 60_000, alive, undefined],
  ['another host, young: may be running', { ...mine, [HOST_LABEL]: 'elsewhere' }, now - 60_000, dead, undefined],
  ['another host, older than two hours', { ...mine, [HOST_LABEL]: 'elsewhere' }, now - 3 * 3600_000, alive, /created 180 min ago/],
  ['no owner labels (an older harness), young', { [RUN_LABEL]: 'r0' }, now - 60_000, dead, undefined],
  ['no creation time known', { ...mine, [HOST_LABEL]: 'elsewhere' }, undefined, dead, undefined],
]
for (const [name, labels, createdAt, isAlive, want] of rows) {
  const why = leftoverReason(labels, createdAt, now, isAlive)
  if (want) t.match(why, want, name)
  else t.equal(why, undefined, name)
}
t.test('the host label is a valid Kubernetes label value', async (t) => {
  for (const h of ['ci-runner.example.com', 'A_b', '-x-', 'ä'.repeat(80), 'x'.repeat(80)])
    t.match(hostLabel(h), /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/, h)
})

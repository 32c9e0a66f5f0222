// NetworkPolicyPort semantics (API reference): protocol defaults to TCP, no port means all ports, endPort is an
// inclusive range, a named port resolves on the destination by name AND protocol, an external has no named ports.
import t from 'tap'
import { portMatches } from '../../src/evaluator/ports.js'
import type { ContainerPort, Target } from '../../src/model/cluster.js'
import type { NetworkPolicyPort } from '../../src/model/policy.js'

const tcp80: Target = { port: 80, protocol: 'TCP' }
const dest: ContainerPort[] = [
  { name: 'http', port: 80, protocol: 'TCP' },
  { name: 'dns', port: 53, protocol: 'UDP' },
]
const rows: [string, NetworkPolicyPort, Target, readonly ContainerPort[] | undefined, boolean][] = [
  ['protocol omitted means TCP', { port: 80 }, tcp80, dest, true],
  ['protocol omitted does not match UDP', { port: 53 }, { port: 53, protocol: 'UDP' }, dest, false],
  ['no port: every port of the protocol', { protocol: 'TCP' }, { port: 9999, protocol: 'TCP' }, dest, true],
  ['numeric port, other port', { port: 81 }, tcp80, dest, false],
  ['endPort: inside the range', { port: 70, endPort: 80 }, tcp80, dest, true],
  ['endPort: inclusive upper end', { port: 80, endPort: 80 }, tcp80, dest, true],
  ['endPort: above the range', { port: 70, endPort: 79 }, tcp80, dest, false],
  ['named port on the destination', { port: 'http' }, tcp80, dest, true],
  ['named port needs the same protocol', { port: 'dns', protocol: 'TCP' }, { port: 53, protocol: 'TCP' }, dest, false],
  ['named port with its protocol', { port: 'dns', protocol: 'UDP' }, { port: 53, protocol: 'UDP' }, dest, true],
  ['named port resolving to another number', { port: 'http' }, { port: 8080, protocol: 'TCP' }, dest, false],
  ['an external has no named ports', { port: 'http' }, tcp80, undefined, false],
]
for (const [name, rule, target, ports, want] of rows) t.equal(portMatches(rule, target, ports), want, name)

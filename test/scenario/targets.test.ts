// Probe targets once each, first occurrence kept.
import t from 'tap'
import { targetId } from '../../src/model/cluster.js'
import type { Scenario } from '../../src/model/scenario.js'
import { dedupeTargets, uniqueTargets } from '../../src/scenario/targets.js'

const T = (port: number, protocol: 'TCP' | 'UDP' | 'SCTP') => ({ port, protocol })

t.same(dedupeTargets([T(80, 'TCP'), T(53, 'UDP'), T(80, 'TCP'), T(80, 'UDP')]).map(targetId), ['80/TCP', '53/UDP', '80/UDP'])
const s = {
  probe: { targets: [T(80, 'TCP')], timeoutMs: 1 },
  steps: [{ probe: { targets: [T(81, 'TCP'), T(80, 'TCP')], timeoutMs: 1 } }],
} as unknown as Scenario
t.same(uniqueTargets(s).map(targetId), ['80/TCP', '81/TCP'], "the scenario's probe, then its steps'")

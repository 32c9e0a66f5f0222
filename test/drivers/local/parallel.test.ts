// Two local topologies at once (--parallel): the same namespaces, pods and addresses in both, opposite policies.
// Each scenario's namespaces, links, routes and nftables tables live in its own session's network namespaces, so
// neither sees the other: any cross-talk would show as disagreements.
import t from 'tap'
import { cannotRunLocal, netnsNames } from '../../helpers/can-run.js'
import { LocalDriver } from '../../../src/drivers/local/index.js'
import { parseScenario } from '../../../src/scenario/parse.js'
import { DEFAULT_RUN_OPTIONS } from '../../../src/runner/run-step.js'
import { runScenarios } from '../../../src/runner/run.js'
import type { Scenario } from '../../../src/model/scenario.js'

const skip = await cannotRunLocal()

function scenario(name: string, policy: string): Scenario {
  const r = parseScenario(
    `name: ${name}
namespaces: {x: {pods: {a: {ip: 10.244.0.10}, b: {ip: 10.244.0.11}, c: {ip: 10.244.0.12}}}}
probe: {targets: [{port: 80}, {port: 53, protocol: UDP}]}
steps:
  - name: open
  - name: policy
    apply:
      - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: p, namespace: x}, spec: ${policy}}
`,
    `${name}.yaml`,
    () => undefined,
  )
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.scenario
}

const ours = () => netnsNames('nph-')

t.test('two topologies with the same addresses run at once without collision', { skip }, async (t) => {
  const sessions = new Set<string>()
  const scenarios = [
    scenario('deny-all', '{podSelector: {}, policyTypes: [Ingress, Egress]}'),
    scenario('allow-all', '{podSelector: {}, ingress: [{}], egress: [{}]}'),
  ]
  let running = 0
  let overlap = false
  const report = await runScenarios(
    scenarios,
    () =>
      new LocalDriver({
        log: (l) => {
          const m = /namespaces (nph-[0-9a-f]{6})-/.exec(l)
          if (m) sessions.add(m[1])
        },
      }),
    'parallel',
    DEFAULT_RUN_OPTIONS,
    new AbortController().signal,
    {
      scenarioStart: () => void running++,
      step: () => {
        if (running === 2) overlap = true
      },
      scenarioEnd: () => void running--,
    },
    2,
  )
  t.equal(report.summary.exitCode, 0, JSON.stringify(report.diagnostics))
  t.ok(overlap, 'both scenarios probed while the other was up')
  const c = report.summary.counts
  t.equal(c['fail-open'] + c['fail-closed'] + c.flaky + c['probe-error'], 0, 'no cross-talk: every cell as predicted')
  t.ok(c.match >= 2 * 2 * 3 * 3 * 2, `${c.match} cells matched`)
  const denied = report.scenarios[0].steps[1].cells.filter((x) => x.from !== x.to)
  t.ok(denied.length > 0 && denied.every((x) => x.observation.result === 'blocked'), 'deny-all blocked everything between pods')
  const allowed = report.scenarios[1].steps[1].cells
  t.ok(
    allowed.every((x) => x.observation.result === 'allowed'),
    'allow-all let everything through, on the same addresses',
  )
  t.equal(sessions.size, 2, 'two sessions, one per scenario')
  // Other runs on the machine may hold namespaces of their own: only ours must be gone.
  t.same(
    (await ours()).filter((n) => [...sessions].some((sid) => n.startsWith(`${sid}-`))),
    [],
    'both topologies removed',
  )
})

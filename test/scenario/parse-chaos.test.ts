// Chaos steps in scenario files: the tagged actions, their references, during and invariants, and every mistake reported.
import t from 'tap'
import { parseScenario } from '../../src/scenario/parse.js'

const base = `name: c
namespaces: {x: {pods: {a: {labels: {app: a}}, b: {node: edge}}}}
steps:
  - name: s
`
const parse = (steps: string) => parseScenario(base + steps, 'c.yaml', () => undefined)

t.test('a valid chaos step with defaults', async (t) => {
  const r = parse(`    chaos:
      - {action: restart-agent}
      - {action: packet-loss, node: edge, percent: 10}
      - {action: relabel, pod: x/a, labels: {app: b}}
      - {action: recreate-pod, pod: x/b}
      - action: policy-churn
        apply: [{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: p, namespace: x}, spec: {podSelector: {}}}]
    invariants: {maxFailOpen: 0, maxRecovery: 5s}
`)
  t.ok(r.ok, JSON.stringify(!r.ok && r.problems))
  if (!r.ok) return
  const st = r.scenario.steps[0]
  t.same(
    st.chaos?.map((c) => c.action),
    ['restart-agent', 'packet-loss', 'relabel', 'recreate-pod', 'policy-churn'],
  )
  t.same(st.chaos?.[0], { action: 'restart-agent', node: 'all', downForMs: 2000 })
  t.same(st.chaos?.[1], { action: 'packet-loss', node: 'edge', percent: 10, forMs: 5000 })
  t.same(st.during, { intervalMs: 200, timeoutMs: 500, settleMs: 30000, cells: [] }, 'during defaults')
  t.same(st.invariants, { maxFailOpenMs: 0, maxRecoveryMs: 5000 })
})

t.test('every mistake, with its line', async (t) => {
  const r = parse(`    chaos:
      - {action: reboot-everything}
      - {action: packet-loss, percent: 10, nodes: all}
`)
  t.notOk(r.ok)
  if (r.ok) return
  t.match(
    r.problems.map((p) => `${p.line} ${p.path}: ${p.message}`),
    [
      /^6 steps\[0\]\.chaos\[0\]\.action: unknown chaos action "reboot-everything"/,
      /^7 steps\[0\]\.chaos\[1\]\.nodes: unknown field "nodes"/,
    ],
  )
})

t.test('references are checked', async (t) => {
  const r = parse(`    chaos:
      - {action: restart-node, node: nowhere}
      - {action: recreate-pod, pod: x/zz}
      - {action: relabel, labels: {a: b}}
    during: {cells: [{from: 'y/*', to: x/a}]}
`)
  t.notOk(r.ok)
  if (r.ok) return
  t.same(
    r.problems.map((p) => p.message),
    ['unknown node "nowhere"', 'no pod "x/zz"', 'relabel needs exactly one of pod or namespace', '"y/*" matches no pod or external'],
  )
})

t.test('during and invariants need chaos', async (t) => {
  const r = parse(`    invariants: {maxFailOpen: 0}\n`)
  t.notOk(r.ok)
  if (!r.ok) t.match(r.problems[0].message, /invariants needs a chaos list/)
})

t.test("relabel: a pod or a namespace (whose name label stays); policy churn's policies and their namespaces", async (t) => {
  const r = parse(`    chaos:
      - {action: relabel, namespace: x, labels: {team: b, kubernetes.io/metadata.name: other}}
      - {action: restart-node, node: edge, downFor: 1m}
      - action: policy-churn
        times: 3
        interval: 250ms
        apply:
          - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: p, namespace: x}, spec: {podSelector: {}}}
    during: {interval: 50ms, cells: [{from: 'x/*', to: x/a, port: 80}]}
`)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  const st = r.scenario.steps[0]
  t.same(st.chaos?.[0], {
    action: 'relabel',
    change: { kind: 'set-namespace-labels', namespace: 'x', labels: { team: 'b', 'kubernetes.io/metadata.name': 'x' } },
  })
  t.same(st.chaos?.[1], { action: 'restart-node', node: 'edge', downForMs: 60000 })
  t.match(st.chaos?.[2], { action: 'policy-churn', times: 3, intervalMs: 250, policies: [{ metadata: { name: 'p', namespace: 'x' } }] })
  t.same(st.during, { intervalMs: 50, timeoutMs: 500, settleMs: 30000, cells: [{ from: 'x/*', to: 'x/a', port: 80 }] })
  t.equal(st.invariants, undefined, 'no invariants unless given')

  const bad = parse(`    chaos:
      - {action: relabel, namespace: q, labels: {}}
      - action: policy-churn
        apply: [{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: p, namespace: nope}, spec: {podSelector: {}}}]
`)
  t.notOk(bad.ok)
  if (!bad.ok)
    t.same(
      bad.problems.map((p) => `${p.path}: ${p.message}`),
      [
        'steps[0].chaos[0].namespace: no namespace "q"',
        'steps[0].chaos[1].apply: namespace "nope" is not declared in the scenario\'s namespaces',
      ],
    )
})

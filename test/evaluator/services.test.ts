// Services in the evaluator: one cell per backend, judged after DNAT on the backend's port, with the source the
// backend sees (the node after SNAT for NodePort/Cluster, the client for Local), hairpin, and cells that do not exist.
import t from 'tap'
import { compile, explainCell, predictModel } from '../../src/evaluator/index.js'
import type { Target } from '../../src/model/cluster.js'
import type { ClusterState } from '../../src/model/state.js'
import { stepStates } from '../../src/scenario/apply-actions.js'
import { parseScenario } from '../../src/scenario/parse.js'
import { loadScenarios } from '../../src/scenario/load.js'

const text = `
name: services
namespaces:
  web:
    pods:
      a: {labels: {app: web}, node: node-1, ports: [{name: http, port: 8080}]}
      b: {labels: {app: web, tier: canary}, node: node-2, ports: [{name: http, port: 8080}]}
    services:
      web: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}
      np: {selector: {app: web}, type: NodePort, ports: [{port: 81, targetPort: 8080, nodePort: 30081}]}
      npl: {selector: {app: web}, type: NodePort, externalTrafficPolicy: Local, ports: [{port: 82, targetPort: 8080}]}
  client:
    pods: {c: {labels: {app: client}}}
externals:
  outside: {ip: 192.0.2.10}
probe:
  targets: [{port: 80, via: [pod-ip, service-ip]}, {port: 81, via: node-port}, {port: 82, via: node-port}]
steps:
  - name: open
  - name: split
    apply:
      - apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: stable, namespace: web}
        spec:
          podSelector: {matchExpressions: [{key: tier, operator: DoesNotExist}]}
          ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: client}}}], ports: [{port: http}]}]
      - apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: canary, namespace: web}
        spec:
          podSelector: {matchLabels: {tier: canary}}
          ingress: [{from: [{ipBlock: {cidr: 172.18.0.0/24}}]}]
`

const nodes = [
  { name: 'node-1', ip: '172.18.0.2' },
  { name: 'node-2', ip: '172.18.0.3' },
]

function states(withNodes = true): ClusterState[] {
  const r = parseScenario(text, 'services.yaml', () => undefined)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return stepStates(r.scenario).map((s) => (withNodes ? { ...s, nodes } : s))
}

const sip: Target = { port: 80, protocol: 'TCP', via: 'service-ip' }
const pip: Target = { port: 80, protocol: 'TCP' }
const npCluster: Target = { port: 81, protocol: 'TCP', via: 'node-port' }
const npLocal: Target = { port: 82, protocol: 'TCP', via: 'node-port' }

t.test('open cluster: every backend cell exists and is allowed; cells that are no backend of a Service do not exist', async (t) => {
  const table = predictModel(compile(states()[0]), [pip, sip, npCluster, npLocal])
  t.equal(table.get('client/c', 'web/a', sip), 'allow')
  t.equal(table.get('client/c', 'web/b', sip), 'allow')
  t.equal(table.get('web/a', 'client/c', sip), undefined, 'client/c backs no Service')
  t.equal(table.get('outside', 'web/a', sip), undefined, 'a ClusterIP is not reachable from outside')
  t.equal(table.get('client/c', 'web/a', npCluster), undefined, 'NodePorts are probed from externals')
  t.equal(table.get('outside', 'web/b', npLocal), 'allow')
})

t.test('policy judged after DNAT: the backend port (a named targetPort) decides, per backend', async (t) => {
  const table = predictModel(compile(states()[1]), [pip, sip, npCluster, npLocal])
  t.equal(table.get('client/c', 'web/a', pip), 'deny', 'on the pod address, port 80 is not http (8080)')
  t.equal(table.get('client/c', 'web/a', sip), 'allow', 'through the Service, port 80 is DNATed to 8080 = http')
  t.equal(table.get('client/c', 'web/b', sip), 'deny', 'the other backend of the same Service is denied: one cell per backend')
  t.equal(table.get('web/b', 'web/a', sip), 'deny')
})

t.test('NodePort: Cluster enters another node and SNATs to its address, Local keeps the client address', async (t) => {
  const table = predictModel(compile(states()[1]), [npCluster, npLocal])
  t.equal(table.get('outside', 'web/a', npCluster), 'deny', 'a sees node-2; stable admits only the client namespace')
  t.equal(table.get('outside', 'web/b', npCluster), 'allow', 'b sees node-1 172.18.0.2, inside the ipBlock')
  t.equal(table.get('outside', 'web/b', npLocal), 'deny', 'Local: b sees 192.0.2.10, outside the ipBlock')
  const x = explainCell(compile(states()[1]), 'outside', 'web/b', npCluster)
  t.match(x, {
    verdict: 'allow',
    service: { via: 'node-port', service: 'web/np', port: 30081, backendPort: 8080, node: 'node-1', snatTo: '172.18.0.2' },
    ingress: { allowed: true, allowedBy: { policy: 'web/canary', rule: 0, peer: 0 } },
  })
  t.match(explainCell(compile(states()[1]), 'outside', 'web/b', npLocal), { service: { node: 'node-2' } }, 'Local enters the backend node')
  const outsideRange = states()[1]
  const far = { ...outsideRange, nodes: [{ name: 'node-1', ip: '10.0.0.1' }, ...nodes.slice(1)] }
  t.equal(predictModel(compile(far), [npCluster]).get('outside', 'web/b', npCluster), 'deny', 'entered at 10.0.0.1: outside the ipBlock')
  const one = { ...outsideRange, nodes: [nodes[1]] }
  const single = predictModel(compile(one), [npCluster])
  t.equal(single.get('outside', 'web/b', npCluster), 'deny', 'one node: policy sees the client 192.0.2.10 (judged before the masquerade)')
  t.notOk(explainCell(compile(one), 'outside', 'web/b', npCluster).service?.snatTo, 'no SNAT source on the backend node')
  const unknown = predictModel(compile(states(false)[1]), [npCluster])
  t.equal(unknown.get('outside', 'web/b', npCluster), undefined, 'without node addresses the SNAT source is unknown: no cell')
})

t.test('hairpin: allowed by default, denied where the dataplane drops it; explain agrees', async (t) => {
  const model = compile(states()[1])
  t.equal(predictModel(model, [sip]).get('web/a', 'web/a', sip), 'allow')
  t.equal(predictModel(model, [sip], { hairpin: 'dropped' }).get('web/a', 'web/a', sip), 'deny')
  t.match(explainCell(model, 'web/a', 'web/a', sip), {
    reason: 'hairpin',
    verdict: 'allow',
    service: { service: 'web/web', backendPort: 8080 },
  })
  t.match(explainCell(model, 'web/a', 'web/a', sip, { hairpin: 'dropped' }), { verdict: 'deny' })
  t.throws(() => explainCell(model, 'outside', 'web/a', sip), /no cell/)
})

t.test('explain and predict agree on every via cell of both steps', async (t) => {
  for (const state of states()) {
    const model = compile(state)
    const table = predictModel(model, [sip, npCluster, npLocal])
    let n = 0
    for (const { from, to, target, value } of table.entries()) {
      t.equal(explainCell(model, from, to, target).verdict, value, `${from} -> ${to} ${target.port} ${target.via}`)
      n++
    }
    t.ok(n >= 7)
  }
})

t.test('service-name with kube-system/kube-dns declared: the lookup (UDP 53 after DNAT) must be allowed first', async (t) => {
  const r = parseScenario(
    `
name: dns
namespaces:
  kube-system:
    pods: {coredns: {labels: {k8s-app: kube-dns}, ports: [{name: dns, port: 53, protocol: UDP}]}}
    services: {kube-dns: {selector: {k8s-app: kube-dns}, ports: [{port: 53, protocol: UDP, targetPort: dns}]}}
  app:
    pods: {web: {labels: {app: web}}, api: {labels: {app: api}}}
    services: {api: {selector: {app: api}, ports: [{port: 80}]}}
probe: {targets: [{port: 80, via: [service-ip, service-name]}]}
steps:
  - name: dns forgotten
    apply:
      - apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: app-egress, namespace: app}
        spec: {podSelector: {}, policyTypes: [Egress], egress: [{to: [{podSelector: {}}]}]}
`,
    'dns.yaml',
    () => undefined,
  )
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  const model = compile(stepStates(r.scenario)[0])
  const name: Target = { port: 80, protocol: 'TCP', via: 'service-name' }
  const table = predictModel(model, [sip, name])
  t.equal(table.get('app/web', 'app/api', sip), 'allow', 'by ClusterIP: no lookup, allowed inside the namespace')
  t.equal(table.get('app/web', 'app/api', name), 'deny', 'by name: the lookup to kube-system/coredns is denied')
  t.equal(table.get('kube-system/coredns', 'app/api', name), 'allow', 'the DNS pod itself is not isolated')
  const x = explainCell(model, 'app/web', 'app/api', name)
  t.match(x, {
    verdict: 'deny',
    egress: { allowed: true },
    service: { dns: { resolver: 'kube-system/kube-dns', allowed: false, deniedBackends: ['kube-system/coredns'] } },
  })
  t.notOk(explainCell(model, 'app/web', 'app/api', sip).service?.dns, 'a ClusterIP probe has no lookup')
  const noResolver = compile({
    ...stepStates(r.scenario)[0],
    services: stepStates(r.scenario)[0].services!.filter((s) => s.name !== 'kube-dns'),
  })
  t.equal(
    predictModel(noResolver, [name]).get('app/web', 'app/api', name),
    'allow',
    'no resolver declared: names resolve without DNS traffic',
  )
})

// The network-policy-api's ingress peers are namespaces and pods only (`networks` is an egress peer in all three kinds,
// docs/cluster-policy.md), so a node address after SNAT matches no Admin or Baseline ingress rule: a Deny from every
// namespace stops the pods and not the NodePort cells, in both tiers (scenarios/services/nodeport-cluster-policy.yaml).
t.test('NodePort/Cluster: no cluster-policy ingress rule matches the SNATed node address', async (t) => {
  const [scenario] = loadScenarios(['scenarios/services/nodeport-cluster-policy.yaml'])
  const [admin, baseline] = stepStates(scenario).map((s) => ({ ...s, nodes }))
  const np: Target = { port: 80, protocol: 'TCP', via: 'node-port' }
  for (const [name, state] of [
    ['admin', admin],
    ['baseline', baseline],
  ] as const) {
    const table = predictModel(compile(state), [pip, np])
    t.equal(table.get('clients/c', 'web/a', pip), 'deny', `${name}: a pod in any namespace is denied`)
    t.equal(table.get('web/b', 'web/a', pip), 'deny', `${name}: so is one in the same namespace`)
    t.equal(table.get('partner', 'web/a', pip), 'allow', `${name}: an external is in no namespace`)
    for (const to of ['web/a', 'web/b']) {
      t.equal(table.get('partner', to, np), 'allow', `${name}: ${to} through the NodePort sees a node, in no namespace`)
      t.match(explainCell(compile(state), 'partner', to, np), { verdict: 'allow', service: { snatTo: /^172\.18\.0\./ } })
    }
  }
})

// restart-agent on a cluster: calico-node's pods deleted (on one node or all) and their replacements waited for;
// a downtime needs the nodes (kind freezes calico-node), and without them the driver says so.
import t from 'tap'
import { restartAgentUnsupported, restartCalicoNode } from '../../../src/drivers/kube/calico-chaos.js'
import type { NodeAccess } from '../../../src/drivers/kube/node-access.js'
import { FakeKube } from '../../helpers/fake-kube.js'

const signal = new AbortController().signal

/** A calico-node pod as the DaemonSet runs it. */
function agent(api: FakeKube, ns: string, name: string, node: string) {
  api.pods.set(`${ns}/${name}`, {
    manifest: { metadata: { name, labels: {} }, spec: { containers: [] } },
    polls: 0,
    info: { name, namespace: ns, phase: 'Running', ready: true, node, labels: { 'k8s-app': 'calico-node' } },
  })
}

/** The DaemonSet controller: a deleted calico-node pod is replaced on its node after `ms`. */
function daemonSet(api: FakeKube, ms: number, order: string[] = []) {
  const origDelete = api.deletePod.bind(api)
  api.deletePod = async (ns: string, name: string) => {
    order.push(`delete ${name}`)
    const node = api.pods.get(`${ns}/${name}`)?.info.node ?? ''
    await origDelete(ns, name)
    setTimeout(() => agent(api, ns, `${name}-new`, node), ms)
  }
}

const frozen = (order: string[]): NodeAccess => ({
  freezeAgent: async (n, ms) => void order.push(`freeze ${n.join(',')} ${ms}`),
  nodeName: (r) => r,
  nodeNames: async () => ['w1'],
  chaos: async () => {},
  chaosUnsupported: () => undefined,
  upExternals: async () => {},
  execExternal: async () => ({ stdout: '', stderr: '' }),
  downExternals: async () => {},
  diagnostics: async () => [],
})

t.test('restart-agent deletes calico-node pods and waits for their replacements', async (t) => {
  const api = new FakeKube()
  agent(api, 'kube-system', 'cn-1', 'w1')
  agent(api, 'kube-system', 'cn-2', 'w2')
  daemonSet(api, 300)
  await restartCalicoNode(api, undefined, 'w1', 0, signal)
  t.same(
    api.calls.filter((c) => c.op === 'deletePod').map((c) => c.args[1]),
    ['cn-1'],
    'only the agent on that node',
  )
  t.ok(api.pods.has('kube-system/cn-1-new'), 'returned once the replacement was Ready')
  await restartCalicoNode(api, undefined, 'all', 0, signal)
  t.same(
    api.calls
      .filter((c) => c.op === 'deletePod')
      .map((c) => c.args[1])
      .slice(1)
      .sort(),
    ['cn-1-new', 'cn-2'],
    "all: every node's agent",
  )
})

t.test('the operator install (calico-system) is found too; no calico-node at all is an infrastructure error', async (t) => {
  const api = new FakeKube()
  agent(api, 'calico-system', 'cn-1', 'w1')
  daemonSet(api, 0)
  await restartCalicoNode(api, undefined, 'all', 0, signal)
  t.same(
    api.calls.filter((c) => c.op === 'deletePod').map((c) => c.args),
    [['calico-system', 'cn-1']],
  )
  await t.rejects(restartCalicoNode(new FakeKube(), undefined, 'w1', 0, signal), {
    name: 'InfraError',
    message: 'no calico-node pod found on w1 (looked in kube-system, calico-system)',
  })
})

// Issue 12, defect 6: calico-node is a DaemonSet pod, replaced as soon as it is deleted, so deleting it gives no
// downtime; restart-agent's downFor needs the node (kind freezes calico-node with SIGSTOP), and says so without it.
t.test('restart-agent keeps the agent down for downFor before its pods are replaced, or says it cannot', async (t) => {
  const api = new FakeKube()
  const order: string[] = []
  agent(api, 'kube-system', 'cn-1', 'w1')
  daemonSet(api, 0, order)
  const nodes = frozen(order)
  t.equal(restartAgentUnsupported(2000, nodes), undefined)
  await restartCalicoNode(api, nodes, 'w1', 2000, signal)
  t.same(order, ['freeze w1 2000', 'delete cn-1'], 'frozen for downFor, then replaced')
  t.match(restartAgentUnsupported(2000, undefined), /needs access to the nodes to keep the agent down/)
  t.equal(restartAgentUnsupported(0, undefined), undefined, 'a plain restart needs no node access')
})

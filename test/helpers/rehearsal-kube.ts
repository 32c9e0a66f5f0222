// A Kubernetes API for rehearsing the kube driver on the whole scenario library, backed by the local driver: the
// objects the kube driver creates become a real network-namespace "cluster", its policies are enforced by the local
// nftables dataplane, and its probe script runs for real inside the source pod's namespace, against a stand-in for
// `agnhost connect` that keeps that command's contract (test/fixtures/agnhost/connect.c). Verdicts are observed.
// Each behaviour below that the kube driver relies on follows the API server or Calico, cited where it is encoded.
import { execa } from 'execa'
import type { ExecResult, KubeApi, PodInfo } from '../../src/drivers/kube/api.js'
import type { NodeAccess } from '../../src/drivers/kube/index.js'
import { POD_LABEL, RUN_LABEL } from '../../src/drivers/kube/manifests.js'
import { LocalDriver } from '../../src/drivers/local/index.js'
import type { Target } from '../../src/model/cluster.js'
import type { NetworkPolicy } from '../../src/model/policy.js'
import type { Action, Scenario } from '../../src/model/scenario.js'

/** Namespaces every cluster has, each with only the kubernetes.io/metadata.name label (kube-apiserver's system namespaces controller; KEP-2161 label). */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease']

/** An API error as client-node throws it: an ApiException with the HTTP status in `code` (409 AlreadyExists, 404 NotFound). */
function apiError(code: number, message: string): Error {
  return Object.assign(new Error(`HTTP-Code: ${code} Message: ${message}`), { code })
}

const HARNESS_LABELS = new Set([RUN_LABEL, POD_LABEL, 'kubernetes.io/metadata.name'])
const userLabels = (l: Record<string, string>) => Object.fromEntries(Object.entries(l).filter(([k]) => !HARNESS_LABELS.has(k)))
const patched = (cur: Record<string, string>, patch: Record<string, string | null>) => {
  const out = { ...cur }
  for (const [k, v] of Object.entries(patch)) v === null ? delete out[k] : (out[k] = v)
  return out
}

export class RehearsalKube implements KubeApi {
  readonly context = 'rehearsal'
  readonly local: LocalDriver
  private readonly namespaces = new Map<string, Record<string, string>>(SYSTEM_NAMESPACES.map((n) => [n, { 'kubernetes.io/metadata.name': n }]))
  private readonly pods = new Map<string, { labels: Record<string, string>; polls: number }>()
  private started?: Promise<void>
  /** calico-node pod generation per node. */
  private readonly agents = new Map([['node-1', 0], ['node-2', 0]])
  /** The shell script of every exec, for assertions. */
  readonly scripts: string[] = []

  constructor(
    private readonly scenario: Scenario,
    private readonly agnhost: string,
    private readonly signal: AbortSignal,
  ) {
    this.local = new LocalDriver({ nodes: 2 })
  }

  async serverVersion() {
    return 'v1.35.0-rehearsal'
  }
  async listNamespaces(labelSelector?: string) {
    const [k, v] = labelSelector?.split('=') ?? []
    return [...this.namespaces].filter(([, l]) => !k || l[k] === v).map(([name, labels]) => ({ name, labels }))
  }
  async createNamespace(name: string, labels: Record<string, string>) {
    if (this.namespaces.has(name)) throw apiError(409, `namespaces "${name}" already exists`)
    // The API server adds kubernetes.io/metadata.name=<name> to every namespace (NamespaceDefaultLabelName).
    this.namespaces.set(name, { ...labels, 'kubernetes.io/metadata.name': name })
  }
  async patchNamespaceLabels(name: string, labels: Record<string, string | null>) {
    const next = patched(this.namespaces.get(name)!, labels)
    this.namespaces.set(name, next)
    await this.toLocal({ kind: 'set-namespace-labels', namespace: name, labels: { ...userLabels(next), 'kubernetes.io/metadata.name': name } })
  }
  async deleteNamespace(name: string) {
    this.namespaces.delete(name)
    for (const k of [...this.pods.keys()]) if (k.startsWith(`${name}/`)) this.pods.delete(k)
  }
  async createPod(namespace: string, manifest: object) {
    const m = manifest as { metadata: { name: string; labels: Record<string, string>; annotations?: Record<string, string> } }
    const id = `${namespace}/${m.metadata.name}`
    if (!this.namespaces.has(namespace)) throw apiError(404, `namespaces "${namespace}" not found`)
    if (this.pods.has(id)) throw apiError(409, `pods "${m.metadata.name}" already exists`)
    const want = m.metadata.annotations?.['cni.projectcalico.org/ipAddrs']
    const declared = this.scenario.pods.find((p) => `${p.namespace}/${p.name}` === id)
    // Calico's IPAM honours cni.projectcalico.org/ipAddrs (a JSON list) when the address lies in a pool; the
    // rehearsal's pool is the scenario's own addresses, so a pod asked for anything else would never start.
    if (!want || !declared || JSON.parse(want)[0] !== declared.ip) throw new Error(`rehearsal: pod ${id} must ask for its scenario address ${declared?.ip} (got ${want})`)
    this.pods.set(id, { labels: m.metadata.labels, polls: 0 })
  }
  async getPod(namespace: string, name: string): Promise<PodInfo | undefined> {
    const p = this.pods.get(`${namespace}/${name}`)
    if (!p) return undefined
    // The node side comes up once every pod of the scenario exists (the kube driver creates them all first).
    if (this.pods.size === this.scenario.pods.length) this.started ??= this.local.up(this.scenario, this.signal)
    await this.started
    const declared = this.scenario.pods.find((s) => s.namespace === namespace && s.name === name)!
    const pod = this.local.state().pods.find((s) => s.namespace === namespace && s.name === name)
    // Pending, then Ready on a later look, as a real pod is once its readiness checks pass.
    const ready = this.started !== undefined && ++p.polls >= 2
    return { name, namespace, phase: ready ? 'Running' : 'Pending', ready, labels: p.labels, ...(ready ? { ip: pod?.ip ?? declared.ip, node: declared.node ?? 'node-1' } : {}) }
  }
  async listPods(namespace: string, labelSelector?: string) {
    const [k, v] = labelSelector?.split('=') ?? []
    // Calico's manifest install runs calico-node as a DaemonSet in kube-system, pods labelled k8s-app=calico-node.
    if (namespace === 'kube-system' && labelSelector === 'k8s-app=calico-node') return [...this.agents].map(([node, gen]) => ({ name: `calico-node-${node}-${gen}`, namespace, phase: 'Running', ready: true, node, labels: { 'k8s-app': 'calico-node' } }))
    const out: PodInfo[] = []
    for (const [id, p] of this.pods) if (id.startsWith(`${namespace}/`) && (!k || p.labels[k] === v)) out.push((await this.getPod(namespace, id.split('/')[1]))!)
    return out
  }
  async deletePod(namespace: string, name: string) {
    const agent = /^calico-node-(node-\d+)-\d+$/.exec(name)
    if (namespace === 'kube-system' && agent) {
      // The DaemonSet controller replaces a deleted calico-node pod at once: the node's agent restarts (a new name).
      await this.local.chaos({ action: 'restart-agent', node: agent[1], downForMs: 0 }, this.signal)
      this.agents.set(agent[1], this.agents.get(agent[1])! + 1)
      return
    }
    this.pods.delete(`${namespace}/${name}`)
  }
  async patchPodLabels(namespace: string, name: string, labels: Record<string, string | null>) {
    const p = this.pods.get(`${namespace}/${name}`)!
    p.labels = patched(p.labels, labels)
    await this.toLocal({ kind: 'set-pod-labels', namespace, pod: name, labels: userLabels(p.labels) })
  }
  async applyPolicy(policy: NetworkPolicy) {
    await this.toLocal({ kind: 'apply-policy', policy })
  }
  async deletePolicy(namespace: string, name: string) {
    if (!this.local.state().policies.some((p) => p.metadata.namespace === namespace && p.metadata.name === name)) return
    await this.toLocal({ kind: 'delete-policy', namespace, name })
  }
  /** Runs the kube driver's probe script inside the pod's network namespace, /agnhost being the stand-in. */
  async exec(namespace: string, pod: string, _container: string, command: readonly string[]): Promise<ExecResult> {
    return this.execIn(`${namespace}/${pod}`, command)
  }
  async execIn(endpoint: string, command: readonly string[]): Promise<ExecResult> {
    const ns = this.local.netnsOf(endpoint)
    if (!ns) return { stdout: '', stderr: '', error: `container not found (${endpoint})` }
    const argv = command.map((a) => a.split('/agnhost connect').join(`${this.agnhost} connect`))
    this.scripts.push(argv.join(' '))
    const r = await execa('ip', ['netns', 'exec', ns, ...argv], { reject: false, timeout: 60000 })
    // client-node's Exec reports the remote exit status on the status channel: Success, or Failure with
    // details.causes[{reason: "ExitCode", message: "<n>"}] (apimachinery metav1.Status; client-go remotecommand).
    return typeof r.exitCode === 'number' ? { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode } : { stdout: r.stdout, stderr: r.stderr, error: r.shortMessage }
  }
  async podLogs() {
    return ''
  }
  async events() {
    return []
  }

  private async toLocal(a: Action): Promise<void> {
    await this.started
    await this.local.apply([a])
  }

  /** The node side the kind driver gives the kube driver (externals, node faults), here on the local driver. */
  nodes(): NodeAccess {
    return {
      nodeName: (ref) => ref,
      nodeNames: async () => ['node-1', 'node-2'],
      chaos: (action, signal) => this.local.chaos(action, signal),
      chaosUnsupported: () => this.local.chaosUnsupported(),
      upExternals: async () => {},
      execExternal: (name, command) => this.execIn(name, command),
      downExternals: async () => {},
      diagnostics: async () => [],
      listening: (external: string, t: Target) => this.local.listening(external, t),
    }
  }
}

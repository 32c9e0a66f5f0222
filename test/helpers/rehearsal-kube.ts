// Why: a Kubernetes API for rehearsing the kube driver on the whole scenario library, backed by the local driver.
// The objects the kube driver creates become a real network-namespace "cluster" (with the labels the API holds),
// its policies are enforced by the local nftables dataplane, and its probe script runs for real inside the source
// pod's namespace against a stand-in for `agnhost connect` (test/fixtures/agnhost/connect.c). Verdicts are
// observed, never scripted. Each API behaviour the kube driver relies on is cited where it is encoded.
import { execa } from 'execa'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import type { ExecResult, KubeApi, PodInfo, ServiceInfo } from '../../src/drivers/kube/api.js'
import type { NodeAccess } from '../../src/drivers/kube/node-access.js'
import { CALICO_KINDS, type CalicoKind, type CalicoRef, type RawCalicoObject } from '../../src/drivers/kube/calico-kinds.js'
import { LocalDriver } from '../../src/drivers/local/index.js'
import type { TopologyPool } from '../../src/drivers/local/reuse.js'
import { sessionOf } from '../../src/drivers/local/names.js'
import { type TopologyPlan, planTopology } from '../../src/drivers/local/topology.js'
import { type Protocol, type Service, type Target, podId } from '../../src/model/cluster.js'
import type { ClusterPolicy, ClusterPolicyKind } from '../../src/model/cluster-policy.js'
import type { NetworkPolicy } from '../../src/model/policy.js'
import type { Action, Scenario } from '../../src/model/scenario.js'
import { allocateAddresses } from '../../src/scenario/addresses.js'

/**
 * Namespaces every cluster has before anyone creates one, each labelled only kubernetes.io/metadata.name=<name>.
 * kubernetes/kubernetes pkg/controlplane/controller/systemnamespaces (v1.35): the apiserver creates kube-system,
 * kube-public and kube-node-lease (metav1.NamespaceSystem/NamespacePublic/corev1.NamespaceNodeLease) and the
 * kubernetes service controller creates "default"; the NamespaceDefaultLabelName admission (KEP-2161, GA in 1.22,
 * "Well-Known Labels" docs: kubernetes.io/metadata.name) sets that one label on every namespace.
 */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease']

/** Calico's pod annotation asking IPAM for given addresses (docs.tigera.io, "Use a specific IP address with a pod": a JSON list). */
export const CALICO_IP_ANNOTATION = 'cni.projectcalico.org/ipAddrs'

/** Where the fake's IPAM puts a pod that asks for no address (a block of its own, clear of every scenario address). */
const FALLBACK_POOL = '10.245.0.0/16'

/** kube-apiserver's default --service-node-port-range, 30000-32767, and its static band (KEP-3668: 86 ports for this size). */
const NODE_PORTS = { base: 30000, size: 2768, static: 86 }

/**
 * Polls a created pod stays Pending before it reports Ready (the kubelet starts containers, then probes them): one,
 * so the kube driver's wait loop always sees Pending first and polls again (500 ms later), and no more.
 */
const POLLS_TO_READY = 1

/** An error as client-node throws it: ApiException with the HTTP status in `code` (409 AlreadyExists, 404 NotFound). */
function apiError(code: number, message: string): Error {
  return Object.assign(new Error(`HTTP-Code: ${code} Message: ${message}`), { code })
}

/** A JSON merge patch of labels (RFC 7386: null deletes the key), as the kube driver sends. */
function patched(cur: Record<string, string>, patch: Record<string, string | null>): Record<string, string> {
  const out = { ...cur }
  for (const [k, v] of Object.entries(patch)) v === null ? delete out[k] : (out[k] = v)
  return out
}

const selects = (labels: Record<string, string>, selector?: string) => {
  if (!selector) return true
  const [k, v] = selector.split('=')
  return labels[k] === v
}

/** A Service as the kube driver creates it (core/v1 Service manifest). */
interface ServiceManifest {
  metadata: { name: string; labels?: Record<string, string> }
  spec: {
    type?: 'ClusterIP' | 'NodePort'
    selector?: Record<string, string>
    externalTrafficPolicy?: 'Cluster' | 'Local'
    ports: { name?: string; port: number; protocol?: Protocol; targetPort?: number | string; nodePort?: number }[]
  }
}

/**
 * The kubelet's cluster domain (kubeadm's default, kind's: cluster.local); a Service's name is
 * `<service>.<namespace>.svc.<domain>` (kubernetes.io "DNS for Services and Pods", A records).
 */
const CLUSTER_DOMAIN = 'cluster.local'

interface FakePod {
  labels: Record<string, string>
  ip: string
  /** Both addresses of a dual-stack pod (status.podIPs). */
  ips?: string[]
  polls: number
}

/** Options of the rehearsal API. */
export interface RehearsalOptions {
  /** The compiled agnhost stand-in: replaces `/agnhost` in the probe script. */
  readonly agnhost: string
  readonly signal: AbortSignal
  /** Node count of the local cluster (the kind default config has one control plane and one worker). */
  readonly nodes?: number
  /**
   * The run's pool of parked local topologies (src/drivers/local/reuse.ts): a scenario whose node side has the
   * layout of one that ended cleanly takes it over after the local driver's reset, as `run --driver local` does.
   */
  readonly pool?: TopologyPool<LocalDriver>
}

/** How many fake clusters this process made (their contexts are numbered). */
let rehearsals = 0

/** The fake API server plus its node side, for one scenario. */
export class RehearsalKube implements KubeApi {
  /** One fake cluster per scenario: its own context, so scenarios rehearsed at once never wait for each other's names. */
  readonly context = `rehearsal-${++rehearsals}`
  readonly local: LocalDriver
  /** The shell script of every exec, for assertions. */
  readonly scripts: string[] = []
  /** Every exec result, for assertions (exit codes seen). */
  readonly exitCodes = new Map<number, number>()
  private sid?: string
  private plan?: TopologyPlan
  private started?: Promise<void>
  private readonly namespaces = new Map<string, Record<string, string>>(
    SYSTEM_NAMESPACES.map((n) => [n, { 'kubernetes.io/metadata.name': n }]),
  )
  private readonly created = new Map<string, number>()
  private readonly pods = new Map<string, FakePod>()
  /** Services by `namespace/name`, as created (their ClusterIPs are the local driver's NAT's, read at readService). */
  private readonly services = new Map<string, ServiceManifest>()
  /** /etc/netns/<ns> folders written for name resolution, removed at `down`. */
  private readonly hostsDirs: string[] = []
  /** calico-node pod generation per node (a DaemonSet's replacement pod gets a new name). */
  private readonly agents = new Map<string, number>()

  constructor(
    private readonly scenario: Scenario,
    private readonly opts: RehearsalOptions,
  ) {
    this.local = new LocalDriver({ nodes: opts.nodes ?? 2, ...(opts.pool ? { pool: opts.pool } : {}) })
    for (let i = 1; i <= (opts.nodes ?? 2); i++) this.agents.set(`node-${i}`, 0)
  }

  async serverVersion() {
    return 'v1.35.0-rehearsal'
  }
  async listNamespaces(labelSelector?: string) {
    // metadata.creationTimestamp is set by the API server on create (ObjectMeta); the system namespaces are old.
    return [...this.namespaces]
      .filter(([, l]) => selects(l, labelSelector))
      .map(([name, labels]) => ({ name, labels, createdAt: this.created.get(name) ?? 0 }))
  }
  async createNamespace(name: string, labels: Record<string, string>) {
    // The API server answers 409 AlreadyExists for a name that exists (apimachinery StatusReasonAlreadyExists).
    if (this.namespaces.has(name)) throw apiError(409, `namespaces "${name}" already exists`)
    // NamespaceDefaultLabelName: the API server sets kubernetes.io/metadata.name=<name>, overriding any value given.
    this.namespaces.set(name, { ...labels, 'kubernetes.io/metadata.name': name })
    this.created.set(name, Date.now())
  }
  async patchNamespaceLabels(name: string, labels: Record<string, string | null>) {
    const cur = this.namespaces.get(name)
    if (!cur) throw apiError(404, `namespaces "${name}" not found`)
    const next = { ...patched(cur, labels), 'kubernetes.io/metadata.name': name }
    this.namespaces.set(name, next)
    await this.toLocal({ kind: 'set-namespace-labels', namespace: name, labels: next })
  }
  async deleteNamespace(name: string) {
    this.namespaces.delete(name)
    for (const k of [...this.pods.keys()]) if (k.startsWith(`${name}/`)) this.pods.delete(k)
  }
  async createPod(namespace: string, manifest: object) {
    const m = manifest as { metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> } }
    const id = podId({ namespace, name: m.metadata.name })
    if (!this.namespaces.has(namespace)) throw apiError(404, `namespaces "${namespace}" not found`)
    if (this.pods.has(id)) throw apiError(409, `pods "${m.metadata.name}" already exists`)
    const asked = m.metadata.annotations?.[CALICO_IP_ANNOTATION]
    const taken = new Set([...this.pods.values()].map((p) => p.ip))
    // The annotation lists one address per family (dual-stack: both, as Calico's ipAddrs takes them).
    const askedIps = asked ? (JSON.parse(asked) as string[]) : undefined
    let ip = askedIps ? askedIps[0] : allocateAddresses(FALLBACK_POOL, 1, taken)[0]
    let ips = askedIps && askedIps.length > 1 ? askedIps : undefined
    // Calico IPAM refuses an address already in use; the pod would never start (CNI ADD fails).
    if (taken.has(ip)) throw new Error(`rehearsal: ${id} asks for ${ip}, already assigned`)
    if (this.started) {
      // Created again after a delete (recreate-pod): the local driver rebuilds the pod's namespace. It always
      // gives a fresh address, where Calico would honour the annotation; the kube driver reads the IP back.
      await this.started
      await this.local.chaos({ action: 'recreate-pod', namespace, pod: m.metadata.name }, this.opts.signal)
      const fresh = this.local.state().pods.find((p) => podId(p) === id)!
      ip = fresh.ip
      ips = fresh.ips ? [...fresh.ips] : undefined
    }
    this.pods.set(id, { labels: { ...(m.metadata.labels ?? {}) }, ip, ...(ips ? { ips } : {}), polls: 0 })
  }
  async getPod(namespace: string, name: string): Promise<PodInfo | undefined> {
    const id = podId({ namespace, name })
    const p = this.pods.get(id)
    if (!p) return undefined
    // The node side comes up once every pod of the scenario exists (the kube driver creates them all, then polls).
    if (!this.started && this.scenario.pods.every((s) => this.pods.has(podId(s)))) this.started = this.startLocal()
    if (!this.started) return { name, namespace, phase: 'Pending', ready: false, labels: p.labels }
    await this.started
    // Pending, then Running and Ready on a later look, as a real pod once its containers pass readiness checks.
    const ready = ++p.polls > POLLS_TO_READY
    const node = this.plan!.pods.find((e) => e.id === id)!.node!.name
    return {
      name,
      namespace,
      phase: ready ? 'Running' : 'Pending',
      ready,
      labels: p.labels,
      node,
      ...(ready ? { ip: p.ip, ...(p.ips ? { ips: p.ips } : {}) } : {}),
    }
  }
  async listPods(namespace: string, labelSelector?: string) {
    // Calico's manifest install runs calico-node as a DaemonSet in kube-system, its pods labelled k8s-app=calico-node
    // (projectcalico/calico manifests/calico.yaml).
    if (namespace === 'kube-system' && labelSelector === 'k8s-app=calico-node') {
      return [...this.agents].map(([node, gen]): PodInfo => ({
        name: `calico-node-${node}-${gen}`,
        namespace,
        phase: 'Running',
        ready: true,
        node,
        labels: { 'k8s-app': 'calico-node' },
      }))
    }
    const out: PodInfo[] = []
    for (const [id, p] of this.pods)
      if (id.startsWith(`${namespace}/`) && selects(p.labels, labelSelector))
        out.push((await this.getPod(namespace, id.slice(namespace.length + 1)))!)
    return out
  }
  async deletePod(namespace: string, name: string) {
    const agent = /^calico-node-(.+)-\d+$/.exec(name)
    if (namespace === 'kube-system' && agent && this.agents.has(agent[1])) {
      // The DaemonSet controller replaces a deleted calico-node pod: the node's agent restarts under a new name.
      await this.local.chaos({ action: 'restart-agent', node: agent[1], downForMs: 0 }, this.opts.signal)
      this.agents.set(agent[1], this.agents.get(agent[1])! + 1)
      return
    }
    this.pods.delete(podId({ namespace, name }))
  }
  async patchPodLabels(namespace: string, name: string, labels: Record<string, string | null>) {
    const p = this.pods.get(podId({ namespace, name }))
    if (!p) throw apiError(404, `pods "${name}" not found`)
    p.labels = patched(p.labels, labels)
    await this.toLocal({ kind: 'set-pod-labels', namespace, pod: name, labels: p.labels })
  }
  async applyPolicy(policy: NetworkPolicy) {
    if (!this.namespaces.has(policy.metadata.namespace)) throw apiError(404, `namespaces "${policy.metadata.namespace}" not found`)
    await this.toLocal({ kind: 'apply-policy', policy })
  }
  async deletePolicy(namespace: string, name: string) {
    // client-node-api.ts swallows 404 for a policy that is already gone; so does this.
    await this.toLocal({ kind: 'delete-policy', namespace, name })
  }
  /**
   * The network-policy-api CRDs (kubernetes-sigs/network-policy-api config/crd, +kubebuilder:resource:scope=Cluster):
   * cluster-scoped objects, so no namespace to check; the API server has already validated them against the schema.
   */
  async applyClusterPolicy(policy: ClusterPolicy) {
    await this.toLocal({ kind: 'apply-cluster-policy', policy })
    this.clusterPolicies.set(`${policy.kind}/${policy.metadata.name}`, { ...(policy.metadata.labels ?? {}) })
  }
  async deleteClusterPolicy(kind: ClusterPolicyKind, name: string) {
    await this.toLocal({ kind: 'delete-cluster-policy', policyKind: kind, name })
    this.clusterPolicies.delete(`${kind}/${name}`)
  }
  /** Labels of the applied cluster policies, by `Kind/name` (a GET answers 404 for any other). */
  private readonly clusterPolicies = new Map<string, Record<string, string>>()
  async readClusterPolicy(kind: ClusterPolicyKind, name: string) {
    const labels = this.clusterPolicies.get(`${kind}/${name}`)
    return labels ? { labels } : undefined
  }
  /** Equality (`k=v`) and existence (`k`) selectors, the two the driver sends. */
  async listClusterPolicies(kind: ClusterPolicyKind, labelSelector: string) {
    const [k, v] = labelSelector.split('=')
    return [...this.clusterPolicies]
      .filter(([id, l]) => id.startsWith(`${kind}/`) && (v === undefined ? k in l : l[k] === v))
      .map(([id, labels]) => ({ name: id.slice(kind.length + 1), labels }))
  }
  /**
   * Calico's kinds as the Calico API server serves them (test/helpers/fake-calico.ts encodes its rules; here only
   * what the driver needs to apply, read, list and delete): each object the driver sends is the scenario's own plus
   * owner labels, so it is matched to the scenario's `apply-calico` action by kind, name, namespace and spec, whose
   * parsed object the local driver enforces. Namespaced kinds default to `default` (the API server's rule).
   */
  private readonly calico = new Map<string, { labels: Record<string, string>; resourceVersion: string }>()
  private calicoVersion = 0
  private calicoKey(kind: string, name: string, namespace?: string): string {
    const ns = CALICO_KINDS[kind as CalicoKind]?.namespaced ? (namespace ?? 'default') : ''
    return `${kind}/${ns}/${name}`
  }
  async servedCalicoKinds(): Promise<CalicoKind[]> {
    return Object.keys(CALICO_KINDS) as CalicoKind[]
  }
  private async calicoToLocal(obj: RawCalicoObject): Promise<void> {
    const same = (raw: unknown) => {
      const r = raw as RawCalicoObject & { spec?: unknown }
      return (
        r.kind === obj.kind &&
        r.metadata.name === obj.metadata.name &&
        this.calicoKey(r.kind, r.metadata.name, r.metadata.namespace) ===
          this.calicoKey(obj.kind, obj.metadata.name, obj.metadata.namespace) &&
        JSON.stringify(r.spec ?? null) === JSON.stringify((obj as { spec?: unknown }).spec ?? null)
      )
    }
    const action = this.scenario.steps.flatMap((st) => st.actions).find((a) => a.kind === 'apply-calico' && same(a.raw))
    if (!action) throw apiError(500, `${obj.kind} ${obj.metadata.name}: not an object of the scenario (the rehearsal can only apply those)`)
    await this.toLocal(action)
  }
  async createCalicoObject(obj: RawCalicoObject) {
    const key = this.calicoKey(obj.kind, obj.metadata.name, obj.metadata.namespace)
    if (this.calico.has(key)) throw apiError(409, `${obj.kind} ${obj.metadata.name} already exists`)
    await this.calicoToLocal(obj)
    this.calico.set(key, { labels: { ...(obj.metadata.labels ?? {}) }, resourceVersion: String(++this.calicoVersion) })
  }
  async replaceCalicoObject(obj: RawCalicoObject & { metadata: { resourceVersion: string } }) {
    const key = this.calicoKey(obj.kind, obj.metadata.name, obj.metadata.namespace)
    if (!this.calico.has(key)) throw apiError(404, `${obj.kind} ${obj.metadata.name} not found`)
    await this.calicoToLocal(obj)
    this.calico.set(key, { labels: { ...(obj.metadata.labels ?? {}) }, resourceVersion: String(++this.calicoVersion) })
  }
  async readCalicoObject(ref: CalicoRef) {
    const o = this.calico.get(this.calicoKey(ref.kind, ref.name, ref.namespace))
    return o ? { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}), ...o } : undefined
  }
  async deleteCalicoObject(ref: CalicoRef) {
    const key = this.calicoKey(ref.kind, ref.name, ref.namespace)
    if (!this.calico.delete(key)) throw apiError(404, `${ref.kind} ${ref.name} not found`)
    await this.toLocal({
      kind: 'delete-calico',
      calicoKind: ref.kind,
      name: ref.name,
      ...(ref.namespace ? { namespace: ref.namespace } : {}),
    })
  }
  /** Equality (`k=v`) and existence (`k`) selectors, the two the driver sends. */
  async listCalicoObjects(kind: CalicoKind, labelSelector: string) {
    const [k, v] = labelSelector.split('=')
    return [...this.calico]
      .filter(([id, o]) => id.startsWith(`${kind}/`) && (v === undefined ? k in o.labels : o.labels[k] === v))
      .map(([id, o]) => {
        const [, ns, name] = id.split('/')
        return { name, ...(ns ? { namespace: ns } : {}), ...o }
      })
  }
  /** Discovery of policy.networking.k8s.io as a cluster with both CRD bundles installed answers it. */
  async servedClusterPolicyKinds(): Promise<ClusterPolicyKind[]> {
    return ['ClusterNetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy']
  }
  /**
   * Services are held until the node side comes up, which then runs them through the local driver's kube-proxy-like
   * NAT (src/drivers/local/services-nat.ts): a ClusterIP, and DNAT to the backends the selector picks. Created before
   * the pods are waited for, as the kube driver does; one created later is refused (this fake cannot add it).
   */
  async createService(namespace: string, manifest: object) {
    const m = manifest as ServiceManifest
    if (!this.namespaces.has(namespace)) throw apiError(404, `namespaces "${namespace}" not found`)
    const id = `${namespace}/${m.metadata.name}`
    // 409 AlreadyExists for a name that exists (apimachinery StatusReasonAlreadyExists).
    if (this.services.has(id)) throw apiError(409, `services "${m.metadata.name}" already exists`)
    if (this.started) throw new Error('rehearsal: Services must be created before the pods are waited for')
    this.services.set(id, { ...m, spec: { ...m.spec, ports: this.allocateNodePorts(m) } })
  }
  /**
   * spec.ports[].nodePort of a NodePort Service as the API server sets it (pkg/registry/core/service/portallocator):
   * a given one must lie in --service-node-port-range (30000-32767 by default) and be free, else 422; an omitted one
   * is allocated. KEP-3668 (GA in 1.29) splits the range: the lower band, min(max(16, size/32), 128) ports (86 of
   * 2768: 30000-30085, allocator.go calculateRangeOffset), is kept for ports users ask for; dynamic allocation takes
   * the upper band first (at random there, in order here, so runs are reproducible). A node port is the cluster's (one
   * allocator for every protocol), but a Service's ports with the same port number (53/TCP and 53/UDP) share one,
   * allocated once (pkg/registry/core/service/storage/alloc.go initNodePorts: svcPortToNodePort keyed by the port).
   */
  private allocateNodePorts(m: ServiceManifest): ServiceManifest['spec']['ports'] {
    if (m.spec.type !== 'NodePort') return m.spec.ports
    const taken = new Set([...this.services.values()].flatMap((s) => s.spec.ports.flatMap((p) => (p.nodePort ? [p.nodePort] : []))))
    // This Service's node ports by its port number (svcPortToNodePort).
    const own = new Map<number, number>()
    return m.spec.ports.map((p, i) => {
      const shared = own.get(p.port)
      if (shared !== undefined) return { ...p, nodePort: shared }
      if (p.nodePort !== undefined) {
        if (p.nodePort < NODE_PORTS.base || p.nodePort >= NODE_PORTS.base + NODE_PORTS.size || taken.has(p.nodePort))
          throw apiError(422, `Service "${m.metadata.name}" is invalid: spec.ports[${i}].nodePort: Invalid value: ${p.nodePort}`)
        taken.add(p.nodePort)
        own.set(p.port, p.nodePort)
        return p
      }
      let port = NODE_PORTS.base + NODE_PORTS.static
      while (taken.has(port)) port++
      taken.add(port)
      own.set(p.port, port)
      return { ...p, nodePort: port }
    })
  }
  /**
   * spec.clusterIPs: the address the local NAT gave the Service (none when it selects no pod); spec.ports[].nodePort
   * as allocated at create, which the local NAT serves on every node (services-nat.ts nodePortScript).
   */
  async readService(namespace: string, name: string): Promise<ServiceInfo | undefined> {
    const m = this.services.get(`${namespace}/${name}`)
    if (!m) return undefined
    await this.started
    const nodePorts = Object.fromEntries(
      m.spec.ports.flatMap((p) => (p.nodePort !== undefined ? [[`${p.port}/${p.protocol ?? 'TCP'}`, p.nodePort]] : [])),
    )
    return { clusterIPs: this.local.clusterIPs(`${namespace}/${name}`), nodePorts }
  }
  /**
   * The nodes as `GET /api/v1/nodes` lists them: v1 Node objects whose status.addresses carry an `InternalIP` (and a
   * `Hostname`) entry (kubernetes.io/docs/reference/node/node-status, "Addresses": "InternalIP: Typically the IP
   * address of the node that is only routable within the cluster"; core/v1 NodeAddress {type, address}). The InternalIP
   * is the local driver's node address, the one its NodePort NAT answers on and SNATs to, as kind's nodes have their
   * Docker network address. Listed by name, as the API server lists from etcd (keys in name order).
   */
  async listNodes() {
    await this.started
    const nodes = [...(this.plan?.nodes ?? [])]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((n) => ({
        metadata: { name: n.name },
        status: {
          addresses: [
            { type: 'InternalIP', address: n.ip },
            { type: 'Hostname', address: n.name },
          ],
        },
      }))
    // What client-node-api.ts reads of each: the name and its InternalIP addresses.
    return nodes.map((n) => ({
      name: n.metadata.name,
      addresses: n.status.addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address),
    }))
  }
  async deleteService(namespace: string, name: string) {
    this.services.delete(`${namespace}/${name}`)
  }
  async listServices(namespace: string, labelSelector: string) {
    return [...this.services]
      .filter(([id, m]) => id.startsWith(`${namespace}/`) && selects(m.metadata.labels ?? {}, labelSelector))
      .map(([, m]) => m.metadata.name)
  }
  /**
   * The EndpointSlice controller's view (pkg/controller/endpointslice): the Ready pods of the namespace the selector
   * picks, by address; a pod is Ready here as getPod reports it.
   */
  async readyEndpoints(namespace: string, service: string) {
    const sel = this.services.get(`${namespace}/${service}`)?.spec.selector
    if (!sel || !this.started) return []
    await this.started
    return [...this.pods]
      .filter(
        ([id, p]) => id.startsWith(`${namespace}/`) && p.polls > POLLS_TO_READY && Object.entries(sel).every(([k, v]) => p.labels[k] === v),
      )
      .flatMap(([, p]) => p.ips ?? [p.ip])
  }
  async exec(namespace: string, pod: string, _container: string, command: readonly string[], timeoutMs: number): Promise<ExecResult> {
    if (!this.pods.has(podId({ namespace, name: pod }))) return { stdout: '', stderr: '', error: `pods "${pod}" not found` }
    return this.execIn(podId({ namespace, name: pod }), command, timeoutMs)
  }
  async podLogs() {
    return ''
  }
  async events() {
    return []
  }

  /** Runs the kube driver's probe script inside an endpoint's network namespace, `/agnhost` being the stand-in. */
  private async execIn(endpoint: string, command: readonly string[], timeoutMs: number): Promise<ExecResult> {
    await this.started
    const ns = [...(this.plan?.pods ?? []), ...(this.plan?.externals ?? [])].find((e) => e.id === endpoint)?.ns
    if (!ns) return { stdout: '', stderr: '', error: `container not found (${endpoint})` }
    const argv = command.map((a) => a.split('/agnhost connect').join(`${this.opts.agnhost} connect`))
    this.scripts.push(command.join(' '))
    const r = await execa('ip', ['netns', 'exec', ns, ...argv], { reject: false, timeout: timeoutMs })
    if (r.timedOut) return { stdout: r.stdout, stderr: r.stderr, error: `exec did not finish within ${timeoutMs} ms` }
    // The exec status channel carries a metav1.Status: "Success", or "Failure" with reason NonZeroExitCode and
    // details.causes[{reason: "ExitCode", message: "<n>"}] (kubernetes/client-go tools/remotecommand/v4.go
    // errorDecoderV4; apimachinery pkg/util/remotecommand/constants.go). client-node-api.ts decodes it to exitCode.
    if (typeof r.exitCode !== 'number') return { stdout: r.stdout, stderr: r.stderr, error: r.shortMessage }
    this.exitCodes.set(r.exitCode, (this.exitCodes.get(r.exitCode) ?? 0) + 1)
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode }
  }

  /** Is this network namespace one of this rehearsal's local cluster? */
  ownsNetns(ns: string): boolean {
    return this.sid !== undefined && sessionOf(ns) === this.sid
  }

  /** Brings the local cluster up with exactly what the API holds: its namespace labels, pod labels and addresses. */
  private async startLocal(): Promise<void> {
    const s = this.scenario
    const services = [...this.services].map(([id, m]): Service => ({
      namespace: id.split('/')[0],
      name: m.metadata.name,
      selector: m.spec.selector ?? {},
      type: m.spec.type ?? 'ClusterIP',
      externalTrafficPolicy: m.spec.externalTrafficPolicy ?? 'Cluster',
      ports: m.spec.ports.map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: p.port,
        protocol: p.protocol ?? 'TCP',
        // core/v1 ServicePort: targetPort defaults to port.
        targetPort: p.targetPort ?? p.port,
        ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
      })),
    }))
    const local: Scenario = {
      ...s,
      // What the API holds (the scenario's Services and the kube driver's per-backend ones), not the scenario's list.
      services,
      namespaces: s.namespaces.map((n) => ({ ...n, labels: this.namespaces.get(n.name) ?? n.labels })),
      pods: s.pods.map((p) => {
        const api = this.pods.get(podId(p))!
        return { ...p, labels: api.labels, ip: api.ip, ...(api.ips ? { ips: api.ips } : {}) }
      }),
    }
    // The session naming its namespaces (nph-<sid>-p<i>): its own (known before it builds, so a failed build's
    // leftovers are found too), or that of the topology it took over.
    this.sid = this.local.session
    await this.local.up(local, this.opts.signal)
    this.sid = this.local.session
    // Where its pods are (a topology of another layout taken over keeps its own namespace names, reconciled).
    this.plan = this.local.topology ?? planTopology(local, this.sid, this.opts.nodes ?? 2)
    await this.writeHosts(services)
  }

  /**
   * Cluster DNS for `service-name` probes, through the files `ip netns exec` mounts over /etc (ip-netns(8):
   * /etc/netns/<ns>/<file>). With the scenario's kube-system/kube-dns (this fake cluster has no DNS of its own, so
   * that Service is its DNS): each pod's resolv.conf as the kubelet writes it for dnsPolicy ClusterFirst (kubernetes
   * pkg/kubelet/network/dns/dns.go: the cluster DNS Service's address as the only nameserver, the search list
   * <ns>.svc.<domain> svc.<domain> <domain>, options ndots:5), and no Service name in hosts: every name is a real UDP
   * query to the kube-dns ClusterIP, which the local NAT sends to the DNS pods and the local dataplane judges.
   * Without it: hosts maps each Service's absolute name to its ClusterIP, as CoreDNS would answer.
   */
  private async writeHosts(services: readonly Service[]): Promise<void> {
    const dns = this.local.clusterIP('kube-system/kube-dns')
    const lines = dns
      ? []
      : services.flatMap((svc) => {
          const ip = this.local.clusterIP(`${svc.namespace}/${svc.name}`)
          const name = `${svc.name}.${svc.namespace}.svc.${CLUSTER_DOMAIN}`
          return ip ? [`${ip} ${name}. ${name}`] : []
        })
    if (!lines.length && !dns) return
    for (const p of this.plan!.pods) {
      const dir = `/etc/netns/${p.ns}`
      await mkdir(dir, { recursive: true })
      this.hostsDirs.push(dir)
      await writeFile(`${dir}/hosts`, ['127.0.0.1 localhost', ...lines, ''].join('\n'))
      const ns = p.id.split('/')[0]
      const search = [`${ns}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN].join(' ')
      if (dns) await writeFile(`${dir}/resolv.conf`, `search ${search}\nnameserver ${dns}\noptions ndots:5\n`)
    }
  }

  /** Takes the node side down and removes the name files it wrote. */
  async down(): Promise<void> {
    try {
      await this.local.down()
    } finally {
      await Promise.all(this.hostsDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
    }
  }

  private async toLocal(a: Action): Promise<void> {
    if (!this.started) return
    await this.started
    await this.local.apply([a])
  }

  /** The node side the kind driver gives the kube driver (externals, node faults), here on the local driver. */
  nodes(): NodeAccess {
    return {
      nodeName: (ref) => ref,
      nodeNames: async () => [...this.agents.keys()],
      chaos: async (action, signal) => {
        await this.started
        await this.local.chaos(action, signal)
      },
      chaosUnsupported: () => this.local.chaosUnsupported(),
      // The node's agent is kept down for the time asked (as kind's SIGSTOP of calico-node does), then restarted.
      freezeAgent: async (nodes, forMs, signal) => {
        await this.started
        await Promise.all(nodes.map((node) => this.local.chaos({ action: 'restart-agent', node, downForMs: forMs }, signal)))
      },
      // The local driver creates the externals (at their declared addresses) with the pods.
      upExternals: async () => {},
      execExternal: (name, command, timeoutMs) => this.execIn(name, command, timeoutMs),
      downExternals: async () => {},
      listening: (external: string, t: Target) => this.local.listening(external, t),
      diagnostics: async () => [],
    }
  }
}

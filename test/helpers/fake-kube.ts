// An in-memory Kubernetes API for the kube driver's tests: namespaces, pods that become Ready with an IP,
// policies, calico-node pods, and exec that answers the probe script like agnhost connect would, decided by
// a `connects` function (the fake CNI).
import type { ExecResult, KubeApi, PodInfo, ServiceInfo } from '../../src/drivers/kube/api.js'
import type { CalicoKind, CalicoRef, RawCalicoObject } from '../../src/drivers/kube/calico-kinds.js'
import { FakeCalicoApi } from './fake-calico.js'
import { podId } from '../../src/model/cluster.js'
import type { ClusterPolicy, ClusterPolicyKind } from '../../src/model/cluster-policy.js'
import { type NetworkPolicy, policyId } from '../../src/model/policy.js'

export interface FakeCall {
  readonly op: string
  readonly args: unknown[]
}

interface FakePodManifest {
  metadata: { name: string; labels: Record<string, string>; annotations?: Record<string, string> }
  spec: { containers: { name: string }[] }
}

/** A Service manifest as the kube driver sends it (core/v1 Service). */
export interface FakeServiceManifest {
  metadata: { name: string; labels?: Record<string, string> }
  spec: {
    type?: string
    selector?: Record<string, string>
    ports: { name?: string; port: number; protocol?: string; targetPort?: number | string; nodePort?: number }[]
    externalTrafficPolicy?: string
  }
}

/**
 * An error as client-node throws it: ApiException with the HTTP status in `code` and the API server's Status message
 * (422 Invalid: `Service "<name>" is invalid: <field>: Invalid value: <v>: <detail>`, apimachinery errors.NewInvalid).
 */
function apiError(code: number, message: string): Error {
  return Object.assign(new Error(`HTTP-Code: ${code} Message: ${message}`), { code })
}

/** kube-apiserver's default --service-node-port-range (kubernetes pkg/apis/core/v1 / kubeapiserver options: 30000-32767). */
const NODE_PORTS = { base: 30000, size: 2768 }

/** A DNS-1035 label (a Service's name: apimachinery validation IsDNS1035Label, at most 63 characters). */
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/

/** How many fake clusters this process made. */
let fakes = 0

export class FakeKube implements KubeApi {
  /** Each fake its own cluster: the scenarios of a run hold their namespace names per context (kube/namespaces.ts). */
  context = `fake-context-${++fakes}`
  calls: FakeCall[] = []
  namespaces = new Map<string, Record<string, string>>()
  /** metadata.creationTimestamp (ms), which the API server sets on create; tests may backdate it. */
  created = new Map<string, number>()
  pods = new Map<string, { manifest: FakePodManifest; info: PodInfo; polls: number }>()
  policies = new Map<string, NetworkPolicy>()
  nextIp = 100
  /** The fake CNI: may `from` (a pod id) reach `ip:port/proto` (`ip` may be a DNS name)? true, 'timeout', 'refused'. */
  connects: (from: string, ip: string, port: number, proto: string) => true | 'timeout' | 'refused' = () => true
  execFails = new Set<string>()
  /** Calico IP pools (crd.projectcalico.org IPPool spec.cidr) when set; none otherwise. */
  pools?: string[]
  async calicoIpPools() {
    return this.pools ?? []
  }

  private log(op: string, ...args: unknown[]) {
    this.calls.push({ op, args })
  }

  async serverVersion() {
    return 'v1.35.0-fake'
  }
  /**
   * Deleted namespaces still terminating, with how many more namespace lists still show them. A real API server keeps
   * a deleted namespace, in phase Terminating, until the namespace controller has removed its content and its
   * "kubernetes" finalizer (pkg/registry/core/namespace/storage/storage.go Delete); our pods have a 0 s grace period,
   * so on kind that is a few seconds: here, the next `terminatingLists` lists.
   */
  readonly terminating = new Map<string, number>()
  terminatingLists = 2

  /** The namespaces not deleted: neither gone nor terminating. */
  active(): string[] {
    return [...this.namespaces.keys()].filter((n) => !this.terminating.has(n))
  }

  async listNamespaces(labelSelector?: string) {
    const [k, v] = labelSelector?.split('=') ?? []
    for (const [name, left] of [...this.terminating]) {
      if (left > 0) this.terminating.set(name, left - 1)
      else {
        this.terminating.delete(name)
        this.namespaces.delete(name)
      }
    }
    return [...this.namespaces]
      .filter(([, l]) => !k || l[k] === v)
      .map(([name, labels]) => ({ name, labels, ...(this.created.has(name) ? { createdAt: this.created.get(name)! } : {}) }))
  }
  async createNamespace(name: string, labels: Record<string, string>) {
    this.log('createNamespace', name, labels)
    // 409 AlreadyExists for a name that exists, a terminating one included (apimachinery StatusReasonAlreadyExists).
    if (this.namespaces.has(name)) throw apiError(409, `namespaces "${name}" already exists`)
    this.namespaces.set(name, { ...labels, 'kubernetes.io/metadata.name': name })
    this.created.set(name, Date.now())
  }
  async patchNamespaceLabels(name: string, labels: Record<string, string | null>) {
    this.log('patchNamespaceLabels', name, labels)
    const cur = { ...this.namespaces.get(name)! }
    for (const [k, v] of Object.entries(labels)) v === null ? delete cur[k] : (cur[k] = v)
    this.namespaces.set(name, cur)
  }
  async deleteNamespace(name: string) {
    this.log('deleteNamespace', name)
    // Deleting a terminating namespace again: 409 Conflict (storage.go Delete, finalizers not yet empty).
    if (this.terminating.has(name))
      throw apiError(
        409,
        `Operation cannot be fulfilled on namespaces "${name}": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.`,
      )
    if (!this.namespaces.has(name)) throw apiError(404, `namespaces "${name}" not found`)
    if (this.terminatingLists > 0) this.terminating.set(name, this.terminatingLists)
    else this.namespaces.delete(name)
    // Namespace deletion removes every object in it (the namespace controller), Services included.
    for (const k of [...this.pods.keys()]) if (k.startsWith(`${name}/`)) this.pods.delete(k)
    for (const k of [...this.services.keys()]) if (k.startsWith(`${name}/`)) this.services.delete(k)
  }
  async createPod(namespace: string, manifest: object) {
    this.log('createPod', namespace, manifest)
    // The NamespaceLifecycle admission plugin (apiserver admission/plugin/namespace/lifecycle): 403 Forbidden.
    if (this.terminating.has(namespace))
      throw apiError(403, `unable to create new content in namespace ${namespace} because it is being terminated`)
    const m = manifest as FakePodManifest
    const wanted = m.metadata.annotations?.['cni.projectcalico.org/ipAddrs']
    // Calico's ipAddrs: one address per family (dual-stack: both, read back as status.podIPs).
    const asked = wanted ? (JSON.parse(wanted) as string[]) : [`10.99.0.${this.nextIp++}`]
    const ip = asked[0]
    this.pods.set(podId({ namespace, name: m.metadata.name }), {
      manifest: m,
      polls: 0,
      info: {
        name: m.metadata.name,
        namespace,
        phase: 'Pending',
        ready: false,
        labels: m.metadata.labels,
        ip,
        ...(asked.length > 1 ? { ips: asked } : {}),
      },
    })
  }
  async getPod(namespace: string, name: string) {
    const p = this.pods.get(podId({ namespace, name }))
    if (!p) return undefined
    // Ready on the second look, as a real pod is after its containers start.
    if (++p.polls >= 2) p.info = { ...p.info, phase: 'Running', ready: true, node: 'fake-worker' }
    return p.info
  }
  async listPods(namespace: string, labelSelector?: string) {
    const [k, v] = labelSelector?.split('=') ?? []
    return [...this.pods.values()].filter((p) => p.info.namespace === namespace && (!k || p.info.labels[k] === v)).map((p) => p.info)
  }
  async deletePod(namespace: string, name: string) {
    this.log('deletePod', namespace, name)
    this.pods.delete(podId({ namespace, name }))
  }
  async patchPodLabels(namespace: string, name: string, labels: Record<string, string | null>) {
    this.log('patchPodLabels', namespace, name, labels)
    const p = this.pods.get(podId({ namespace, name }))!
    const cur = { ...p.info.labels }
    for (const [k, v] of Object.entries(labels)) v === null ? delete cur[k] : (cur[k] = v)
    p.info = { ...p.info, labels: cur }
  }
  async applyPolicy(policy: NetworkPolicy) {
    this.log('applyPolicy', policy)
    this.policies.set(policyId(policy), policy)
  }
  async deletePolicy(namespace: string, name: string) {
    this.log('deletePolicy', namespace, name)
    this.policies.delete(`${namespace}/${name}`)
  }
  /** Cluster-scoped policies by `Kind/name`, with the API server's creationTimestamp (ms); tests may add foreign ones. */
  clusterPolicies = new Map<string, { policy: ClusterPolicy; createdAt: number }>()
  /**
   * Server-side apply (kubernetes.io/docs/reference/using-api/server-side-apply): creates the object when absent,
   * otherwise takes the applied fields; metadata.labels as sent replace this manager's, and creationTimestamp is kept.
   */
  async applyClusterPolicy(policy: ClusterPolicy) {
    this.log('applyClusterPolicy', policy)
    const id = `${policy.kind}/${policy.metadata.name}`
    this.clusterPolicies.set(id, { policy, createdAt: this.clusterPolicies.get(id)?.createdAt ?? Date.now() })
  }
  /** DELETE of a missing object is a 404, which client-node-api.ts swallows: a no-op here. */
  async deleteClusterPolicy(kind: ClusterPolicyKind, name: string) {
    this.log('deleteClusterPolicy', kind, name)
    this.clusterPolicies.delete(`${kind}/${name}`)
  }
  /** GET of a missing object answers 404, which client-node-api.ts turns into undefined. */
  async readClusterPolicy(kind: ClusterPolicyKind, name: string) {
    const p = this.clusterPolicies.get(`${kind}/${name}`)
    return p ? { labels: { ...p.policy.metadata.labels } } : undefined
  }
  /**
   * LIST with ?labelSelector= (kubernetes.io/docs/concepts/overview/working-with-objects/labels, "API: LIST and
   * WATCH filtering"): `key=value` is an equality requirement, a bare `key` an existence one (the label is set at all).
   */
  async listClusterPolicies(kind: ClusterPolicyKind, labelSelector: string) {
    const [k, v] = labelSelector.split('=')
    return [...this.clusterPolicies.values()]
      .filter(({ policy: p }) => p.kind === kind && (v === undefined ? k in (p.metadata.labels ?? {}) : p.metadata.labels?.[k] === v))
      .map(({ policy: p, createdAt }) => ({ name: p.metadata.name, labels: { ...p.metadata.labels }, createdAt }))
  }
  /** The Calico API server (projectcalico.org/v3): see fake-calico.ts for what it encodes; calls are logged here. */
  calico = new FakeCalicoApi()
  async servedCalicoKinds() {
    return this.calico.servedCalicoKinds()
  }
  async createCalicoObject(obj: RawCalicoObject) {
    this.log('createCalicoObject', obj)
    return this.calico.createCalicoObject(obj)
  }
  async replaceCalicoObject(obj: RawCalicoObject & { metadata: { resourceVersion: string } }) {
    this.log('replaceCalicoObject', obj)
    return this.calico.replaceCalicoObject(obj)
  }
  async readCalicoObject(ref: CalicoRef) {
    return this.calico.readCalicoObject(ref)
  }
  async deleteCalicoObject(ref: CalicoRef) {
    this.log('deleteCalicoObject', ref)
    return this.calico.deleteCalicoObject(ref)
  }
  async listCalicoObjects(kind: CalicoKind, labelSelector: string) {
    return this.calico.listCalicoObjects(kind, labelSelector)
  }
  /** Services by `namespace/name`, with what the API server allocated. */
  services = new Map<string, { manifest: FakeServiceManifest; info: ServiceInfo }>()
  /** The next ClusterIP: kind's service subnet 10.96.0.0/16 (kind networking.serviceSubnet default); .1 is the `kubernetes` Service's. */
  nextClusterIp = 100
  /** kube-system/kube-proxy config.conf (kubeadm); undefined: no such ConfigMap. */
  proxyConfig?: string = 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ""\n'
  /** Node InternalIPs. */
  nodeList = [{ name: 'fake-worker', addresses: ['172.18.0.3'] }]
  /**
   * Creates a Service as the API server validates and defaults it (pkg/apis/core/validation ValidateService;
   * pkg/registry/core/service): the name a DNS-1035 label (422), 409 when it exists, a ClusterIP allocated from the
   * service range, each NodePort port's nodePort allocated from 30000-32767 unless given; a given one outside the range
   * or already taken is 422 (portallocator: "provided port is not in the valid range. The range of valid ports is
   * 30000-32767", "provided port is already allocated").
   */
  async createService(namespace: string, manifest: object) {
    this.log('createService', namespace, manifest)
    const m = manifest as FakeServiceManifest
    const name = m.metadata.name
    if (!this.namespaces.has(namespace)) throw apiError(404, `namespaces "${namespace}" not found`)
    if (!DNS1035.test(name) || name.length > 63)
      throw apiError(
        422,
        `Service "${name}" is invalid: metadata.name: Invalid value: "${name}": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character`,
      )
    const id = `${namespace}/${name}`
    if (this.services.has(id)) throw apiError(409, `services "${name}" already exists`)
    const taken = new Set([...this.services.values()].flatMap((s) => Object.values(s.info.nodePorts)))
    const nodePorts: Record<string, number> = {}
    if (m.spec.type === 'NodePort')
      m.spec.ports.forEach((p, i) => {
        const asked = p.nodePort
        if (asked !== undefined) {
          if (asked < NODE_PORTS.base || asked >= NODE_PORTS.base + NODE_PORTS.size)
            throw apiError(
              422,
              `Service "${name}" is invalid: spec.ports[${i}].nodePort: Invalid value: ${asked}: provided port is not in the valid range. The range of valid ports is 30000-32767`,
            )
          if (taken.has(asked))
            throw apiError(
              422,
              `Service "${name}" is invalid: spec.ports[${i}].nodePort: Invalid value: ${asked}: provided port is already allocated`,
            )
        }
        let port = asked ?? NODE_PORTS.base
        while (taken.has(port)) port++
        taken.add(port)
        nodePorts[`${p.port}/${p.protocol ?? 'TCP'}`] = port
      })
    const n = this.nextClusterIp++
    this.services.set(id, { manifest: m, info: { clusterIPs: [`10.96.${Math.floor(n / 256)}.${n % 256}`], nodePorts } })
  }
  async readService(namespace: string, name: string) {
    return this.services.get(`${namespace}/${name}`)?.info
  }
  async deleteService(namespace: string, name: string) {
    this.log('deleteService', namespace, name)
    this.services.delete(`${namespace}/${name}`)
  }
  async listServices(namespace: string, labelSelector: string) {
    const [k, v] = labelSelector.split('=')
    return [...this.services]
      .filter(
        ([id, s]) =>
          id.startsWith(`${namespace}/`) &&
          (v === undefined ? k in (s.manifest.metadata.labels ?? {}) : s.manifest.metadata.labels?.[k] === v),
      )
      .map(([id]) => id.slice(namespace.length + 1))
  }
  /**
   * The EndpointSlice controller's view: the Ready pods of the namespace the selector picks (a Service without a
   * selector gets no EndpointSlices; pkg/controller/endpointslice), their addresses.
   */
  async readyEndpoints(namespace: string, service: string) {
    const s = this.services.get(`${namespace}/${service}`)
    const sel = s?.manifest.spec.selector
    if (!sel) return []
    return [...this.pods.values()]
      .filter((p) => p.info.namespace === namespace && p.info.ready && Object.entries(sel).every(([k, v]) => p.info.labels[k] === v))
      .flatMap((p) => (p.info.ips ?? (p.info.ip ? [p.info.ip] : [])) as string[])
  }
  async listNodes() {
    return this.nodeList
  }
  async kubeProxyConfig() {
    return this.proxyConfig
  }
  async exec(namespace: string, pod: string, container: string, command: readonly string[]): Promise<ExecResult> {
    this.log('exec', namespace, pod, container, command)
    if (this.execFails.has(podId({ namespace, name: pod }))) return { stdout: '', stderr: '', error: 'container not found' }
    // Answer each `agnhost connect` line of the script as agnhost would.
    const lines = command[2].split('\n').flatMap((line) => {
      const m = /connect \[?([^\]\s]+?)\]?:(\d+) --timeout=\d+ms --protocol=(\w+).*echo "@@(\d+)/.exec(line)
      if (!m) return []
      const r = this.connects(podId({ namespace, name: pod }), m[1], Number(m[2]), m[3])
      return [
        r === true
          ? `@@${m[4]} 0 0 `
          : r === 'timeout'
            ? `@@${m[4]} 1 0 TIMEOUT: i/o timeout`
            : `@@${m[4]} 1 0 REFUSED: connection refused`,
      ]
    })
    return { stdout: lines.join('\n') + '\n', stderr: '', exitCode: 0 }
  }
  async podLogs() {
    return 'fake logs'
  }
  async events(namespace: string) {
    return [`Normal Pod/x in ${namespace}: Scheduled`]
  }
}

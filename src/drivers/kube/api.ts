// Why: the few Kubernetes operations the kube driver needs, as an interface, so tests inject a fake client.
import type { ClusterPolicy, ClusterPolicyKind } from '../../model/cluster-policy.js'
import type { NetworkPolicy } from '../../model/policy.js'
import type { CalicoKind, CalicoObjectMeta, CalicoRef, RawCalicoObject } from './calico-kinds.js'

/** What the driver reads of a pod: phase, readiness, address, node, labels. */
export interface PodInfo {
  readonly name: string
  readonly namespace: string
  readonly phase: string
  readonly ready: boolean
  readonly ip?: string
  /** `status.podIPs` when the pod has more than one address (dual-stack), `ip` first. */
  readonly ips?: readonly string[]
  readonly node?: string
  readonly labels: Readonly<Record<string, string>>
}

/** What the driver reads back of a Service it created (core/v1 ServiceSpec): addresses and allocated node ports. */
export interface ServiceInfo {
  /** spec.clusterIPs: one per family, primary first (spec.clusterIP alone on old servers). */
  readonly clusterIPs: readonly string[]
  /** spec.ports[].nodePort by `<port>/<protocol>` (NodePort Services). */
  readonly nodePorts: Readonly<Record<string, number>>
}

/** The output of one exec into a container, or why it did not run. */
export interface ExecResult {
  readonly stdout: string
  readonly stderr: string
  /** The remote command's exit code; undefined when the exec itself failed (see `error`). */
  readonly exitCode?: number
  readonly error?: string
}

/** The operations themselves; `clientNodeApi` is the real one. */
export interface KubeApi {
  /** The context the client talks to. */
  readonly context: string
  serverVersion(): Promise<string>
  /** `createdAt`: the API server's metadata.creationTimestamp, in ms. */
  listNamespaces(labelSelector?: string): Promise<{ name: string; labels: Record<string, string>; createdAt?: number }[]>
  createNamespace(name: string, labels: Record<string, string>): Promise<void>
  /** Merge-patches labels (null removes a key). */
  patchNamespaceLabels(name: string, labels: Record<string, string | null>): Promise<void>
  deleteNamespace(name: string): Promise<void>
  createPod(namespace: string, manifest: object): Promise<void>
  getPod(namespace: string, name: string): Promise<PodInfo | undefined>
  listPods(namespace: string, labelSelector?: string): Promise<PodInfo[]>
  deletePod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<void>
  patchPodLabels(namespace: string, name: string, labels: Record<string, string | null>): Promise<void>
  /** Server-side apply with field manager netpol-harness. */
  applyPolicy(policy: NetworkPolicy): Promise<void>
  deletePolicy(namespace: string, name: string): Promise<void>
  /** Server-side apply of a cluster-scoped policy (policy.networking.k8s.io), field manager netpol-harness. */
  applyClusterPolicy?(policy: ClusterPolicy): Promise<void>
  deleteClusterPolicy?(kind: ClusterPolicyKind, name: string): Promise<void>
  /** The labels of the existing cluster policy of that kind and name; undefined when there is none (404). */
  readClusterPolicy?(kind: ClusterPolicyKind, name: string): Promise<{ labels: Record<string, string> } | undefined>
  /** The cluster policies of one kind matching a label selector (`key=value` or `key`); `createdAt` in ms as for namespaces. */
  listClusterPolicies?(
    kind: ClusterPolicyKind,
    labelSelector: string,
  ): Promise<{ name: string; labels: Record<string, string>; createdAt?: number }[]>
  /** Which cluster policy kinds the API serves (their CRDs are installed): `Kind` of each served one. */
  servedClusterPolicyKinds?(): Promise<ClusterPolicyKind[]>
  /** Which Calico projectcalico.org/v3 kinds the API serves (API discovery of the group: the Calico API server); [] when none. */
  servedCalicoKinds?(): Promise<CalicoKind[]>
  /** POST of a Calico object (projectcalico.org/v3); the API server's error is thrown (409 when it exists; Calico's own refusals, a missing tier or a bad name, as a 500 with their text). */
  createCalicoObject?(obj: RawCalicoObject): Promise<void>
  /** PUT of a Calico object over the existing one; `obj.metadata` must carry the resourceVersion read. */
  replaceCalicoObject?(obj: RawCalicoObject & { metadata: { resourceVersion: string } }): Promise<void>
  /** The existing Calico object; undefined when there is none (404). */
  readCalicoObject?(ref: CalicoRef): Promise<CalicoObjectMeta | undefined>
  /** DELETE of a Calico object; a missing one (404) is not an error. */
  deleteCalicoObject?(ref: CalicoRef): Promise<void>
  /** The Calico objects of one kind, in every namespace, matching a label selector (`key=value` or `key`). */
  listCalicoObjects?(kind: CalicoKind, labelSelector: string): Promise<CalicoObjectMeta[]>
  /** CIDRs of Calico's IPPools (crd.projectcalico.org/v1), where the cni.projectcalico.org/ipAddrs annotation may ask for an address; [] without Calico. */
  calicoIpPools?(): Promise<string[]>
  /** The images of a DaemonSet's containers (apps/v1), by container name; undefined when there is no such DaemonSet. */
  daemonSetImages?(namespace: string, name: string): Promise<Record<string, string> | undefined>
  /** Creates a Service (core/v1); absent: the API cannot create Services (every `via` cell is `unsupported`). */
  createService?(namespace: string, manifest: object): Promise<void>
  /** Reads a Service back; undefined when there is none (404). */
  readService?(namespace: string, name: string): Promise<ServiceInfo | undefined>
  /** Deletes a Service (a 404 is no error). */
  deleteService?(namespace: string, name: string): Promise<void>
  /** The Services of a namespace matching a label selector (`key=value`), by name. */
  listServices?(namespace: string, labelSelector: string): Promise<string[]>
  /** The addresses of a Service's ready endpoints, from its EndpointSlices (discovery.k8s.io/v1). */
  readyEndpoints?(namespace: string, service: string): Promise<string[]>
  /** The nodes and their InternalIP addresses (core/v1 NodeStatus.addresses). */
  listNodes?(): Promise<{ name: string; addresses: string[] }[]>
  /** kube-proxy's `config.conf` of the kube-system/kube-proxy ConfigMap (kubeadm), undefined when there is none. */
  kubeProxyConfig?(): Promise<string | undefined>
  /** One exec into a container; never throws for a failing command or a failed exec. */
  exec(namespace: string, pod: string, container: string, command: readonly string[], timeoutMs: number): Promise<ExecResult>
  podLogs(namespace: string, pod: string, container: string | undefined, tailLines: number): Promise<string>
  events(namespace: string): Promise<string[]>
}

// Why: KubeApi over the official client (@kubernetes/client-node): the only file that talks to an API server.
import { Writable } from 'node:stream'
import { CLUSTER_POLICY_KINDS, type ClusterPolicyKind } from '../../model/cluster-policy.js'
import * as k8s from '@kubernetes/client-node'
import { existsSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'
import { UsageError } from '../../errors.js'
import type { NetworkPolicy } from '../../model/policy.js'
import type { ExecResult, KubeApi, PodInfo } from './api.js'
import { CALICO_API_VERSION, CALICO_KIND_NAMES, type CalicoKind, type CalicoObjectMeta, type CalicoRef } from './calico-kinds.js'

const FIELD_MANAGER = 'netpol-harness'

function podInfo(p: k8s.V1Pod): PodInfo {
  return {
    name: p.metadata?.name ?? '',
    namespace: p.metadata?.namespace ?? '',
    phase: p.status?.phase ?? 'Unknown',
    ready: !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    ...(p.status?.podIP ? { ip: p.status.podIP } : {}),
    // status.podIPs: one per family, podIP first (core/v1 PodStatus); kept only when there are several.
    ...((p.status?.podIPs?.length ?? 0) > 1 ? { ips: p.status!.podIPs!.map((x) => x.ip) } : {}),
    ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
    labels: p.metadata?.labels ?? {},
  }
}

/**
 * The scenario's object (API field names) in client-node's typed model, which `patch` serializes back to the API's
 * names (client-node src/object.ts patch: ObjectSerializer.serialize(spec, type)). Passing the plain object straight in loses every field the model renames: NetworkPolicy ingress `from` is
 * `_from` in V1NetworkPolicyIngressRule (`from` is reserved in its generator), so `from` was silently dropped.
 */
function toModel(obj: object): k8s.KubernetesObject {
  // client-node's public `loadYaml` is the documented way in: it deserializes by apiVersion/kind (JSON is YAML).
  return k8s.loadYaml<k8s.KubernetesObject>(JSON.stringify(obj))
}

/** The version of each network-policy-api kind the harness speaks (docs/cluster-policy.md). */
const clusterPolicyApiVersion = (kind: ClusterPolicyKind) =>
  `policy.networking.k8s.io/${kind === 'ClusterNetworkPolicy' ? 'v1alpha2' : 'v1alpha1'}`

/** The identity client-node's generic object API needs to find a Calico object (it resolves kind to resource by discovery). */
const calicoHeader = (r: CalicoRef) => ({
  apiVersion: CALICO_API_VERSION,
  kind: r.kind,
  metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) },
})

/** What the harness reads of a Calico object's metadata. */
function calicoMeta(o: k8s.KubernetesObject): CalicoObjectMeta {
  const m = o.metadata ?? {}
  return {
    name: m.name ?? '',
    ...(m.namespace ? { namespace: m.namespace } : {}),
    labels: m.labels ?? {},
    ...(m.creationTimestamp ? { createdAt: new Date(m.creationTimestamp).getTime() } : {}),
    ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
  }
}

const notFound = (e: unknown) => (e as { code?: number })?.code === 404

/** In-cluster service account token: client-node's `loadFromDefault` uses it when no kubeconfig file exists. */
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token'

/**
 * The kubeconfig file kubectl would read: the first of KUBECONFIG, else ~/.kube/config; undefined inside a pod
 * (the service account is used). client-node's `KubeConfig.loadFromDefault` reads the same order but, with none of
 * them, silently falls back to `http://localhost:8080` (config.js, `loadFromClusterAndUser({ server:
 * 'http://localhost:8080' })`): that case is a usage error here, reported with the path looked for.
 */
function defaultKubeconfig(): string | undefined {
  const env = process.env.KUBECONFIG?.split(delimiter).find(Boolean)
  if (env) return env
  const home = join(homedir(), '.kube', 'config')
  return existsSync(home) || !existsSync(SERVICE_ACCOUNT_TOKEN) ? home : undefined
}

/**
 * A client for `context` (default: the current one) from `kubeconfig` (default: KUBECONFIG or ~/.kube/config, as
 * kubectl reads them). A missing kubeconfig or context is the user's to fix: a usage error, before anything runs.
 */
export function clientNodeApi(context?: string, kubeconfig?: string): KubeApi {
  const kc = new k8s.KubeConfig()
  const file = kubeconfig ?? defaultKubeconfig()
  if (file !== undefined && (!existsSync(file) || !statSync(file).isFile()))
    throw new UsageError(
      `${kubeconfig !== undefined ? '--kubeconfig' : process.env.KUBECONFIG ? 'KUBECONFIG' : 'kubeconfig'}: no such file: ${file} (pass --kubeconfig FILE, or create a cluster with --driver kind)`,
    )
  try {
    if (kubeconfig !== undefined) kc.loadFromFile(kubeconfig)
    else kc.loadFromDefault()
  } catch (e) {
    throw new UsageError(`kubeconfig ${file ?? '(in-cluster)'} cannot be read: ${(e as Error).message}`)
  }
  const names = kc.getContexts().map((c) => c.name)
  if (context) {
    if (!names.includes(context))
      throw new UsageError(
        `--context: no context "${context}" in ${file ?? 'the in-cluster config'} (contexts: ${names.join(', ') || 'none'})`,
      )
    kc.setCurrentContext(context)
  } else if (!kc.getCurrentContext() || !kc.getCurrentCluster())
    throw new UsageError(
      `no current context in ${file ?? 'the in-cluster config'}: pass --context NAME (contexts: ${names.join(', ') || 'none'})`,
    )
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc)
  const version = kc.makeApiClient(k8s.VersionApi)
  const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
  const exec = new k8s.Exec(kc)
  const custom = kc.makeApiClient(k8s.CustomObjectsApi)
  const apps = kc.makeApiClient(k8s.AppsV1Api)
  const discovery = kc.makeApiClient(k8s.DiscoveryV1Api)
  return {
    context: kc.getCurrentContext(),
    async serverVersion() {
      return (await version.getCode()).gitVersion
    },
    async listNamespaces(labelSelector) {
      const list = await core.listNamespace(labelSelector ? { labelSelector } : {})
      return list.items.map((n) => ({
        name: n.metadata?.name ?? '',
        labels: n.metadata?.labels ?? {},
        ...(n.metadata?.creationTimestamp ? { createdAt: new Date(n.metadata.creationTimestamp).getTime() } : {}),
      }))
    },
    async createNamespace(name, labels) {
      await core.createNamespace({ body: { metadata: { name, labels } } })
    },
    async patchNamespaceLabels(name, labels) {
      await core.patchNamespace({ name, body: { metadata: { labels } } }, merge)
    },
    async deleteNamespace(name) {
      await core.deleteNamespace({ name }).catch((e) => {
        if (!notFound(e)) throw e
      })
    },
    async createPod(namespace, manifest) {
      await core.createNamespacedPod({ namespace, body: manifest as k8s.V1Pod })
    },
    async getPod(namespace, name) {
      try {
        return podInfo(await core.readNamespacedPod({ namespace, name }))
      } catch (e) {
        if (notFound(e)) return undefined
        throw e
      }
    },
    async listPods(namespace, labelSelector) {
      return (await core.listNamespacedPod({ namespace, ...(labelSelector ? { labelSelector } : {}) })).items.map(podInfo)
    },
    async deletePod(namespace, name, gracePeriodSeconds) {
      await core
        .deleteNamespacedPod({ namespace, name, ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}) })
        .catch((e) => {
          if (!notFound(e)) throw e
        })
    },
    async patchPodLabels(namespace, name, labels) {
      await core.patchNamespacedPod({ namespace, name, body: { metadata: { labels } } }, merge)
    },
    async applyPolicy(policy: NetworkPolicy) {
      await objects.patch(toModel(policy), undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply)
    },
    async applyClusterPolicy(policy) {
      // A custom resource: client-node's generic object API applies it by apiVersion/kind (server-side apply).
      await objects.patch(policy as k8s.KubernetesObject, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply)
    },
    async deleteClusterPolicy(kind, name) {
      await objects.delete({ apiVersion: clusterPolicyApiVersion(kind), kind, metadata: { name } }).catch((e) => {
        if (!notFound(e)) throw e
      })
    },
    async readClusterPolicy(kind, name) {
      // client-node src/object.ts read: GET of the object's own path; the API server answers 404 when it does not exist.
      try {
        const o = await objects.read({ apiVersion: clusterPolicyApiVersion(kind), kind, metadata: { name } })
        return { labels: o.metadata?.labels ?? {} }
      } catch (e) {
        if (notFound(e)) return undefined
        throw e
      }
    },
    async listClusterPolicies(kind, labelSelector) {
      // client-node src/object.ts list(apiVersion, kind, namespace, pretty, exact, exportt, fieldSelector, labelSelector):
      // a cluster-wide LIST with ?labelSelector= (a bare key selects objects that have the label at all).
      const list = await objects.list(
        clusterPolicyApiVersion(kind),
        kind,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        labelSelector,
      )
      return list.items.map((o) => ({
        name: o.metadata?.name ?? '',
        labels: o.metadata?.labels ?? {},
        ...(o.metadata?.creationTimestamp ? { createdAt: new Date(o.metadata.creationTimestamp).getTime() } : {}),
      }))
    },
    async servedClusterPolicyKinds() {
      // API discovery of the network-policy-api group: the kinds of the versions its installed CRDs serve.
      const kinds: ClusterPolicyKind[] = []
      for (const version of ['v1alpha2', 'v1alpha1']) {
        const list = await custom.getAPIResources({ group: 'policy.networking.k8s.io', version }).catch(() => undefined)
        for (const r of list?.resources ?? [])
          if ((CLUSTER_POLICY_KINDS as readonly string[]).includes(r.kind) && !r.name.includes('/')) kinds.push(r.kind as ClusterPolicyKind)
      }
      return kinds
    },
    async servedCalicoKinds() {
      // API discovery of projectcalico.org/v3 (GET /apis/projectcalico.org/v3): served only with the Calico API server
      // (or v3.32's native v3 CRDs); 404 without it. Subresources (`x/status`) are skipped.
      const list = await custom.getAPIResources({ group: 'projectcalico.org', version: 'v3' }).catch(() => undefined)
      const served = new Set((list?.resources ?? []).filter((r) => !r.name.includes('/')).map((r) => r.kind))
      return CALICO_KIND_NAMES.filter((k) => served.has(k))
    },
    async createCalicoObject(obj) {
      // POST (client-node src/object.ts create): the API server answers 409 AlreadyExists for an existing name.
      await objects.create(obj as k8s.KubernetesObject, undefined, undefined, FIELD_MANAGER)
    },
    async replaceCalicoObject(obj) {
      // PUT with metadata.resourceVersion (client-node src/object.ts replace): 409 Conflict when it changed meanwhile.
      await objects.replace(obj as k8s.KubernetesObject, undefined, undefined, FIELD_MANAGER)
    },
    async readCalicoObject(ref) {
      try {
        return calicoMeta(await objects.read(calicoHeader(ref)))
      } catch (e) {
        if (notFound(e)) return undefined
        throw e
      }
    },
    async deleteCalicoObject(ref) {
      await objects.delete(calicoHeader(ref)).catch((e) => {
        if (!notFound(e)) throw e
      })
    },
    async listCalicoObjects(kind: CalicoKind, labelSelector) {
      // No namespace: a namespaced kind is listed across all namespaces (client-node src/object.ts list). The Calico API
      // server adds its tier selector to a policy list (apiserver registry util/rbac.go EnsureTierSelector: every tier
      // the user may read), so a LIST by our label alone returns our policies of every tier.
      const list = await objects.list(CALICO_API_VERSION, kind, undefined, undefined, undefined, undefined, undefined, labelSelector)
      return list.items.map(calicoMeta)
    },
    async calicoIpPools() {
      // Calico's IPPool resource (docs.tigera.io calico reference/resources/ippool): spec.cidr, spec.disabled.
      const list = (await custom.listClusterCustomObject({ group: 'crd.projectcalico.org', version: 'v1', plural: 'ippools' })) as {
        items?: { spec?: { cidr?: string; disabled?: boolean } }[]
      }
      return (list.items ?? []).filter((p) => p.spec?.cidr && !p.spec.disabled).map((p) => p.spec!.cidr!)
    },
    async daemonSetImages(namespace, name) {
      try {
        const ds = await apps.readNamespacedDaemonSet({ namespace, name })
        return Object.fromEntries((ds.spec?.template.spec?.containers ?? []).map((c) => [c.name, c.image ?? '']))
      } catch (e) {
        if (notFound(e)) return undefined
        throw e
      }
    },
    async createService(namespace, manifest) {
      await core.createNamespacedService({ namespace, body: manifest as k8s.V1Service })
    },
    async readService(namespace, name) {
      try {
        const svc = await core.readNamespacedService({ namespace, name })
        // spec.clusterIPs (1.20+) lists one address per family, clusterIP first; spec.ports[].nodePort is allocated on create.
        const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : []
        const nodePorts = Object.fromEntries(
          (svc.spec?.ports ?? []).flatMap((p) => (p.nodePort ? [[`${p.port}/${p.protocol ?? 'TCP'}`, p.nodePort]] : [])),
        )
        return { clusterIPs: ips, nodePorts }
      } catch (e) {
        if (notFound(e)) return undefined
        throw e
      }
    },
    async deleteService(namespace, name) {
      await core.deleteNamespacedService({ namespace, name }).catch((e) => {
        if (!notFound(e)) throw e
      })
    },
    async listServices(namespace, labelSelector) {
      return (await core.listNamespacedService({ namespace, labelSelector })).items.map((s) => s.metadata?.name ?? '')
    },
    async readyEndpoints(namespace, service) {
      // EndpointSlices carry kubernetes.io/service-name=<service> (discovery.k8s.io/v1 LabelServiceName); an endpoint's
      // conditions.ready "nil should be interpreted as true" (kubernetes api/discovery/v1/types.go EndpointConditions).
      const list = await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` })
      return list.items.flatMap((sl) => sl.endpoints.filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses))
    },
    async listNodes() {
      return (await core.listNode()).items.map((n) => ({
        name: n.metadata?.name ?? '',
        addresses: (n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address),
      }))
    },
    async kubeProxyConfig() {
      // kubeadm writes kube-proxy's KubeProxyConfiguration to ConfigMap kube-system/kube-proxy, key config.conf
      // (kubernetes cmd/kubeadm/app/phases/addons/proxy: KubeProxyConfigMap, KubeProxyConfigMapKey).
      try {
        return (await core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kube-proxy' })).data?.['config.conf']
      } catch (e) {
        if (notFound(e)) return undefined
        throw e
      }
    },
    async deletePolicy(namespace, name) {
      await objects.delete({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name } }).catch((e) => {
        if (!notFound(e)) throw e
      })
    },
    exec(namespace, pod, container, command, timeoutMs): Promise<ExecResult> {
      return new Promise((resolve) => {
        let stdout = ''
        let stderr = ''
        let settled = false
        const done = (r: ExecResult) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          resolve(r)
        }
        const sink = (add: (s: string) => void) => new Writable({ write: (chunk, _enc, cb) => (add(chunk.toString()), cb()) })
        const timer = setTimeout(() => done({ stdout, stderr, error: `exec did not finish within ${timeoutMs} ms` }), timeoutMs)
        exec
          .exec(
            namespace,
            pod,
            container,
            [...command],
            sink((s) => (stdout += s)),
            sink((s) => (stderr += s)),
            null,
            false,
            (status) => {
              if (status.status === 'Success') done({ stdout, stderr, exitCode: 0 })
              else {
                const code = Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message)
                done(
                  Number.isInteger(code) ? { stdout, stderr, exitCode: code } : { stdout, stderr, error: status.message ?? 'exec failed' },
                )
              }
            },
          )
          .then((ws) =>
            ws.on('close', () => setTimeout(() => done({ stdout, stderr, error: 'exec stream closed without a status' }), 1000)),
          )
          .catch((e: Error) => done({ stdout, stderr, error: e.message }))
      })
    },
    async podLogs(namespace, pod, container, tailLines) {
      return core.readNamespacedPodLog({ namespace, name: pod, ...(container ? { container } : {}), tailLines })
    },
    async events(namespace) {
      const list = await core.listNamespacedEvent({ namespace })
      return list.items.map((e) =>
        `${e.lastTimestamp ?? e.eventTime ?? ''} ${e.type} ${e.involvedObject?.kind}/${e.involvedObject?.name}: ${e.reason} ${e.message ?? ''}`.trim(),
      )
    },
  }
}

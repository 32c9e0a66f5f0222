// Why: Services on a cluster (issue 18, docs/services.md "kind and kube"): the scenario's Services as written, plus one
// per-backend "pin" Service per (Service, pod) whose selector adds the pod's own label, so a probe through the pin
// reaches exactly that backend through the real kube-proxy DNAT (kube-proxy picks a backend at random, the pin has
// one). Created before the pods are waited for, their EndpointSlices waited on, their ClusterIPs and node ports read
// back; a `via` probe becomes the pin's ClusterIP, its DNS name or a node's address and its node port.
import { createHash } from 'node:crypto'
import { parse } from 'yaml'
import { InfraError } from '../../errors.js'
import { type IPFamily, type Pod, type Service, type ServicePort, type Target, ipFamilyOf, podId } from '../../model/cluster.js'
import { sleep } from '../../util/sleep.js'
import type { KubeApi, ServiceInfo } from './api.js'
import { POD_LABEL, RUN_LABEL } from './manifests.js'

/** On the per-backend Services: the scenario Service they pin (its name). */
export const PIN_LABEL = 'netpol-harness.io/pins'

/**
 * The cluster domain of `service-name` probes: kubelet's `--cluster-domain`, `cluster.local` in kubeadm and kind
 * (kubeadm DefaultServiceDNSDomain). Written with a trailing dot: absolute, so the pod's resolv.conf search list
 * (kubelet writes `options ndots:5`, and this name has 4 dots) is not tried first.
 */
const CLUSTER_DOMAIN = 'cluster.local'

/** How long a Service's EndpointSlices may take to list its ready backends (the EndpointSlice controller batches, 1 s by default). */
const ENDPOINTS_TIMEOUT_MS = 60000

/** A DNS-1035 label of at most 63 characters (what a Service name must be): `<service>-<pod>-<hash>`, cut to fit. */
export function pinName(service: string, pod: string): string {
  const hash = createHash('sha256').update(`${service}/${pod}`).digest('hex').slice(0, 6)
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]/g, '-')
  return `${clean(service).slice(0, 28)}-${clean(pod).slice(0, 26)}-${hash}`.replace(/-+/g, '-')
}

/** A port of a Service manifest (`name` as given; `nodePort` only when asked for: the API server allocates it otherwise). */
function portManifest(p: ServicePort, withNodePort: boolean) {
  return {
    ...(p.name ? { name: p.name } : {}),
    port: p.port,
    protocol: p.protocol,
    targetPort: p.targetPort,
    ...(withNodePort && p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
  }
}

/** The scenario's Service as written, labelled with the run (deleted with our namespace, or one by one in a foreign one). */
export function serviceManifest(s: Service, runId: string, families?: readonly IPFamily[]) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: s.name, namespace: s.namespace, labels: { [RUN_LABEL]: runId } },
    spec: {
      type: s.type,
      selector: { ...s.selector },
      ports: s.ports.map((p) => portManifest(p, true)),
      ...(s.type === 'NodePort' ? { externalTrafficPolicy: s.externalTrafficPolicy } : {}),
      // Both families on a dual-stack cluster (core/v1 ServiceSpec.ipFamilyPolicy: PreferDualStack).
      ...(families && families.length > 1 ? { ipFamilyPolicy: 'PreferDualStack' } : {}),
    },
  }
}

/**
 * The pin of `s` on `pod`: the same type, ports and traffic policy, its selector narrowed to the one pod by the label
 * the driver puts on every probe pod (POD_LABEL, the pod's name, unique in its namespace). Node ports are never
 * pinned here (the scenario's own Service holds the number it asks for): the API server allocates them.
 */
export function pinManifest(s: Service, pod: string, runId: string, families?: readonly IPFamily[]) {
  const base = serviceManifest(s, runId, families)
  return {
    ...base,
    metadata: { ...base.metadata, name: pinName(s.name, pod), labels: { ...base.metadata.labels, [PIN_LABEL]: s.name, [POD_LABEL]: pod } },
    spec: { ...base.spec, selector: { ...s.selector, [POD_LABEL]: pod }, ports: s.ports.map((p) => portManifest(p, false)) },
  }
}

/** Does the Service's selector pick these labels (matchLabels: every pair present)? */
const selects = (s: Service, labels: Readonly<Record<string, string>>) => Object.entries(s.selector).every(([k, v]) => labels[k] === v)

/** The backend port of a Service port on a pod: a number as is, a name among its container ports of that protocol. */
function targetPortOn(sp: ServicePort, pod: Pod): number | undefined {
  if (typeof sp.targetPort === 'number') return sp.targetPort
  return pod.ports.find((cp) => cp.name === sp.targetPort && cp.protocol === sp.protocol)?.port
}

/**
 * The Service a `via` cell to `pod` goes through and the backend port: the evaluator's choice (src/evaluator/services.ts
 * serviceOf), the first by name of the pod's namespace selecting it with that port (NodePort ones for `node-port`).
 */
export function cellService(services: readonly Service[], pod: Pod, target: Target): { service: Service; backendPort: number } | undefined {
  const candidates = services
    .filter((s) => s.namespace === pod.namespace && (target.via !== 'node-port' || s.type === 'NodePort') && selects(s, pod.labels))
    .sort((a, b) => a.name.localeCompare(b.name))
  for (const service of candidates) {
    const sp = service.ports.find((p) => p.port === target.port && p.protocol === target.protocol)
    const backendPort = sp && targetPortOn(sp, pod)
    if (sp && backendPort !== undefined) return { service, backendPort }
  }
  return undefined
}

/** The kube-proxy mode of a `config.conf` (KubeProxyConfiguration): its `mode`, empty meaning iptables on Linux. */
export function kubeProxyMode(config: string | undefined): string {
  if (config === undefined) return 'unknown (no kube-system/kube-proxy ConfigMap)'
  let mode: unknown
  try {
    mode = (parse(config) as { mode?: unknown } | null)?.mode
  } catch {
    return 'unknown (config.conf is not YAML)'
  }
  // kube-proxy reference, --proxy-mode: "on Linux this can be 'iptables' (default), 'ipvs', or 'nftables'"; the
  // config's empty mode is that default (kubernetes pkg/proxy/apis/config ProxyMode "": platform default).
  return typeof mode === 'string' && mode !== '' ? mode : 'iptables'
}

/** What a `via` probe connects to on a cluster, or why it cannot. */
export type ServiceConnect = { readonly host: string; readonly port: number } | { readonly error: string }

/** The Services of one scenario on a cluster: created, waited on, read back, mapped to probes, removed. */
export class RunServices {
  /** Pins by `<namespace>/<service>/<pod>`, with what the API read back. */
  private readonly pins = new Map<string, { name: string; info?: ServiceInfo }>()
  /** Every Service this run created, `namespace/name` (the foreign namespaces' are deleted one by one). */
  private readonly created: { namespace: string; name: string; foreign: boolean }[] = []
  /** InternalIP addresses by node name (`node-port`). */
  private nodes = new Map<string, string[]>()

  constructor(
    private readonly api: KubeApi,
    private readonly runId: string,
    private readonly families?: readonly IPFamily[],
  ) {}

  /** Why this cluster cannot probe `via` at all, or undefined. */
  static unsupported(api: KubeApi): string | undefined {
    return api.createService && api.readService && api.readyEndpoints
      ? undefined
      : 'this API client cannot create Services and read their EndpointSlices'
  }

  /**
   * Creates each Service and one pin per pod of its namespace (a pod relabelled into the selector later is then
   * already pinned; a pin selecting nothing has no endpoints and costs nothing). In a foreign namespace a Service of
   * ours left by a crashed run is replaced; one of that name we do not own stops the scenario.
   */
  async up(services: readonly Service[], pods: readonly Pod[], foreign: (ns: string) => boolean): Promise<void> {
    for (const s of services) {
      const manifests = [
        serviceManifest(s, this.runId, this.families),
        ...pods.filter((p) => p.namespace === s.namespace).map((p) => pinManifest(s, p.name, this.runId, this.families)),
      ]
      for (const m of manifests) {
        const isForeign = foreign(s.namespace)
        if (isForeign) await this.replaceLeftover(s.namespace, m.metadata.name)
        await this.api.createService!(s.namespace, m)
        this.created.push({ namespace: s.namespace, name: m.metadata.name, foreign: isForeign })
        const pod = (m.metadata.labels as Record<string, string>)[POD_LABEL]
        if (pod) this.pins.set(`${s.namespace}/${s.name}/${pod}`, { name: m.metadata.name })
      }
    }
  }

  private async replaceLeftover(namespace: string, name: string): Promise<void> {
    if (!(await this.api.readService!(namespace, name))) return
    const mine: string[] = (await this.api.listServices?.(namespace, RUN_LABEL).catch(() => [])) ?? []
    if (!mine.includes(name))
      throw new InfraError(`Service ${namespace}/${name} already exists and was not created by netpol-harness`, {
        hint: 'rename the scenario Service',
      })
    await this.api.deleteService?.(namespace, name)
  }

  /**
   * Waits until every pin of a backend lists that pod's current address among its ready endpoints (the
   * EndpointSlice controller writes them once the pod is Ready), then reads back ClusterIPs and node ports.
   */
  async ready(services: readonly Service[], pods: readonly Pod[], signal: AbortSignal, only?: string): Promise<void> {
    const deadline = Date.now() + ENDPOINTS_TIMEOUT_MS
    const waiting: { namespace: string; pin: string; ips: string[]; pod: string }[] = []
    for (const s of services)
      for (const p of pods) {
        if (p.namespace !== s.namespace || !selects(s, p.labels) || (only && podId(p) !== only)) continue
        if (!s.ports.some((sp) => targetPortOn(sp, p) !== undefined)) continue
        const pin = this.pins.get(`${s.namespace}/${s.name}/${p.name}`)
        if (pin) waiting.push({ namespace: s.namespace, pin: pin.name, ips: [p.ip, ...(p.ips ?? [])].filter(Boolean), pod: podId(p) })
      }
    let left = waiting
    while (left.length) {
      const seen = await Promise.all(left.map((w) => this.api.readyEndpoints!(w.namespace, w.pin)))
      left = left.filter((w, i) => !w.ips.some((ip) => seen[i].includes(ip)))
      if (!left.length) break
      if (Date.now() > deadline)
        throw new InfraError(
          `Services' EndpointSlices do not list these backends as ready after ${ENDPOINTS_TIMEOUT_MS / 1000} s: ${left.map((w) => `${w.namespace}/${w.pin} -> ${w.pod}`).join(', ')}`,
          { hint: 'is kube-controller-manager running (its EndpointSlice controller writes them)?' },
        )
      await sleep(250, signal)
    }
    for (const [key, pin] of this.pins) {
      if (pin.info) continue
      const info = await this.api.readService!(key.split('/')[0], pin.name)
      if (info) pin.info = info
    }
    if (this.api.listNodes && !this.nodes.size) this.nodes = new Map((await this.api.listNodes()).map((n) => [n.name, n.addresses]))
  }

  /** Node addresses by name, as the API lists them (the state's `nodes`: the source a NodePort backend sees after SNAT). */
  nodeAddresses(): { name: string; ip: string }[] {
    return [...this.nodes].flatMap(([name, ips]) => (ips[0] ? [{ name, ip: ips[0] }] : []))
  }

  /** Where a `via` probe of backend `pod` on `target` connects: its pin's ClusterIP, DNS name, or node and node port. */
  connect(services: readonly Service[], pod: Pod, target: Target): ServiceConnect {
    const hit = cellService(services, pod, target)
    if (!hit) return { error: `${podId(pod)} backs no Service on ${target.port}/${target.protocol}` }
    const pin = this.pins.get(`${pod.namespace}/${hit.service.name}/${pod.name}`)
    if (!pin?.info) return { error: `no per-backend Service of ${hit.service.namespace}/${hit.service.name} for ${podId(pod)}` }
    const family = target.family ?? ipFamilyOf(pod.ip)
    switch (target.via) {
      case 'service-ip': {
        const ip = pin.info.clusterIPs.find((a) => ipFamilyOf(a) === family)
        return ip ? { host: ip, port: target.port } : { error: `${pin.name} has no ${family} ClusterIP` }
      }
      case 'service-name':
        return { host: `${pin.name}.${pod.namespace}.svc.${CLUSTER_DOMAIN}.`, port: target.port }
      case 'node-port': {
        const nodePort = pin.info.nodePorts[`${target.port}/${target.protocol}`]
        // The node the evaluator assumes (src/evaluator/services.ts): `Local` the backend's own; `Cluster` the first
        // other node in the state's order, whose address the backend sees after SNAT (its own when it is alone).
        const entry =
          hit.service.externalTrafficPolicy === 'Local' ? pod.node : ([...this.nodes.keys()].find((n) => n !== pod.node) ?? pod.node)
        const ip = (this.nodes.get(entry ?? '') ?? []).find((a) => ipFamilyOf(a) === family)
        if (nodePort === undefined) return { error: `${pin.name} has no node port for ${target.port}/${target.protocol}` }
        return ip ? { host: ip, port: nodePort } : { error: `node ${entry ?? '?'} for ${podId(pod)} has no ${family} InternalIP` }
      }
      default:
        return { error: `not a Service probe` }
    }
  }

  /** Deletes the Services made in foreign namespaces (ours go with their namespace). Safe to call twice. */
  async down(): Promise<void> {
    const foreign = this.created.filter((c) => c.foreign)
    this.created.length = 0
    this.pins.clear()
    await Promise.all(foreign.map((c) => this.api.deleteService?.(c.namespace, c.name).catch(() => {})))
  }
}

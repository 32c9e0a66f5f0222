// Why: the objects the kube driver creates (pure): labelled namespaces and agnhost probe pods per the e2e model.
import type { Protocol, ServedPort as Served } from '../../model/cluster.js'
import type { Pod } from '../../model/cluster.js'

/**
 * Pinned agnhost (serve-hostname, porter, connect); preloaded into kind so pulls never eat probe timeouts. Facts of
 * this version (kubernetes test/images/agnhost at 2.56) the servers rely on: `serve-hostname --tcp|--udp --http=false
 * --port N` answers TCP connections and UDP datagrams with the hostname; `porter` reads only SERVE_PORT_<n> (HTTP on
 * TCP), SERVE_TLS_PORT_<n> and SERVE_SCTP_PORT_<n> (SERVE_TCP_PORT_/SERVE_UDP_PORT_ came with kubernetes#135911, 2.60).
 */
export const AGNHOST_IMAGE = 'registry.k8s.io/e2e-test-images/agnhost:2.56'
/** Every object the harness creates carries this label with the run id; only such objects are ever deleted. */
export const RUN_LABEL = 'netpol-harness.io/run'
/** On probe pods: the scenario's pod id, to find them again. */
export const POD_LABEL = 'netpol-harness.io/pod'

const proto = (p: Protocol) => p.toLowerCase()

/** The server command for one port in the pinned agnhost: serve-hostname for TCP and UDP, porter for SCTP (env). */
export function serverCommand(t: Served, identity: string): { command: string[]; env: { name: string; value: string }[] } {
  if (t.protocol === 'SCTP') return { command: ['/agnhost', 'porter'], env: [{ name: `SERVE_SCTP_PORT_${t.port}`, value: identity }] }
  return { command: ['/agnhost', 'serve-hostname', `--${proto(t.protocol)}`, '--http=false', '--port', String(t.port)], env: [] }
}

/** One container per (port, protocol), named `cont-<port>-<proto>`, its port `serve-<port>-<proto>` (as the e2e suite). */
function serverContainer(t: Served, declaredName?: string) {
  const base = {
    name: `cont-${t.port}-${proto(t.protocol)}`,
    image: AGNHOST_IMAGE,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ containerPort: t.port, protocol: t.protocol, name: declaredName ?? `serve-${t.port}-${proto(t.protocol)}` }],
  }
  if (t.protocol === 'SCTP') return { ...base, ...serverCommand(t, 'foo') }
  return {
    ...base,
    command: serverCommand(t, '').command,
    // Ready only once the server listens: probes never race a starting container.
    // UDP has no socket probe: agnhost itself asks the server (serve-hostname answers any datagram).
    readinessProbe:
      t.protocol === 'TCP'
        ? { tcpSocket: { port: t.port }, periodSeconds: 1 }
        : {
            exec: { command: ['/agnhost', 'connect', `127.0.0.1:${t.port}`, '--protocol=udp', '--timeout=1s'] },
            periodSeconds: 2,
            timeoutSeconds: 2,
          },
  }
}

/** Calico IPAM gives a pod the address this annotation names (when it lies in a pool). */
const CALICO_IP_ANNOTATION = 'cni.projectcalico.org/ipAddrs'

/**
 * The pod manifest of a scenario pod: labels, the run label, one server container per port it serves, and
 * (`requestIp`) the scenario's address, so policies' ipBlocks mean on the cluster what they mean in the scenario.
 */
export function podManifest(p: Pod, serves: readonly Served[], runId: string, requestIp = false) {
  const named = new Map(p.ports.map((cp) => [`${cp.port}/${cp.protocol}`, cp.name]))
  const all = new Map<string, Served>()
  for (const t of [...serves, ...p.ports.map((cp) => ({ port: cp.port, protocol: cp.protocol }))]) all.set(`${t.port}/${t.protocol}`, t)
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: { ...p.labels, [RUN_LABEL]: runId, [POD_LABEL]: p.name },
      ...(requestIp ? { annotations: { [CALICO_IP_ANNOTATION]: JSON.stringify(p.ips ?? [p.ip]) } } : {}),
    },
    spec: {
      terminationGracePeriodSeconds: 0,
      ...(p.node ? { nodeSelector: { 'kubernetes.io/hostname': p.node } } : {}),
      containers: [...all.values()].map((t) => serverContainer(t, named.get(`${t.port}/${t.protocol}`) ?? undefined)),
    },
  }
}

/** The container probes exec into: the first server container. */
export function probeContainer(pod: ReturnType<typeof podManifest>): string {
  return pod.spec.containers[0].name
}

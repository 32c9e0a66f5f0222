// Why: a scenario's Services checked as the API server checks them (ports, names, nodePorts, traffic policy) and
// with the defaults it applies (targetPort = port, type ClusterIP, externalTrafficPolicy Cluster, nodePorts allocated).
import type { Service, ServicePort, Target } from '../model/cluster.js'
import type { RawScenario } from './scenario-schema.js'
import type { ProblemSink } from './yaml-source.js'

/** The first port of the default service-node-port-range (kube-apiserver --service-node-port-range 30000-32767). */
const NODE_PORT_BASE = 30000

/**
 * Every Service of the scenario. Checks follow pkg/apis/core/validation/validation.go ValidateService: port names
 * are required when a Service has more than one port and unique; a port and protocol once; `nodePort` only on
 * NodePort (or LoadBalancer) Services and unique across the cluster; `externalTrafficPolicy` only for NodePort
 * (or LoadBalancer) Services. A Service without a selector has no backends here, so the scenario must give one.
 */
export function parseServices(raw: RawScenario, sink: ProblemSink): Service[] {
  const usedNodePorts = new Map<number, string>()
  const services: Service[] = []
  for (const [namespace, ns] of Object.entries(raw.namespaces)) {
    for (const [name, s] of Object.entries(ns?.services ?? {})) {
      const at = ['namespaces', namespace, 'services', name]
      const type = s.type ?? 'ClusterIP'
      if (Object.keys(s.selector).length === 0)
        sink.at(
          [...at, 'selector'],
          'a Service needs a selector here (one without selects no pods: its backends would be manual EndpointSlices)',
        )
      if (s.externalTrafficPolicy && type !== 'NodePort')
        sink.at([...at, 'externalTrafficPolicy'], 'externalTrafficPolicy may only be set on a NodePort Service (as the API server says)')
      const names = new Set<string>()
      const keys = new Set<string>()
      const ports: ServicePort[] = s.ports.map((p, i) => {
        const protocol = p.protocol ?? 'TCP'
        if (s.ports.length > 1 && !p.name) sink.at([...at, 'ports', i, 'name'], 'a Service with more than one port must name each port')
        if (p.name && names.has(p.name)) sink.at([...at, 'ports', i, 'name'], `port name "${p.name}" is already used`)
        if (p.name) names.add(p.name)
        const key = `${p.port}/${protocol}`
        if (keys.has(key)) sink.at([...at, 'ports', i], `port ${key} is already listed`)
        keys.add(key)
        if (p.nodePort !== undefined) {
          if (type !== 'NodePort') sink.at([...at, 'ports', i, 'nodePort'], 'nodePort may only be set on a NodePort Service')
          const owner = usedNodePorts.get(p.nodePort)
          if (owner) sink.at([...at, 'ports', i, 'nodePort'], `nodePort ${p.nodePort} is already used by ${owner}`)
          usedNodePorts.set(p.nodePort, `${namespace}/${name}`)
        }
        return {
          ...(p.name ? { name: p.name } : {}),
          port: p.port,
          protocol,
          targetPort: p.targetPort ?? p.port,
          ...(p.nodePort ? { nodePort: p.nodePort } : {}),
        }
      })
      services.push({ namespace, name, selector: s.selector, type, externalTrafficPolicy: s.externalTrafficPolicy ?? 'Cluster', ports })
    }
  }
  // NodePorts the scenario leaves out: allocated in order from the bottom of the range, skipping the written ones.
  let next = NODE_PORT_BASE
  return services.map((svc) =>
    svc.type !== 'NodePort'
      ? svc
      : {
          ...svc,
          ports: svc.ports.map((p) => {
            if (p.nodePort) return p
            while (usedNodePorts.has(next)) next++
            usedNodePorts.set(next, `${svc.namespace}/${svc.name}`)
            return { ...p, nodePort: next }
          }),
        },
  )
}

/** Why a probe through `target.via` cannot work with these Services, if so (a `via` no Service can carry). */
export function viaProblem(target: Target, services: readonly Service[]): string | undefined {
  if (!target.via) return undefined
  const carrying = services.filter((s) => s.ports.some((p) => p.port === target.port && p.protocol === target.protocol))
  if (carrying.length === 0) return `via ${target.via} on ${target.port}/${target.protocol}: no Service of the scenario has that port`
  if (target.via === 'node-port' && !carrying.some((s) => s.type === 'NodePort'))
    return `via node-port on ${target.port}/${target.protocol}: no NodePort Service of the scenario has that port`
  return undefined
}

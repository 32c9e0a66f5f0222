// Why: the kind cluster config (pure): no default CNI (kindnet enforces NetworkPolicy itself since v0.24),
// a pod subnet matching Calico's pool, one control plane and N workers, kube-proxy matching the dataplane.
import { stringify } from 'yaml'
import { DEFAULT_POD_CIDR } from '../../scenario/parse-cluster.js'

/**
 * The pod subnet: the scenarios' default pod CIDR, so every pod can get exactly the address the scenario (and
 * the evaluator) gave it. calico.yaml leaves CALICO_IPV4POOL_CIDR unset, so calico-node builds its pool from
 * kubeadm's podSubnet, which kind fills from this.
 */
export const CALICO_POD_SUBNET: string = DEFAULT_POD_CIDR

/** What the generated kind config depends on. */
export interface KindConfigOptions {
  readonly workers: number
  readonly podSubnet?: string
  /** Calico's nftables dataplane needs kube-proxy in nftables mode too. */
  readonly dataplane: 'iptables' | 'nftables'
}

/** The kind config of a run, as YAML (also printed by the dry run). */
export function kindConfig(o: KindConfigOptions): string {
  const doc = {
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    nodes: [{ role: 'control-plane' }, ...Array.from({ length: o.workers }, () => ({ role: 'worker' }))],
    networking: {
      disableDefaultCNI: true,
      podSubnet: o.podSubnet ?? CALICO_POD_SUBNET,
      kubeProxyMode: o.dataplane === 'nftables' ? 'nftables' : 'iptables',
    },
  }
  return `# Written by netpol-harness: kind with Calico (no kindnet).\n${stringify(doc)}`
}

/** kind's container name of a worker: `<cluster>-worker`, `<cluster>-worker2`, ... */
export function workerName(cluster: string, index: number): string {
  return `${cluster}-worker${index === 1 ? '' : index}`
}

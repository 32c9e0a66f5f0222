// Why: the kind cluster config (pure): no default CNI (kindnet enforces NetworkPolicy itself since v0.24),
// a pod subnet matching Calico's pool, one control plane and N workers, kube-proxy matching the dataplane.
import { stringify } from 'yaml'
import { DEFAULT_POD_CIDR, DEFAULT_POD_CIDR_V6 } from '../../scenario/parse-cluster.js'

/**
 * The pod subnet: the scenarios' default pod CIDR, so every pod can get exactly the address the scenario (and
 * the evaluator) gave it. calico.yaml leaves CALICO_IPV4POOL_CIDR unset, so calico-node builds its pool from
 * kubeadm's podSubnet, which kind fills from this.
 */
export const CALICO_POD_SUBNET: string = DEFAULT_POD_CIDR

/**
 * The IPv6 pod subnet of a dual-stack cluster: kind's own default for IPv6 (fd00:10:244::/56), which is also the
 * scenarios' default IPv6 pod CIDR. With kubeadm, Calico takes both pools from its podSubnet (Calico docs, "Configure
 * dual stack or IPv6 only": "For clusters provisioned with kubeadm, Calico autodetects the IPv4 and IPv6 pod CIDRs").
 */
export const CALICO_POD_SUBNET_V6: string = DEFAULT_POD_CIDR_V6

/** A dual-stack cluster's service subnets: kind's defaults for `ipFamily: dual` (10.96.0.0/16 and fd00:10:96::/112). */
const DUAL_SERVICE_SUBNET = '10.96.0.0/16,fd00:10:96::/112'

/** The address families of a kind cluster: `ipv4` (kind's default) or `dual` (kind's `networking.ipFamily: dual`). */
export type KindIpFamily = 'ipv4' | 'dual'

/** The IP families a cluster of that kind gives every pod, primary first. */
export function clusterFamilies(f: KindIpFamily | undefined): ('IPv4' | 'IPv6')[] {
  return f === 'dual' ? ['IPv4', 'IPv6'] : ['IPv4']
}

/**
 * kube-proxy's mode on a kind cluster (kind config `networking.kubeProxyMode`; kind's pkg/apis/config/v1alpha4
 * ProxyMode: IPTablesProxyMode "iptables", IPVSProxyMode "ipvs", NFTablesProxyMode "nftables"; kind's default iptables).
 */
export type KubeProxyMode = 'iptables' | 'ipvs' | 'nftables'

/** The kube-proxy mode of a run: the one asked for, else what the dataplane needs (Calico's nftables one: nftables). */
export function kubeProxyModeOf(o: { readonly dataplane: 'iptables' | 'nftables'; readonly kubeProxyMode?: KubeProxyMode }): KubeProxyMode {
  return o.kubeProxyMode ?? (o.dataplane === 'nftables' ? 'nftables' : 'iptables')
}

/** What the generated kind config depends on. */
export interface KindConfigOptions {
  readonly workers: number
  readonly podSubnet?: string
  /** Calico's nftables dataplane needs kube-proxy in nftables mode too. */
  readonly dataplane: 'iptables' | 'nftables'
  /** `dual`: every pod gets an IPv4 and an IPv6 address. */
  readonly ipFamily?: KindIpFamily
  /** `--kube-proxy-mode`; unset: what the dataplane needs. */
  readonly kubeProxyMode?: KubeProxyMode
}

/** The kind config of a run, as YAML (also printed by the dry run). */
export function kindConfig(o: KindConfigOptions): string {
  const doc = {
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    nodes: [{ role: 'control-plane' }, ...Array.from({ length: o.workers }, () => ({ role: 'worker' }))],
    networking: {
      disableDefaultCNI: true,
      ...(o.ipFamily === 'dual'
        ? {
            ipFamily: 'dual',
            podSubnet: `${o.podSubnet ?? CALICO_POD_SUBNET},${CALICO_POD_SUBNET_V6}`,
            serviceSubnet: DUAL_SERVICE_SUBNET,
          }
        : { podSubnet: o.podSubnet ?? CALICO_POD_SUBNET }),
      kubeProxyMode: kubeProxyModeOf(o),
    },
  }
  return `# Written by netpol-harness: kind with Calico (no kindnet).\n${stringify(doc)}`
}

/** kind's container name of a worker: `<cluster>-worker`, `<cluster>-worker2`, ... */
export function workerName(cluster: string, index: number): string {
  return `${cluster}-worker${index === 1 ? '' : index}`
}

// Why: the kind/kube flags shared by `run` and `cluster`, and the kind options they amount to.
import { Option, type Command } from 'commander'
import { UsageError } from '../errors.js'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_CALICO, CALICO_RELEASES } from '../drivers/kind/calico.js'
import type { KindOptions } from '../drivers/kind/cluster.js'

/** The flags as commander parses them. */
export interface ClusterFlags {
  name: string
  workers: string
  calicoVersion: string
  dataplane: 'iptables' | 'nftables'
  ipFamily: 'ipv4' | 'dual'
  kubeProxyMode?: 'iptables' | 'ipvs' | 'nftables'
  kindImage?: string
  calicoManifest?: string
  calicoSha256?: string
  wait: string
  keep?: boolean
  context?: string
  kubeconfig?: string
  allowExistingCluster?: boolean
}

/** The project root: where manifests/ is vendored (dist/src/cli -> root, or src/cli under tsx). */
function projectRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url))
  return here.includes('/dist/src/') ? here.replace(/\/dist\/src\/.*$/, '') : here.replace(/\/src\/.*$/, '')
}

/** Adds the kind/kube options to a command. */
export function addClusterOptions(cmd: Command): Command {
  return cmd
    .option('--name <name>', 'kind: cluster name (reused when it exists and is healthy)', 'netpol-harness')
    .option('--workers <n>', 'kind: worker nodes besides the control plane', '2')
    .addOption(
      new Option('--calico-version <v>', 'kind: pinned Calico release')
        .choices(CALICO_RELEASES.map((r) => r.version))
        .default(DEFAULT_CALICO),
    )
    .addOption(
      new Option('--dataplane <d>', 'kind: Calico dataplane (nftables also puts kube-proxy in nftables mode)')
        .choices(['iptables', 'nftables'])
        .default('iptables'),
    )
    .addOption(
      new Option('--ip-family <f>', 'kind: ipv4, or dual (every pod gets an IPv4 and an IPv6 address; Calico assigns both)')
        .choices(['ipv4', 'dual'])
        .default('ipv4'),
    )
    .addOption(
      new Option(
        '--kube-proxy-mode <m>',
        "kind: kube-proxy's mode, which does the Services' DNAT (default: iptables, nftables with --dataplane nftables)",
      ).choices(['iptables', 'ipvs', 'nftables']),
    )
    .option('--kind-image <image>', "kind: kindest/node image (pin it with its sha256); default: kind's own")
    .option(
      '--calico-manifest <file>',
      "kind: install this Calico manifest instead of the vendored one (its images must carry --calico-version's tag)",
    )
    .option('--calico-sha256 <hex>', 'kind: the Calico manifest must have this sha256, or nothing is created')
    .option('--wait <duration>', 'kind: how long each readiness wait may take', '300s')
    .option('--keep', 'kind: keep the cluster after the run (the next run reuses it)')
    .option('--context <name>', 'kube: the kubeconfig context to use (default: the current one)')
    .option('--kubeconfig <file>', 'kube: the kubeconfig to read (default: KUBECONFIG, else ~/.kube/config, as kubectl)')
    .option('--allow-existing-cluster', 'kube: run in a cluster netpol-harness did not create (it only touches namespaces it labels)')
}

/** Checks the flags and turns them into kind options. */
export function kindOptions(f: ClusterFlags, parseDuration: (s: string) => number | undefined): KindOptions {
  const workers = Number(f.workers)
  if (!Number.isInteger(workers) || workers < 1 || workers > 10) throw new UsageError(`--workers must be 1-10 (got ${f.workers})`)
  const waitMs = parseDuration(f.wait)
  if (waitMs === undefined) throw new UsageError(`--wait: invalid duration ${f.wait}`)
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(f.name))
    throw new UsageError(`--name must be lowercase letters, digits and '-' (got ${f.name})`)
  // Calico's nftables dataplane requires kube-proxy in nftables mode (docs.tigera.io, "nftables dataplane": kube-proxy
  // must run in nftables mode); the iptables dataplane works with every mode (Calico requirements: iptables, ipvs, nftables).
  if (f.dataplane === 'nftables' && f.kubeProxyMode && f.kubeProxyMode !== 'nftables')
    throw new UsageError(`--dataplane nftables needs kube-proxy in nftables mode (got --kube-proxy-mode ${f.kubeProxyMode})`)
  if (f.calicoSha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(f.calicoSha256))
    throw new UsageError(`--calico-sha256 must be 64 hex digits (got ${f.calicoSha256})`)
  return {
    name: f.name,
    workers,
    calicoVersion: f.calicoVersion,
    dataplane: f.dataplane,
    ...(f.ipFamily === 'dual' ? { ipFamily: 'dual' as const } : {}),
    ...(f.kubeProxyMode ? { kubeProxyMode: f.kubeProxyMode } : {}),
    ...(f.kindImage ? { image: f.kindImage } : {}),
    ...(f.calicoManifest ? { calicoManifest: resolve(f.calicoManifest) } : {}),
    ...(f.calicoSha256 ? { calicoSha256: f.calicoSha256.toLowerCase() } : {}),
    waitSeconds: Math.ceil(waitMs / 1000),
    root: projectRoot(),
  }
}

// Why: what the kind driver can do because the nodes are Docker containers: faults inside a node, node
// restarts, and external hosts as agnhost containers at their declared addresses, routed to the pod CIDR.
import { InfraError } from '../../errors.js'
import type { Target } from '../../model/cluster.js'
import type { Scenario } from '../../model/scenario.js'
import { sleep } from '../../util/sleep.js'
import type { InfraChaos } from '../driver.js'
import type { Exec } from '../exec.js'
import type { NodeAccess } from '../kube/index.js'
import { AGNHOST_IMAGE, RUN_LABEL } from '../kube/manifests.js'
import { calicoDiagnostics, context } from './cluster.js'
import { CALICO_POD_SUBNET, workerName } from './config.js'

/** Flushes every Calico chain of the filter table (iptables) or Calico's tables (nftables). A fixed script: no input. */
const FLUSH_IPTABLES = "for t in filter raw mangle nat; do iptables-save -t $t | awk '/^:cali-/ {print substr($1,2)}' | while read c; do iptables -t $t -F $c; done; done"
const FLUSH_NFT = 'nft list tables | awk \'$3 ~ /^calico/ {print $2, $3}\' | while read f t; do nft flush table $f $t; done'

export class KindNodes implements NodeAccess {
  private netem: boolean | undefined
  private readonly externals = new Map<string, string>()
  private readonly networks: string[] = []

  constructor(
    private readonly exec: Exec,
    private readonly cluster: string,
    private readonly runId: string,
    private readonly dataplane: 'iptables' | 'nftables',
  ) {}

  nodeName(ref: string): string {
    const m = /^node-(\d+)$/.exec(ref)
    return m ? workerName(this.cluster, Number(m[1])) : ref
  }

  async nodeNames(): Promise<string[]> {
    const r = await this.run(['kind', 'get', 'nodes', '--name', this.cluster])
    return r.split('\n').map((l) => l.trim()).filter(Boolean)
  }

  private async workers(ref: string): Promise<string[]> {
    return ref === 'all' ? (await this.nodeNames()).filter((n) => !n.endsWith('-control-plane')) : [this.nodeName(ref)]
  }

  chaosUnsupported(action: InfraChaos): string | undefined {
    if (action.action === 'packet-loss' && this.netem === false) return 'tc netem is not available in the kind node containers (sch_netem missing on the host kernel)'
    return undefined
  }

  async chaos(action: Extract<InfraChaos, { action: 'flush-dataplane' | 'restart-node' | 'packet-loss' }>, signal: AbortSignal): Promise<void> {
    const nodes = await this.workers(action.node)
    switch (action.action) {
      case 'flush-dataplane':
        await Promise.all(nodes.map((n) => this.run(['docker', 'exec', n, 'sh', '-c', this.dataplane === 'nftables' ? FLUSH_NFT : FLUSH_IPTABLES])))
        return
      case 'restart-node':
        await Promise.all(nodes.map((n) => this.run(['docker', 'restart', '--time', String(Math.max(0, Math.round(action.downForMs / 1000))), n])))
        await Promise.all(nodes.map((n) => this.run(['kubectl', '--context', context(this.cluster), 'wait', '--for=condition=Ready', `node/${n}`, '--timeout=180s'])))
        return
      case 'packet-loss':
        await Promise.all(nodes.map((n) => this.run(['docker', 'exec', n, 'tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', 'loss', `${action.percent}%`])))
        await sleep(action.forMs, signal)
        await Promise.all(nodes.map((n) => this.run(['docker', 'exec', n, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root'])))
        return
    }
  }

  /** One Docker network per /24 of external addresses, joined by every node; one agnhost container per external. */
  async upExternals(s: Scenario, serves: (name: string) => Target[]): Promise<void> {
    const nodes = await this.nodeNames()
    // Is netem usable here? (Checked once, on a worker, against its loopback.)
    const probe = await this.exec('docker', ['exec', nodes[nodes.length - 1], 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'loss', '0%'])
    this.netem = probe.exitCode === 0
    if (this.netem) await this.exec('docker', ['exec', nodes[nodes.length - 1], 'tc', 'qdisc', 'del', 'dev', 'lo', 'root'])
    const subnets = new Map<string, string[]>()
    for (const e of s.externals) {
      const net = `${e.ip.split('.').slice(0, 3).join('.')}.0/24`
      subnets.set(net, [...(subnets.get(net) ?? []), e.name])
    }
    let i = 0
    for (const [subnet, names] of subnets) {
      const network = `nph-${this.runId}-x${i++}`
      await this.run(['docker', 'network', 'create', '--subnet', subnet, '--label', `${RUN_LABEL}=${this.runId}`, network])
      this.networks.push(network)
      for (const n of nodes) await this.run(['docker', 'network', 'connect', network, n])
      // The route to the pods goes through the first worker's address on this network.
      const gw = (await this.run(['docker', 'inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, nodes.find((n) => !n.endsWith('-control-plane')) ?? nodes[0]])).trim()
      for (const name of names) {
        const e = s.externals.find((x) => x.name === name)!
        const container = `nph-${this.runId}-${name}`
        const ports = serves(name)
        const env = ports.flatMap((t) => ['-e', `SERVE_${t.protocol === 'TCP' ? 'TCP_' : t.protocol === 'SCTP' ? 'SCTP_' : 'UDP_'}PORT_${t.port}=${name}`])
        await this.run(['docker', 'run', '-d', '--name', container, '--label', `${RUN_LABEL}=${this.runId}`, '--network', network, '--ip', e.ip, '--cap-add', 'NET_ADMIN', ...env, AGNHOST_IMAGE, 'porter'])
        await this.run(['docker', 'exec', container, 'ip', 'route', 'add', CALICO_POD_SUBNET, 'via', gw])
        this.externals.set(name, container)
      }
    }
  }

  async execExternal(name: string, command: readonly string[], timeoutMs: number) {
    const container = this.externals.get(name)
    if (!container) return { stdout: '', stderr: '', error: `no container for external ${name}` }
    const r = await this.exec('docker', ['exec', container, ...command], { timeoutMs })
    // docker exec exits 125-127 when it could not run the command at all: an exec failure, not a probe result.
    return r.exitCode >= 125 ? { stdout: r.stdout, stderr: r.stderr, error: r.stderr || `docker exec exited ${r.exitCode}` } : { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode }
  }

  /** Removes every container and network of this run (found by label, so a crashed run's too when asked). */
  async downExternals(): Promise<void> {
    const containers = await this.exec('docker', ['ps', '-aq', '--filter', `label=${RUN_LABEL}=${this.runId}`])
    const ids = containers.stdout.split('\n').map((l) => l.trim()).filter(Boolean)
    if (ids.length) await this.exec('docker', ['rm', '-f', ...ids])
    const nets = await this.exec('docker', ['network', 'ls', '-q', '--filter', `label=${RUN_LABEL}=${this.runId}`])
    for (const id of nets.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
      for (const n of await this.nodeNames().catch(() => [])) await this.exec('docker', ['network', 'disconnect', '-f', id, n])
      await this.exec('docker', ['network', 'rm', id])
    }
    this.externals.clear()
  }

  diagnostics(): Promise<string[]> {
    return calicoDiagnostics(this.exec, this.cluster)
  }

  private async run(argv: readonly string[]): Promise<string> {
    const r = await this.exec(argv[0], argv.slice(1))
    if (r.exitCode !== 0) throw new InfraError(`${argv.join(' ')} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`)
    return r.stdout
  }
}

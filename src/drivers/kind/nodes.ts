// Why: what the kind driver can do because the nodes are Docker containers: faults inside a node, node
// restarts, and external hosts as agnhost containers at their declared addresses, routed to the pod CIDR.
import { InfraError } from '../../errors.js'
import type { ServedPort, Target } from '../../model/cluster.js'
import type { Scenario } from '../../model/scenario.js'
import { sleep } from '../../util/sleep.js'
import type { InfraChaos } from '../driver.js'
import { type Exec, execOrThrow } from '../exec.js'
import type { NodeAccess } from '../kube/node-access.js'
import { AGNHOST_IMAGE, RUN_LABEL, serverCommand } from '../kube/manifests.js'
import { calicoDiagnostics, context } from './cluster.js'
import { CALICO_POD_SUBNET, workerName } from './config.js'

/** Flushes every Calico chain of the filter table (iptables) or Calico's tables (nftables). A fixed script: no input. */
const FLUSH_IPTABLES =
  "for t in filter raw mangle nat; do iptables-save -t $t | awk '/^:cali-/ {print substr($1,2)}' | while read c; do iptables -t $t -F $c; done; done"
/**
 * Stops (STOP) or resumes (CONT) every calico-node process of a node, found by /proc/PID/comm with shell builtins
 * only (no fork per process, no pkill needed in the node image): a fixed script, no input.
 */
const signalAgent = (sig: 'STOP' | 'CONT') =>
  `for d in /proc/[0-9]*; do c=; { read -r c < $d/comm; } 2>/dev/null; [ "$c" = calico-node ] && kill -${sig} \${d#/proc/}; done; true`
const FLUSH_NFT = "nft list tables | awk '$3 ~ /^calico/ {print $2, $3}' | while read f t; do nft flush table $f $t; done"

/** Node access for the kube driver on a kind cluster: Docker into the node containers, externals as containers. */
export class KindNodes implements NodeAccess {
  private netem: boolean | undefined
  private readonly externals = new Map<string, string>()
  private readonly networks: string[] = []
  /** `external|port/PROTO` of every server seen answering after its container started. */
  private readonly verified = new Set<string>()

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
    const r = await execOrThrow(this.exec, ['kind', 'get', 'nodes', '--name', this.cluster])
    return r
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
  }

  private async workers(ref: string): Promise<string[]> {
    return ref === 'all' ? (await this.nodeNames()).filter((n) => !n.endsWith('-control-plane')) : [this.nodeName(ref)]
  }

  chaosUnsupported(action: InfraChaos): string | undefined {
    if (action.action === 'packet-loss' && this.netem === false)
      return 'tc netem is not available in the kind node containers (sch_netem missing on the host kernel)'
    return undefined
  }

  async chaos(
    action: Extract<InfraChaos, { action: 'flush-dataplane' | 'restart-node' | 'packet-loss' }>,
    signal: AbortSignal,
  ): Promise<void> {
    const nodes = await this.workers(action.node)
    switch (action.action) {
      case 'flush-dataplane':
        await Promise.all(
          nodes.map((n) =>
            execOrThrow(this.exec, ['docker', 'exec', n, 'sh', '-c', this.dataplane === 'nftables' ? FLUSH_NFT : FLUSH_IPTABLES]),
          ),
        )
        return
      case 'restart-node': {
        // `docker restart --time N` is a stop grace period, not downtime (docker docs, container restart), and the
        // node's Ready condition stays True for node-monitor-grace-period (40 s) after the kubelet stops, so neither
        // says the node was down. The node is stopped at once, kept down for downFor, started, and counted back only
        // once its kubelet posts a Ready heartbeat newer than the start.
        await Promise.all(nodes.map((n) => execOrThrow(this.exec, ['docker', 'stop', '--time', '0', n])))
        await sleep(action.downForMs, signal)
        const startedAt = Date.now()
        await Promise.all(nodes.map((n) => execOrThrow(this.exec, ['docker', 'start', n])))
        await Promise.all(nodes.map((n) => this.readyAfter(n, startedAt, signal)))
        return
      }
      case 'packet-loss':
        await Promise.all(
          nodes.map((n) =>
            execOrThrow(this.exec, [
              'docker',
              'exec',
              n,
              'tc',
              'qdisc',
              'replace',
              'dev',
              'eth0',
              'root',
              'netem',
              'loss',
              `${action.percent}%`,
            ]),
          ),
        )
        await sleep(action.forMs, signal)
        await Promise.all(nodes.map((n) => execOrThrow(this.exec, ['docker', 'exec', n, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root'])))
        return
    }
  }

  /** One Docker network per /24 of external addresses, joined by every node; one agnhost container per external. */
  async upExternals(s: Scenario, serves: (name: string) => ServedPort[]): Promise<void> {
    const nodes = await this.nodeNames()
    // Is netem usable here? (Checked once, on a worker, against its loopback.)
    const probe = await this.exec('docker', [
      'exec',
      nodes[nodes.length - 1],
      'tc',
      'qdisc',
      'add',
      'dev',
      'lo',
      'root',
      'netem',
      'loss',
      '0%',
    ])
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
      await execOrThrow(this.exec, ['docker', 'network', 'create', '--subnet', subnet, '--label', `${RUN_LABEL}=${this.runId}`, network])
      this.networks.push(network)
      for (const n of nodes) await execOrThrow(this.exec, ['docker', 'network', 'connect', network, n])
      // The route to the pods goes through the first worker's address on this network.
      const gw = (
        await execOrThrow(this.exec, [
          'docker',
          'inspect',
          '-f',
          `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`,
          nodes.find((n) => !n.endsWith('-control-plane')) ?? nodes[0],
        ])
      ).trim()
      for (const name of names) {
        const e = s.externals.find((x) => x.name === name)!
        const container = `nph-${this.runId}-${name}`
        const { script, env } = externalServers(serves(name), name)
        await execOrThrow(this.exec, [
          'docker',
          'run',
          '-d',
          '--name',
          container,
          '--label',
          `${RUN_LABEL}=${this.runId}`,
          '--network',
          network,
          '--ip',
          e.ip,
          '--cap-add',
          'NET_ADMIN',
          ...env,
          '--entrypoint',
          '/bin/sh',
          AGNHOST_IMAGE,
          '-c',
          script,
        ])
        await execOrThrow(this.exec, ['docker', 'exec', container, 'ip', 'route', 'add', CALICO_POD_SUBNET, 'via', gw])
        this.externals.set(name, container)
        await this.verifyServing(name, container, serves(name))
      }
    }
  }

  /** Freezes calico-node (SIGSTOP: Felix stops programming, nothing restarts it) for `forMs`, then resumes it. */
  async freezeAgent(nodes: readonly string[], forMs: number, signal: AbortSignal): Promise<void> {
    await Promise.all(nodes.map((n) => execOrThrow(this.exec, ['docker', 'exec', n, 'sh', '-c', signalAgent('STOP')])))
    try {
      await sleep(forMs, signal)
    } finally {
      await Promise.all(nodes.map((n) => execOrThrow(this.exec, ['docker', 'exec', n, 'sh', '-c', signalAgent('CONT')])))
    }
  }

  /** Waits (3 min at most) for the node's Ready condition to be True with a heartbeat after `sinceMs`. */
  private async readyAfter(node: string, sinceMs: number, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + 180000
    while (Date.now() < deadline) {
      const out = await execOrThrow(this.exec, [
        'kubectl',
        '--context',
        context(this.cluster),
        'get',
        'node',
        node,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}',
      ]).catch(() => '')
      const [status, beat] = out.trim().split(' ')
      // Heartbeats have whole-second resolution (RFC 3339): allow the second the node was started in.
      if (status === 'True' && Date.parse(beat) >= Math.floor(sinceMs / 1000) * 1000) return
      await sleep(1000, signal)
    }
    throw new InfraError(`node ${node} did not report Ready within 3 minutes of its restart`)
  }

  /** Asks each TCP/UDP server of an external, from inside its container, until it answers (agnhost connect, 20 s at most). */
  private async verifyServing(name: string, container: string, ports: readonly ServedPort[]): Promise<void> {
    for (const t of ports.filter((p) => p.protocol !== 'SCTP')) {
      let last = ''
      for (let i = 0; i < 20; i++) {
        const r = await this.exec(
          'docker',
          ['exec', container, '/agnhost', 'connect', `127.0.0.1:${t.port}`, `--protocol=${t.protocol.toLowerCase()}`, '--timeout=1s'],
          { timeoutMs: 10000 },
        )
        if (r.exitCode === 0) {
          this.verified.add(`${name}|${t.port}/${t.protocol}`)
          break
        }
        last = (r.stderr || r.stdout).trim()
        await sleep(1000)
      }
      if (!this.verified.has(`${name}|${t.port}/${t.protocol}`))
        throw new InfraError(
          `external ${name} does not serve ${t.port}/${t.protocol} (agnhost connect from inside its container: ${last})`,
          { hint: `docker logs ${container}` },
        )
    }
  }

  listening(external: string, t: Target): boolean {
    return this.verified.has(`${external}|${t.port}/${t.protocol}`)
  }

  async execExternal(name: string, command: readonly string[], timeoutMs: number) {
    const container = this.externals.get(name)
    if (!container) return { stdout: '', stderr: '', error: `no container for external ${name}` }
    const r = await this.exec('docker', ['exec', container, ...command], { timeoutMs })
    // docker exec exits 125-127 when it could not run the command at all: an exec failure, not a probe result.
    return r.exitCode >= 125
      ? { stdout: r.stdout, stderr: r.stderr, error: r.stderr || `docker exec exited ${r.exitCode}` }
      : { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode }
  }

  /** Removes every container and network of this run (found by label, so a crashed run's too when asked). */
  async downExternals(): Promise<void> {
    const containers = await this.exec('docker', ['ps', '-aq', '--filter', `label=${RUN_LABEL}=${this.runId}`])
    const ids = containers.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
    if (ids.length) await this.exec('docker', ['rm', '-f', ...ids])
    const nets = await this.exec('docker', ['network', 'ls', '-q', '--filter', `label=${RUN_LABEL}=${this.runId}`])
    for (const id of nets.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)) {
      for (const n of await this.nodeNames().catch(() => [])) await this.exec('docker', ['network', 'disconnect', '-f', id, n])
      await this.exec('docker', ['network', 'rm', id])
    }
    this.externals.clear()
    this.verified.clear()
  }

  diagnostics(): Promise<string[]> {
    return calicoDiagnostics(this.exec, this.cluster)
  }
}

/**
 * One agnhost server per declared port in one container (one address): serve-hostname for TCP and UDP, porter for SCTP,
 * as the pinned agnhost reads them (see AGNHOST_IMAGE). The script holds only checked port numbers and fixed words.
 */
function externalServers(ports: readonly ServedPort[], identity: string): { script: string; env: string[] } {
  const env: string[] = []
  const jobs: string[] = []
  for (const t of ports) {
    if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) throw new InfraError(`bad port ${t.port}`)
    const c = serverCommand(t, identity)
    if (c.env.length) env.push(...c.env.flatMap((e) => ['-e', `${e.name}=${e.value}`]))
    if (t.protocol !== 'SCTP') jobs.push(`${c.command.join(' ')} &`)
  }
  if (ports.some((t) => t.protocol === 'SCTP')) jobs.push('/agnhost porter &')
  return { script: [...jobs, 'wait'].join('\n'), env }
}

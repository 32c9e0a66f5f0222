// Why: ONE exec per source pod per round: a POSIX sh script that runs `agnhost connect` for every target in
// parallel and prints one result line each; and the parser of its output (both pure).
import type { ConnectSpec, RawOutcome } from '../driver.js'
import { parseAddress } from '../../evaluator/ip.js'

/**
 * Why kube and kind cells of an ICMP echo are predicted only. agnhost (2.56, AGNHOST_IMAGE) `connect` dials tcp, udp
 * or sctp (kubernetes test/images/agnhost/connect/connect.go, its --protocol flag) and no agnhost subcommand sends an
 * echo. The image is Alpine (test/images/agnhost/BASEIMAGE), so BusyBox `ping` is there, but it needs a raw socket
 * (CAP_NET_RAW, which a cluster's pod security may drop) or the runtime's net.ipv4.ping_group_range, and a "no
 * reply" it prints cannot be told from a missing capability without checking both: not wired yet (docs/kind.md).
 */
export const ICMP_UNSUPPORTED =
  'ICMP echo is not probed on this driver: agnhost connect dials tcp, udp or sctp only and the image ping needs CAP_NET_RAW (docs/kind.md); the cell is predicted only'

/** A DNS name of lowercase labels, absolute (trailing dot) or not: what a `service-name` probe dials (RFC 1123 labels). */
const DNS_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*\.?$/

/**
 * Refuses anything that is not an address (or a DNS name), a port and a protocol: nothing from input reaches the
 * shell unchecked. A name is resolved by agnhost connect itself before it dials (connect.go: net.ResolveTCPAddr /
 * ResolveUDPAddr with the pod's resolv.conf; a failure is exit 1 with "DNS: ...", see `unansweredLookup`).
 */
function checked(c: ConnectSpec): ConnectSpec {
  if (!(DNS_NAME.test(c.ip) && c.ip.length <= 254 && /[a-z]/.test(c.ip))) parseAddress(c.ip)
  if (!Number.isInteger(c.port) || c.port < 1 || c.port > 65535) throw new Error(`bad port ${c.port}`)
  if (!['TCP', 'UDP', 'SCTP'].includes(c.protocol)) throw new Error(`bad protocol ${c.protocol}`)
  return c
}

/** `sh -c` argv: each connection in the background, then `wait`; lines `@@<index> <exit> <ms> <output…>`. */
export function probeCommand(conns: readonly ConnectSpec[], timeoutMs: number, agnhost = '/agnhost'): string[] {
  // agnhost connect's --timeout is a Go duration (connect.go: Flags().DurationVar(&timeout, "timeout", ...)), so
  // 300ms is exact; rounding up to whole seconds made every denied cell wait up to a second longer than asked.
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new Error(`bad timeout ${timeoutMs}`)
  const jobs = conns.map((raw, i) => {
    const c = checked(raw)
    const host = c.ip.includes(':') ? `[${c.ip}]` : c.ip
    // Latency is not measured inside the pod (busybox date has no sub-second format): 0 means unknown.
    // UDP source ports are the kernel's choice: agnhost connect dials with net.Dial("udp", dest) and has no flag for a
    // local port (kubernetes test/images/agnhost/connect/connect.go, connectUDP), so a reused port can meet an old
    // conntrack entry; docs/kind.md (Probing) says why nc -p in the same image was not used instead.
    return `( o=$(${agnhost} connect ${host}:${c.port} --timeout=${timeoutMs}ms --protocol=${c.protocol.toLowerCase()} 2>&1); r=$?; echo "@@${i} $r 0 $(echo "$o" | tr '\\n' ' ')" ) &`
  })
  return ['/bin/sh', '-c', [...jobs, 'wait'].join('\n')]
}

/**
 * A lookup no DNS server answered, as agnhost connect prints it: "DNS: " and Go's DNSError text (agnhost is built
 * with CGO_ENABLED=0, kubernetes test/images/image-util.sh, so Go's own resolver): "lookup <name> on <server>:53:
 * read udp <client>-><server>:53: i/o timeout" (golang/go src/net: DNSError.Error "lookup <name> on <server>: <err>";
 * dnsclient_unix.go exchange reads under a deadline, tryOneName keeps the last attempt's error, the deadline's text
 * is "i/o timeout"). Every attempt went unanswered (Go's defaults without resolv.conf options: 2 attempts of 5 s), which
 * is what a policy dropping the query does. A refused query ("connection refused": nothing behind the ClusterIP),
 * NXDOMAIN ("no such host") or another rcode ("server misbehaving") is an answer: those stay probe errors.
 */
function unansweredLookup(text: string): boolean {
  return /^DNS: lookup \S+ on \S+: .*i\/o timeout$/.test(text)
}

/**
 * Maps agnhost connect's exit code and stderr prefix to an outcome. kubernetes test/images/agnhost/connect/connect.go:
 * exit 0 connected; exit 1 with a stderr line starting TIMEOUT, REFUSED, DNS, OTHER or UNKNOWN (DNS: a timeout when the
 * lookup went unanswered, `unansweredLookup`; an error otherwise). UDP sends
 * "hostname\n" and needs a reply; with no server, the ICMP port-unreachable surfaces as "connection refused" (REFUSED).
 */
export function parseProbeOutput<C extends ConnectSpec>(conns: readonly C[], stdout: string, expected: (c: C) => string): RawOutcome[] {
  const seen = new Map<number, RawOutcome>()
  for (const line of stdout.split('\n')) {
    const m = /^@@(\d+) (\d+) (-?\d+) ?(.*)$/.exec(line.trim())
    if (!m) continue
    const i = Number(m[1])
    const c = conns[i]
    if (!c) continue
    const code = Number(m[2])
    const latencyMs = Math.max(0, Number(m[3]))
    const text = m[4].trim()
    let o: RawOutcome
    // agnhost connect does not report who answered: the pod is known by the address connected to.
    if (code === 0) o = { key: c.key, outcome: 'connected', latencyMs, answeredBy: expected(c), detail: 'identity by address' }
    else if (text.startsWith('TIMEOUT')) o = { key: c.key, outcome: 'timeout', latencyMs }
    else if (text.startsWith('REFUSED')) o = { key: c.key, outcome: 'refused', latencyMs, detail: text }
    // A name lookup dropped on the way to the cluster's DNS: the name cell is blocked (its DNS part, docs/services.md).
    else if (unansweredLookup(text)) o = { key: c.key, outcome: 'timeout', latencyMs, detail: `name lookup unanswered: ${text}` }
    else o = { key: c.key, outcome: 'error', latencyMs, detail: text || `exit ${code}` }
    seen.set(i, o)
  }
  return conns.map((c, i) => seen.get(i) ?? { key: c.key, outcome: 'error', latencyMs: 0, detail: 'no result line from the probe script' })
}

// Why: IP and CIDR syntax as the API server reads it, so validation never accepts a string that ipaddr.js (evaluator,
// nft compiler) would read differently from Kubernetes; and the addresses no endpoint can have on any cluster.
//
// Upstream: k8s.io/utils/net ParseIPSloppy / ParseCIDRSloppy (a fork of Go 1.16's net.ParseIP / net.ParseCIDR) accept
// only four decimal dotted octets for IPv4 (no `10.1`, no hex `0x0a`, no single number `167772416`), IPv6 without a
// zone (`%eth0`), and a decimal prefix length. apimachinery pkg/util/validation/ip.go parseIP / parseCIDR, under the
// StrictIPCIDRValidation gate (alpha in 1.33, off by default), also reject leading zeros and IPv4-mapped IPv6; with
// the gate off the API server reads `010` as decimal 10 and warns that it "will be considered invalid in a future
// Kubernetes release" (GetWarningsForIP / GetWarningsForCIDR). We reject both, as strict validation does: ipaddr.js
// reads `010` as octal 8, and an IPv4-mapped range matches IPv4 addresses in Go but not in ipaddr.js.
import ipaddr from 'ipaddr.js'

const OCTET = /^(0|[1-9][0-9]{0,2})$/
const LEADING_ZERO = /^0[0-9]/

/** Why `s` is not an IPv4 address of four decimal octets without leading zeros, or undefined. */
function ipv4Error(s: string): string | undefined {
  const parts = s.split('.')
  if (parts.length !== 4 || !parts.every((p) => /^[0-9]+$/.test(p)))
    return 'an IPv4 address needs four decimal octets (e.g. 10.0.1.5; no short, hex or single-number forms)'
  if (parts.some((p) => LEADING_ZERO.test(p)))
    return `octets must not have leading zeros (the API server reads them as decimal, other tools as octal): write ${parts.map(Number).join('.')}`
  if (!parts.every((p) => OCTET.test(p) && Number(p) <= 255)) return 'each octet must be 0 to 255'
  return undefined
}

/** Why `s` is not an IPv6 address the API server and ipaddr.js read alike, or undefined. */
function ipv6Error(s: string): string | undefined {
  if (s.includes('%')) return 'an IPv6 zone (%eth0) is not allowed'
  if (s.includes('.')) return 'write the IPv6 address in hexadecimal groups only (no embedded dotted IPv4)'
  if (!/^[0-9A-Fa-f:]+$/.test(s) || !ipaddr.IPv6.isValid(s)) return 'not a valid IPv6 address'
  if (ipaddr.IPv6.parse(s).isIPv4MappedAddress()) return 'an IPv4-mapped IPv6 address is not allowed; write the IPv4 address'
  return undefined
}

/** Why `s` is not an address (IPv4 or IPv6) as strict API server validation accepts it, or undefined. */
export function addressSyntaxError(s: string): string | undefined {
  return s.includes(':') ? ipv6Error(s) : ipv4Error(s)
}

/** Why `s` is not `address/prefix` as strict API server validation accepts it, or undefined (host bits may be set). */
export function cidrSyntaxError(s: string): string | undefined {
  const slash = s.indexOf('/')
  if (slash < 0) return 'a CIDR needs a prefix length (e.g. 10.0.0.0/16)'
  const addr = s.slice(0, slash)
  const len = s.slice(slash + 1)
  const e = addressSyntaxError(addr)
  if (e) return e
  const max = addr.includes(':') ? 128 : 32
  if (!/^(0|[1-9][0-9]*)$/.test(len) || Number(len) > max)
    return `the prefix length must be a decimal number from 0 to ${max} without leading zeros`
  return undefined
}

/**
 * Ranges no pod or external can ever have, on any cluster (IANA special-purpose registries, RFC 6890): a packet to
 * them never leaves the host or goes to every host, so a probe there measures nothing about NetworkPolicy.
 */
const NEVER_AN_ENDPOINT: readonly (readonly [string, string])[] = [
  ['0.0.0.0/8', 'is "this network" (0.0.0.0/8, RFC 1122): no host has it'],
  ['127.0.0.0/8', 'is loopback (127.0.0.0/8): every pod would reach itself'],
  ['169.254.0.0/16', 'is link-local (169.254.0.0/16, RFC 3927): CNIs use it for gateways, never for pods'],
  ['224.0.0.0/4', 'is multicast (224.0.0.0/4): a connection cannot be made to it'],
  ['240.0.0.0/4', 'is reserved (240.0.0.0/4, 255.255.255.255 broadcast included): never routed to a host'],
  ['::/128', 'is the unspecified IPv6 address'],
  ['::1/128', 'is IPv6 loopback'],
  ['fe80::/10', 'is IPv6 link-local (fe80::/10): CNIs use it for gateways, never for pods'],
  ['ff00::/8', 'is IPv6 multicast (ff00::/8): a connection cannot be made to it'],
]

/** Why a syntactically valid address can never be a pod's or an external's, or undefined. */
export function endpointAddressError(ip: string): string | undefined {
  const a = ipaddr.parse(ip)
  for (const [cidr, why] of NEVER_AN_ENDPOINT) {
    const [net, len] = ipaddr.parseCIDR(cidr)
    if (net.kind() === a.kind() && a.match(net, len)) return `${ip} ${why}`
  }
  return undefined
}

/** Why a syntactically valid pod CIDR overlaps addresses no pod can have, or undefined. */
export function podCidrError(cidr: string): string | undefined {
  const [net, len] = ipaddr.parseCIDR(cidr)
  for (const [reserved, why] of NEVER_AN_ENDPOINT) {
    const [r, rlen] = ipaddr.parseCIDR(reserved)
    if (r.kind() !== net.kind()) continue
    // Two CIDRs overlap when the shorter one contains the other's network address.
    if (len <= rlen ? r.match(net, len) : net.match(r, rlen))
      return `pod CIDR ${cidr} overlaps ${reserved}: that range ${why.replace(/^is /, 'is ')}`
  }
  return undefined
}

/** One spelling per address (IPv6 `fd00:0::1` and `fd00::1` are the same), to find an address used twice. */
export function canonicalAddress(ip: string): string {
  return ipaddr.parse(ip).toString()
}

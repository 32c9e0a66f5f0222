// Why: IP and CIDR syntax as the API server reads it, so validation never accepts a string that ipaddr.js (evaluator,
// nft compiler) would read differently from Kubernetes.
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

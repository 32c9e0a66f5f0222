// Why: ipBlock math (IPv4 and IPv6) on top of ipaddr.js; host bits in a CIDR mean the network containing them.
import ipaddr from 'ipaddr.js'
import type { IPBlock } from '../model/policy.js'

/** A parsed IPv4 or IPv6 address. */
export type Address = ipaddr.IPv4 | ipaddr.IPv6
/** A CIDR as address and prefix length. */
export type Range = [Address, number]

/** Parses an address; IPv4-mapped IPv6 addresses are kept as IPv6. Throws on garbage. */
export function parseAddress(ip: string): Address {
  return ipaddr.parse(ip)
}

/** Parses `a.b.c.d/n` or `x::/n`; throws on garbage. */
export function parseCidr(cidr: string): Range {
  return ipaddr.parseCIDR(cidr)
}

/** True when `addr` lies inside `range` (same family only). */
export function inRange(addr: Address, range: Range): boolean {
  return addr.kind() === range[0].kind() && addr.match(range)
}

/** A compiled ipBlock: the CIDR minus every except. */
export interface CompiledIPBlock {
  readonly cidr: Range
  readonly except: readonly Range[]
}

/** An ipBlock with its CIDR and excepts parsed once. */
export function compileIPBlock(block: IPBlock): CompiledIPBlock {
  return { cidr: parseCidr(block.cidr), except: (block.except ?? []).map(parseCidr) }
}

/** Which part of an ipBlock an address falls in. */
export type IPBlockMatch = 'inside' | 'excepted' | 'outside'

/** Where an address falls for an ipBlock: outside, inside, or inside an except. */
export function matchIPBlock(block: CompiledIPBlock, addr: Address): IPBlockMatch {
  if (!inRange(addr, block.cidr)) return 'outside'
  return block.except.some((r) => inRange(addr, r)) ? 'excepted' : 'inside'
}

/** True when `inner` is a strict subset of `outer` (what the API server requires of `except`). */
export function isStrictSubnet(inner: Range, outer: Range): boolean {
  return inner[0].kind() === outer[0].kind() && inner[1] > outer[1] && inner[0].match(outer)
}

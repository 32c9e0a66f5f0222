// Why: deterministic pod addresses from a pod CIDR (IPv4 or IPv6), skipping addresses already taken.
import ipaddr from 'ipaddr.js'

/** Returns `count` addresses from `cidr`, starting at host offset 10, skipping `taken`. Throws when the CIDR is too small. */
export function allocateAddresses(cidr: string, count: number, taken: ReadonlySet<string>): string[] {
  const [base, prefix] = ipaddr.parseCIDR(cidr)
  const bytes = base.toByteArray()
  const bits = bytes.length * 8
  let network = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n)
  const hostBits = BigInt(bits - prefix)
  network = (network >> hostBits) << hostBits
  const size = 1n << hostBits
  const out: string[] = []
  for (let offset = 10n; out.length < count; offset++) {
    if (offset >= size - 1n) throw new Error(`pod CIDR ${cidr} has no room for ${count} pods`)
    const value = network + offset
    const arr: number[] = []
    for (let i = bytes.length - 1; i >= 0; i--) arr[i] = Number((value >> BigInt((bytes.length - 1 - i) * 8)) & 0xffn)
    const ip = ipaddr.fromByteArray(arr).toString()
    if (!taken.has(ip)) out.push(ip)
  }
  return out
}

// Address and CIDR syntax: what the API server (ParseIPSloppy / ParseCIDRSloppy, strict checks) and ipaddr.js read alike.
import t from 'tap'
import { parseCidr } from '../../src/evaluator/ip.js'
import { addressSyntaxError, cidrSyntaxError } from '../../src/scenario/ip-syntax.js'

t.test('addresses', async (t) => {
  for (const ok of ['10.0.1.5', '0.0.0.0', '255.255.255.255', 'fd00::1', 'FD00:0:0:0::1', '::', '2001:db8::ffff'])
    t.equal(addressSyntaxError(ok), undefined, ok)
  const bad: [string, RegExp][] = [
    ['10.1', /four decimal octets/],
    ['1.2.3.4.', /four decimal octets/],
    ['0x0a.0.0.1', /four decimal octets/],
    ['167772416', /four decimal octets/],
    ['010.0.1.5', /leading zeros.*write 10\.0\.1\.5/],
    ['10.0.0.256', /0 to 255/],
    ['fe80::1%eth0', /zone/],
    ['::ffff:1.2.3.4', /dotted IPv4/],
    ['::ffff:a00:1', /IPv4-mapped/],
    ['fe80::00001', /not a valid IPv6/],
    ['1::2::3', /not a valid IPv6/],
    [' 10.0.0.1', /four decimal octets/],
  ]
  for (const [s, why] of bad) t.match(addressSyntaxError(s), why, s)
})

t.test('CIDRs', async (t) => {
  for (const ok of ['10.0.0.0/8', '10.0.1.5/24', '0.0.0.0/0', 'fd00::/64', '::/0', '10.0.0.1/32', 'fd00::1/128'])
    t.equal(cidrSyntaxError(ok), undefined, ok)
  const bad: [string, RegExp][] = [
    ['10.0.0.0', /prefix length/],
    ['10.0.0.0/33', /0 to 32/],
    ['fd00::/129', /0 to 128/],
    ['10.0.0.0/08', /leading zeros/],
    ['10.0.0.0/+8', /decimal number/],
    ['10.0.0.0/ 8', /decimal number/],
    ['10.0.1.010/32', /leading zeros/],
    ['10.5/16', /four decimal octets/],
    ['fe80::1%eth0/64', /zone/],
  ]
  for (const [s, why] of bad) t.match(cidrSyntaxError(s), why, s)
})

t.test('what validation accepts, the evaluator reads as Go does', async (t) => {
  const [addr, len] = parseCidr('10.0.1.5/24')
  t.equal(addr.toString(), '10.0.1.5')
  t.equal(len, 24)
  t.equal(parseCidr('FD00:0:0:0::/64')[0].toString(), 'fd00::')
})

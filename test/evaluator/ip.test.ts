// ipBlock math: the CIDR minus its excepts, host bits mean the containing network, families never mix.
import t from 'tap'
import { compileIPBlock, matchIPBlock, parseAddress } from '../../src/evaluator/ip.js'

const rows: [string, { cidr: string; except?: string[] }, string, 'inside' | 'excepted' | 'outside'][] = [
  ['inside the CIDR', { cidr: '10.0.0.0/8' }, '10.1.2.3', 'inside'],
  ['outside the CIDR', { cidr: '10.0.0.0/8' }, '11.0.0.1', 'outside'],
  ['inside an except', { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }, '10.1.2.3', 'excepted'],
  ['beside the except', { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }, '10.2.0.1', 'inside'],
  ['host bits set mean the network that contains them', { cidr: '10.0.0.5/8' }, '10.200.0.1', 'inside'],
  ['/32 is one address', { cidr: '192.0.2.10/32' }, '192.0.2.11', 'outside'],
  ['0.0.0.0/0 is every IPv4 address', { cidr: '0.0.0.0/0' }, '203.0.113.9', 'inside'],
  ['an IPv6 block never matches IPv4', { cidr: '::/0' }, '10.0.0.1', 'outside'],
  ['an IPv4 block never matches IPv6', { cidr: '0.0.0.0/0' }, 'fd00::1', 'outside'],
  ['IPv6 except', { cidr: 'fd00::/8', except: ['fd00:1::/32'] }, 'fd00:1::5', 'excepted'],
]
for (const [name, block, addr, want] of rows) t.equal(matchIPBlock(compileIPBlock(block), parseAddress(addr)), want, name)

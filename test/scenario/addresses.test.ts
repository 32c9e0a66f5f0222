// Pod addresses from a pod CIDR: deterministic, from host offset 10, skipping taken ones, IPv4 and IPv6.
import t from 'tap'
import { allocateAddresses } from '../../src/scenario/addresses.js'

t.same(allocateAddresses('10.244.0.0/16', 3, new Set()), ['10.244.0.10', '10.244.0.11', '10.244.0.12'])
t.same(allocateAddresses('10.244.0.0/16', 2, new Set(['10.244.0.10'])), ['10.244.0.11', '10.244.0.12'], 'taken addresses are skipped')
t.same(allocateAddresses('10.244.7.9/16', 1, new Set()), ['10.244.0.10'], 'host bits in the CIDR mean its network')
t.same(allocateAddresses('10.0.0.0/24', 1, new Set()), allocateAddresses('10.0.0.0/24', 1, new Set()), 'deterministic')
t.same(allocateAddresses('fd00:10::/64', 2, new Set()), ['fd00:10::a', 'fd00:10::b'], 'IPv6')
t.throws(() => allocateAddresses('10.0.0.0/28', 6, new Set()), /no room for 6 pods/, 'a /28 holds offsets 10 to 14 only')
t.same(allocateAddresses('10.0.0.0/28', 5, new Set()).at(-1), '10.0.0.14', 'never the broadcast address')

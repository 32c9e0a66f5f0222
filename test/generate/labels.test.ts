// Grouping: hash-like labels never group or select, every group's selector picks exactly its pods.
import t from 'tap'
import { matchesSelector } from '../../src/evaluator/index.js'
import { groupWorkloads, looksLikeHash, unstableKeys } from '../../src/generate/labels.js'
import type { Pod } from '../../src/model/cluster.js'
import { podId } from '../../src/model/cluster.js'

const pod = (namespace: string, name: string, labels: Record<string, string>): Pod => ({
  namespace,
  name,
  labels,
  ip: '10.0.0.1',
  ports: [],
})

t.test('hash-like values: generated suffixes, hex and UUIDs; words and versions stay stable', async (t) => {
  for (const v of ['5d8f7c9b6', 'web-7c6d9f4b8', 'a1b2c3d4e5f6', '0f8fad5b-d9cb-469f-a165-70867728950e', 'x7k2q'])
    t.ok(looksLikeHash(v), `${v} looks generated`)
  for (const v of ['web', 'coredns', 'kube-dns', 'v2', 'backend', 'api-v1', 'release-2024', 'frontend', 'bcdfg'])
    t.notOk(looksLikeHash(v), `${v} is stable`)
})

t.test('per-pod keys and hash-valued keys are unstable for the whole namespace', async (t) => {
  const keys = unstableKeys([
    pod('a', 'p', { app: 'web', 'pod-template-hash': 'abc', 'statefulset.kubernetes.io/pod-name': 'db-0' }),
    pod('a', 'q', { app: 'web', version: 'web-7c6d9f4b8' }),
    pod('a', 'r', { app: 'web', version: 'v1' }),
  ])
  t.same([...keys].sort(), ['pod-template-hash', 'statefulset.kubernetes.io/pod-name', 'version'])
})

t.test('pods differing only in hash labels form one group, selected by their stable label', async (t) => {
  const groups = groupWorkloads([
    pod('shop', 'api-1', { app: 'api', 'pod-template-hash': '5d8f7c9b6' }),
    pod('shop', 'api-2', { app: 'api', 'pod-template-hash': '7c6d9f4b8' }),
    pod('shop', 'web', { app: 'web' }),
  ])
  t.same(
    groups.map((g) => [g.name, g.pods, g.selector]),
    [
      ['api', ['shop/api-1', 'shop/api-2'], { matchLabels: { app: 'api' } }],
      ['web', ['shop/web'], { matchLabels: { app: 'web' } }],
    ],
  )
})

t.test('every selector is exact, also where labels nest (a superset group) or are missing', async (t) => {
  const pods = [
    pod('n', 'plain', { app: 'web' }),
    pod('n', 'canary', { app: 'web', track: 'canary' }),
    pod('n', 'both', { app: 'web', track: 'canary', zone: 'b' }),
    pod('n', 'bare', {}),
    pod('n', 'hashed', { 'pod-template-hash': '5d8f7c9b6' }),
    pod('m', 'other', { app: 'web' }),
  ]
  const groups = groupWorkloads(pods)
  t.equal(groups.length, 5, 'bare and hashed share a group (no stable label); m/other is its own namespace')
  for (const g of groups) {
    const nsPods = pods.filter((p) => p.namespace === g.namespace)
    t.same(
      nsPods.filter((p) => matchesSelector(g.selector, p.labels)).map(podId),
      g.pods,
      `${g.namespace}/${g.name}: ${JSON.stringify(g.selector)}`,
    )
  }
  const plain = groups.find((g) => g.pods.includes('n/plain'))!
  t.same(plain.selector.matchExpressions, [{ key: 'track', operator: 'DoesNotExist' }], 'the plain web pods exclude the canaries')
  t.equal(new Set(groups.filter((g) => g.namespace === 'n').map((g) => g.name)).size, 4, 'names are unique per namespace')
})

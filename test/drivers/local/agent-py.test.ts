// The Python agent on its own (no driver, no dataplane): it sets up a pod's side of its link over rtnetlink, serves
// with the endpoint's identity in the endpoint's namespace while living in another, probes from there (connected,
// refused, timeout), stops serving on command, and says hello before anything else.
import t from 'tap'
import { execa } from 'execa'
import { readdir } from 'node:fs/promises'
import { launchBurst } from '../../../src/drivers/local/agents.js'
import { cannotRunLocal } from '../../helpers/can-run.js'
import { agentWithPod } from '../../helpers/agent-pod.js'

const skip = await cannotRunLocal([['python3', '--version']])

t.test('launch bursts scale with the CPUs per agent, never below 8', async (t) => {
  t.equal(launchBurst(2, 2), 64)
  t.equal(launchBurst(1, 8), 512)
  t.equal(launchBurst(100, 2), 8)
})

t.test('serve, probe and unserve across namespaces', { skip, timeout: 60000 }, async (t) => {
  const { agent, home, pod } = await agentWithPod(
    t,
    'agent',
    [
      { port: 8080, protocol: 'TCP' },
      { port: 8053, protocol: 'UDP' },
    ],
    { ip: '10.99.0.1', gateway: '169.254.1.1' },
  )
  const addr = await execa('ip', ['-n', pod, '-o', '-4', 'addr', 'show', 'dev', 'eth0'])
  t.match(addr.stdout, /inet 10\.99\.0\.1\/32/, 'the pod address is on eth0')
  const routes = await execa('ip', ['-n', pod, 'route'])
  t.match(routes.stdout, /default via 169\.254\.1\.1 dev eth0/, 'default route via the gateway')
  t.match(routes.stdout, /169\.254\.1\.1 dev eth0 .*scope link/, 'the gateway is on link')
  const lo = await execa('ip', ['-n', pod, '-o', 'link', 'show', 'lo'])
  t.match(lo.stdout, /state UNKNOWN|,UP/, 'lo is up')
  // The servers are in the pod's namespace, not in the agent's own.
  const listening = (ns: string) => execa('ip', ['netns', 'exec', ns, 'ss', '-Htln', 'sport = :8080']).then((r) => r.stdout.trim())
  t.not(await listening(pod), '', 'TCP 8080 listens in the pod namespace')
  t.equal(await listening(home), '', 'and not where the agent process lives')

  const probe = (connect: { key: string; ip: string; port: number; protocol: 'TCP' | 'UDP' }[], attempts = 1) =>
    agent.send({ cmd: 'probe', from: 'x/a', timeoutMs: 600, connect, attempts }, 10000).then((r) => r.results ?? [])
  const r = await probe([
    { key: 'tcp', ip: '10.99.0.1', port: 8080, protocol: 'TCP' },
    { key: 'udp', ip: '10.99.0.1', port: 8053, protocol: 'UDP' },
    { key: 'tcp-closed', ip: '10.99.0.1', port: 8081, protocol: 'TCP' },
    { key: 'udp-closed', ip: '10.99.0.1', port: 8054, protocol: 'UDP' },
    // Routed to a gateway that never answers.
    { key: 'nowhere', ip: '10.99.0.2', port: 8080, protocol: 'TCP' },
  ])
  const by = new Map(r.map((o) => [o.key, o]))
  t.match(by.get('tcp'), { outcome: 'connected', answeredBy: 'x/a' })
  t.match(by.get('udp'), { outcome: 'connected', answeredBy: 'x/a' })
  t.match(by.get('tcp-closed'), { outcome: 'refused' })
  t.match(by.get('udp-closed'), { outcome: 'refused' })
  t.match(by.get('nowhere'), { outcome: 'timeout' })
  // Its whole window, never less: deadlines share timers (agent-py.ts Ticks), each at its time or later.
  t.ok(by.get('nowhere')!.latencyMs >= 600, `a timeout takes the whole timeout (${by.get('nowhere')!.latencyMs} ms)`)

  // Hedged: three attempts within the one timeout, still one verdict.
  const [hedged] = await probe([{ key: 'h', ip: '10.99.0.2', port: 8080, protocol: 'TCP' }], 3)
  t.equal(hedged.outcome, 'timeout')
  // Three attempts one after another would take three timeouts (1,800 ms); hedged, they share one.
  t.ok(hedged.latencyMs < 3 * 600, `hedges share the one timeout (${hedged.latencyMs} ms)`)
  t.ok(hedged.latencyMs >= 600, `and keep all of it (${hedged.latencyMs} ms)`)

  // What leaves the pod: one SYN per connection (the kernel's first SYN retransmission is after 1 s, past the 600 ms
  // timeout), so a probe with attempts 1 (the driver's `single`, the cadence's cells that open) sends exactly one,
  // and a hedged one three.
  await execa('ip', ['netns', 'exec', pod, 'nft', '-f', '-'], {
    input:
      'table inet nph_count {\n chain out {\n  type filter hook output priority 0;\n  ip daddr 10.99.0.2 tcp dport 8080 counter\n }\n}\n',
  })
  const syns = async () =>
    Number(/packets (\d+)/.exec((await execa('ip', ['netns', 'exec', pod, 'nft', 'list', 'table', 'inet', 'nph_count'])).stdout)![1])
  await probe([{ key: 'one', ip: '10.99.0.2', port: 8080, protocol: 'TCP' }], 1)
  t.equal(await syns(), 1, 'attempts 1: one connection, one SYN')
  await probe([{ key: 'three', ip: '10.99.0.2', port: 8080, protocol: 'TCP' }], 3)
  t.equal(await syns(), 4, 'attempts 3: three connections while unanswered')

  // Sockets done with close in batches once no attempt has been launched for a moment (agent-py.ts Closer): every
  // one of them, the client's and the accepted one, closes.
  const openFds = async () => (await readdir(`/proc/${agent.pid}/fd`)).length
  await new Promise((r) => setTimeout(r, 200))
  const idle = await openFds()
  const many = await probe(Array.from({ length: 50 }, (_, i) => ({ key: `c${i}`, ip: '10.99.0.1', port: 8080, protocol: 'TCP' as const })))
  t.ok(
    many.every((o) => o.outcome === 'connected'),
    '50 connections answered',
  )
  let open = await openFds()
  for (let i = 0; i < 100 && open > idle; i++) {
    await new Promise((r) => setTimeout(r, 50))
    open = await openFds()
  }
  t.equal(open, idle, 'and none of their sockets is left open')

  await agent.send({ cmd: 'unserve', identity: 'x/a' }, 10000)
  t.equal(await listening(pod), '', 'unserve closes its sockets')
  await t.rejects(probe([{ key: 'tcp', ip: '10.99.0.1', port: 8080, protocol: 'TCP' }]), /no endpoint x\/a/)
})

// Under heavy loss a denied cell gets up to 40 copies at once, each hedged 3 times: a block of ~120 consecutive source
// ports of one destination's cursor. Another destination's cursor running into that block once gave up after 32
// ports in use ("no fresh UDP source port: EADDRINUSE", 23 cells flaky in a 30 % loss run). It skips the block now.
t.test('a UDP probe skips a long run of source ports in use', { skip, timeout: 60000 }, async (t) => {
  const { agent, pod } = await agentWithPod(t, 'ports', [{ port: 8053, protocol: 'UDP' }], { ip: '10.99.0.1', gateway: '169.254.1.1' })
  // Where the agent's cursor for this source and destination starts (agent-py.ts next_source_port).
  const key = 'x/a>10.99.0.1:8053'
  let cur = 0
  for (const ch of key) cur = (cur * 31 + ch.charCodeAt(0)) >>> 0
  const start = 32768 + (cur % 28232)
  const held = execa(
    'ip',
    [
      'netns',
      'exec',
      pod,
      'python3',
      '-c',
      `import socket, sys, time
ss = []
for p in range(${start}, ${start + 300}):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(('0.0.0.0', 32768 + (p - 32768) % 28232))
    except OSError:
        pass
    ss.append(s)
print('held', flush=True)
time.sleep(120)`,
    ],
    { reject: false },
  )
  t.teardown(() => void held.kill())
  await new Promise<void>((resolve) => held.stdout!.on('data', (d: Buffer) => /held/.test(String(d)) && resolve()))
  const r = await agent.send(
    { cmd: 'probe', from: 'x/a', timeoutMs: 600, connect: [{ key: 'udp', ip: '10.99.0.1', port: 8053, protocol: 'UDP' }], attempts: 3 },
    10000,
  )
  t.match(r.results?.[0], { outcome: 'connected', answeredBy: 'x/a' }, '300 ports in use at the cursor: the next free one is taken')
})

// A resolver retransmits an unanswered query (docs/services.md "Names under loss"): a name probe whose first
// queries are lost still resolves, and connects, within its one timeout. Before the agent re-sent its query, the
// lost first datagram made the whole attempt a timeout.
t.test('a name probe re-sends its DNS query within the timeout', { skip, timeout: 60000 }, async (t) => {
  const { agent, pod } = await agentWithPod(t, 'dnsre', [{ port: 8080, protocol: 'TCP' }], { ip: '10.99.0.1', gateway: '169.254.1.1' })
  // A resolver in the pod that ignores the first two queries and answers the third (A 10.99.0.1), then reports
  // the queries it saw: how many, and from how many source ports (a retransmission is the same flow).
  const server = execa('ip', [
    'netns',
    'exec',
    pod,
    'python3',
    '-c',
    [
      'import socket, struct, sys',
      's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("10.99.0.1", 53)); s.settimeout(5)',
      'print("ready", flush=True)',
      'seen = []',
      'while len(seen) < 3:',
      '    d, a = s.recvfrom(512); seen.append(a[1])',
      'q = d[12:]',
      'ans = struct.pack("!HHHHHH", struct.unpack("!H", d[:2])[0], 0x8180, 1, 1, 0, 0) + q + struct.pack("!HHHLH", 0xC00C, 1, 1, 5, 4) + socket.inet_aton("10.99.0.1")',
      's.sendto(ans, a)',
      'print(len(seen), len(set(seen)), flush=True)',
    ].join('\n'),
  ])
  await new Promise<void>((resolve) => server.stdout!.once('data', () => resolve()))
  /** One probe of the name through the pod's resolver, one connection, 800 ms. */
  const byName = async () =>
    (
      await agent.send(
        {
          cmd: 'probe',
          from: 'x/a',
          timeoutMs: 800,
          attempts: 1,
          connect: [
            { key: 'name', ip: '', port: 8080, protocol: 'TCP', resolve: { name: 'api.x.svc.cluster.local', server: '10.99.0.1' } },
          ],
        },
        10000,
      )
    ).results ?? []
  const [r] = await byName()
  t.match(r, { outcome: 'connected', answeredBy: 'x/a' }, 'resolved by the third query, then connected')
  const out = await server
  t.equal(out.stdout.split('\n').at(-1), '3 1', 'three queries, one source port: retransmissions of one flow')

  // Nothing serves DNS at the resolver any more: the kernel answers the query with an ICMP port unreachable. That is an
  // answer, not a drop: a probe error (as agnhost's "connection refused" is on kind), never a blocked or refused cell.
  const [refused] = await byName()
  t.match(refused, { outcome: 'error', detail: /^name lookup failed: connection refused/ })
})

// The one-exec probe script, run for real by sh against a stub agnhost that answers like agnhost connect.
import t from 'tap'
import { execa } from 'execa'
import { chmodSync, existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseProbeOutput, probeCommand } from '../../../src/drivers/kube/probe-script.js'

const conns = [
  { key: 'a', ip: '10.244.0.10', port: 80, protocol: 'TCP' as const },
  { key: 'b', ip: '10.244.0.11', port: 81, protocol: 'UDP' as const },
  { key: 'c', ip: '10.244.0.12', port: 82, protocol: 'TCP' as const },
  { key: 'd', ip: 'fd00::5', port: 83, protocol: 'SCTP' as const },
]

t.test('all connections in one sh process, in parallel, each outcome parsed', async (t) => {
  const dir = t.testdir()
  const stub = join(dir, 'agnhost')
  // Like agnhost connect: exit 0 on success, else exit 1 with a category prefix on stderr.
  writeFileSync(
    stub,
    `#!/bin/sh
echo "$@" >> ${dir}/calls
# A barrier, not a clock: each connect waits (5 s at most) until all four have started, which only happens in parallel.
i=0
while [ "$(wc -l < ${dir}/calls)" -lt 4 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
[ "$(wc -l < ${dir}/calls)" -ge 4 ] || echo "$2" >> ${dir}/alone
case "$2" in
  10.244.0.10:80) exit 0 ;;
  10.244.0.11:81) echo "TIMEOUT: read udp: i/o timeout" >&2; exit 1 ;;
  10.244.0.12:82) echo "REFUSED: dial tcp: connection refused" >&2; exit 1 ;;
  *) echo "OTHER: no route to host" >&2; exit 1 ;;
esac
`,
  )
  chmodSync(stub, 0o755)
  const argv = probeCommand(conns, 1500, stub)
  t.equal(argv[0], '/bin/sh')
  const r = await execa(argv[0], argv.slice(1))
  t.notOk(existsSync(join(dir, 'alone')), 'the four connects ran at the same time (each saw the others start)')
  const out = parseProbeOutput(conns, r.stdout, (c) => `dest-${c.key}`)
  t.same(
    out.map((o) => [o.key, o.outcome, o.answeredBy ?? '']),
    [
      ['a', 'connected', 'dest-a'],
      ['b', 'timeout', ''],
      ['c', 'refused', ''],
      ['d', 'error', ''],
    ],
  )
  t.match(out[3].detail, /OTHER: no route to host/)
  const calls = (await execa('sort', [join(dir, 'calls')])).stdout
  // agnhost connect --timeout is a Go time.Duration flag (connect.go DurationVar): the exact milliseconds asked for.
  t.match(calls, /connect 10\.244\.0\.10:80 --timeout=1500ms --protocol=tcp/)
  t.match(calls, /connect \[fd00::5\]:83 --timeout=1500ms --protocol=sctp/)
})

t.test('nothing unchecked reaches the shell', async (t) => {
  t.throws(() => probeCommand([{ key: 'x', ip: '1.2.3.4; rm -rf /', port: 80, protocol: 'TCP' }], 1000))
  t.throws(() => probeCommand([{ key: 'x', ip: '1.2.3.4', port: 0, protocol: 'TCP' }], 1000))
  t.throws(() => probeCommand([{ key: 'x', ip: '1.2.3.4', port: 80, protocol: 'TCP' }], 2.5), /bad timeout/)
  // service-name probes dial a DNS name (agnhost connect resolves it); nothing but lowercase labels and dots passes.
  const name = probeCommand([{ key: 'x', ip: 'web-a-1f2e3d.web.svc.cluster.local.', port: 80, protocol: 'TCP' }], 1000)[2]
  t.match(name, '/agnhost connect web-a-1f2e3d.web.svc.cluster.local.:80 --timeout=1000ms')
  for (const bad of ['web.$(id).svc', 'web svc', 'Web.svc', 'web..svc', '-web.svc', `${'a'.repeat(64)}.svc`])
    t.throws(() => probeCommand([{ key: 'x', ip: bad, port: 80, protocol: 'TCP' }], 1000), bad)
})

t.test('a missing result line is an error, not a verdict', async (t) => {
  const out = parseProbeOutput(conns.slice(0, 2), '@@0 0 0 \n', (c) => c.key)
  t.same(
    out.map((o) => o.outcome),
    ['connected', 'error'],
  )
})

// agnhost connect resolves names with Go's resolver and prints "DNS: " + Go's DNSError (connect.go; golang/go src/net
// DNSError.Error, dnsclient_unix.go): an unanswered query (every attempt hit the read deadline) is what a policy
// dropping the lookup does, so the cell is blocked; an answer that says no (NXDOMAIN), a refused query or another rcode
// is no policy verdict: a probe error.
t.test('a name lookup nobody answered is a timeout (blocked); any other lookup failure is an error', async (t) => {
  const c = [0, 1, 2, 3].map((i) => ({ key: `k${i}`, ip: 'api-x.app.svc.cluster.local.', port: 80, protocol: 'TCP' as const }))
  const lookup = 'DNS: lookup api-x.app.svc.cluster.local. on 10.96.0.10:53:'
  const out = parseProbeOutput(
    c,
    [
      `@@0 1 0 ${lookup} read udp 10.244.1.5:41234->10.96.0.10:53: i/o timeout`,
      `@@1 1 0 ${lookup} no such host`,
      `@@2 1 0 ${lookup} read udp 10.244.1.5:41234->10.96.0.10:53: connection refused`,
      `@@3 1 0 ${lookup} server misbehaving`,
    ].join('\n'),
    () => 'app/api',
  )
  t.same(
    out.map((o) => o.outcome),
    ['timeout', 'error', 'error', 'error'],
  )
  t.match(out[0].detail, /^name lookup unanswered: DNS: lookup api-x/, 'the blocked cell says the lookup went unanswered')
  t.match(out[1].detail, /no such host/)
})

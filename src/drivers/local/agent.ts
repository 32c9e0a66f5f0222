// Why: the process that lives in one pod's network namespace: it serves every probe target with the pod's
// identity and, on command, connects to many targets in parallel (one command per source pod per round).
// Started as `ip netns exec <ns> node agent.js`; speaks JSON lines on stdin/stdout; exits when stdin closes.
import { createServer, Socket } from 'node:net'
import { type Socket as UdpSocket, createSocket } from 'node:dgram'
import { createInterface } from 'node:readline'
import type { ConnectSpec, RawOutcome } from '../driver.js'
import type { AgentCommand, AgentReply, ListenSpec } from './agent-protocol.js'

let identity = ''

function reply(r: AgentReply): void {
  process.stdout.write(JSON.stringify(r) + '\n')
}

function listen(spec: ListenSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    if (spec.protocol === 'TCP') {
      const server = createServer((sock) => {
        sock.on('error', () => {})
        sock.end(identity + '\n')
      })
      server.on('error', reject)
      server.listen({ port: spec.port, host: '0.0.0.0' }, () => resolve())
    } else if (spec.protocol === 'UDP') {
      const sock = createSocket('udp4')
      sock.on('message', (_msg, rinfo) => sock.send(identity + '\n', rinfo.port, rinfo.address))
      sock.on('error', reject)
      sock.bind(spec.port, '0.0.0.0', () => resolve())
    } else resolve() // SCTP: no socket support here; the driver reports it unsupported.
  })
}

function connectTcp(c: ConnectSpec, timeoutMs: number): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const start = performance.now()
    const sock = new Socket()
    let data = ''
    let done = false
    const finish = (o: Omit<RawOutcome, 'key' | 'latencyMs'>) => {
      if (done) return
      done = true
      clearTimeout(timer)
      sock.destroy()
      resolve({ key: c.key, latencyMs: +(performance.now() - start).toFixed(2), ...o })
    }
    const timer = setTimeout(() => finish(data ? { outcome: 'connected', answeredBy: data.trim() } : { outcome: 'timeout' }), timeoutMs)
    sock.on('data', (d) => {
      data += d.toString()
      if (data.includes('\n')) finish({ outcome: 'connected', answeredBy: data.trim() })
    })
    sock.on('end', () =>
      finish(data ? { outcome: 'connected', answeredBy: data.trim() } : { outcome: 'error', detail: 'connection closed without a reply' }),
    )
    sock.on('error', (e: NodeJS.ErrnoException) =>
      finish(e.code === 'ECONNREFUSED' ? { outcome: 'refused', detail: e.code } : { outcome: 'error', detail: e.code ?? e.message }),
    )
    sock.connect({ host: c.ip, port: c.port })
  })
}

/**
 * UDP source ports the agent picks itself, in Linux's default ephemeral range. The kernel picks a random one per
 * socket, so a later probe may get the port of an earlier flow to the same destination; conntrack then sees that
 * flow's ESTABLISHED entry, and `ct state established accept` lets a packet through that the current policy denies
 * for a new flow. Each destination (address and port) gets its own cursor, one port further per attempt: the same
 * 5-tuple comes back only after 28,232 attempts to that destination, far beyond conntrack's UDP timeouts.
 */
const SOURCE_PORTS = { low: 32768, high: 60999 }
const cursors = new Map<string, number>()

function nextSourcePort(dest: string): number {
  const span = SOURCE_PORTS.high - SOURCE_PORTS.low + 1
  let cur = cursors.get(dest)
  if (cur === undefined) {
    // Destinations start spread over the range, so concurrent probes rarely want the same port.
    cur = 0
    for (const ch of dest) cur = (Math.imul(cur, 31) + ch.charCodeAt(0)) >>> 0
    cur %= span
  }
  cursors.set(dest, (cur + 1) % span)
  return SOURCE_PORTS.low + cur
}

/** A UDP socket bound to a source port never used before towards `c` (ports another socket holds are skipped). */
async function freshUdpSocket(c: ConnectSpec): Promise<UdpSocket | Error> {
  let last: Error = new Error('no free source port')
  for (let i = 0; i < 32; i++) {
    const sock = createSocket({ type: c.ip.includes(':') ? 'udp6' : 'udp4', reuseAddr: false })
    const bound = await new Promise<Error | undefined>((resolve) => {
      sock.once('error', resolve)
      sock.bind({ port: nextSourcePort(`${c.ip}:${c.port}`), exclusive: true }, () => {
        sock.removeListener('error', resolve)
        resolve(undefined)
      })
    })
    if (!bound) return sock
    last = bound
    try {
      sock.close()
    } catch {}
    if ((bound as NodeJS.ErrnoException).code !== 'EADDRINUSE') break
  }
  return last
}

function connectUdp(c: ConnectSpec, timeoutMs: number): Promise<RawOutcome> {
  const start = performance.now()
  return freshUdpSocket(c).then(
    (sock) =>
      new Promise((resolve) => {
        const finish = (o: Omit<RawOutcome, 'key' | 'latencyMs'>) =>
          resolve({ key: c.key, latencyMs: +(performance.now() - start).toFixed(2), ...o })
        if (sock instanceof Error) return finish({ outcome: 'error', detail: `no fresh UDP source port: ${sock.message}` })
        let done = false
        const end = (o: Omit<RawOutcome, 'key' | 'latencyMs'>) => {
          if (done) return
          done = true
          clearTimeout(timer)
          try {
            sock.close()
          } catch {}
          finish(o)
        }
        const timer = setTimeout(() => end({ outcome: 'timeout' }), Math.max(0, timeoutMs - (performance.now() - start)))
        sock.on('message', (msg) => end({ outcome: 'connected', answeredBy: msg.toString().trim() }))
        sock.on('error', (e: NodeJS.ErrnoException) =>
          end(e.code === 'ECONNREFUSED' ? { outcome: 'refused', detail: e.code } : { outcome: 'error', detail: e.code ?? e.message }),
        )
        sock.connect(c.port, c.ip, () => sock.send('probe\n'))
      }),
  )
}

function connectOnce(c: ConnectSpec, timeoutMs: number): Promise<RawOutcome> {
  if (c.protocol === 'TCP') return connectTcp(c, timeoutMs)
  if (c.protocol === 'UDP') return connectUdp(c, timeoutMs)
  return Promise.resolve({ key: c.key, outcome: 'error', latencyMs: 0, detail: 'SCTP is not supported by the local agent' })
}

/**
 * Hedged connection: a new attempt starts every timeout/attempts while none has answered, all within the one
 * timeout. A lost SYN or datagram then costs one hedge, not a false "blocked"; a blocked connection still
 * costs one timeout. The first definite answer (connected, refused, error) wins.
 */
function connect(c: ConnectSpec, timeoutMs: number, attempts: number): Promise<RawOutcome> {
  if (attempts <= 1) return connectOnce(c, timeoutMs)
  return new Promise((resolve) => {
    const start = performance.now()
    let pending = 0
    let launched = 0
    let done = false
    const timers: NodeJS.Timeout[] = []
    const launch = (i: number) => {
      if (done) return
      pending++
      launched++
      void connectOnce(c, timeoutMs - (performance.now() - start)).then((o) => {
        pending--
        if (done) return
        if (o.outcome !== 'timeout' || (pending === 0 && launched === attempts)) {
          done = true
          timers.forEach(clearTimeout)
          resolve({
            ...o,
            latencyMs: +(performance.now() - start).toFixed(2),
            ...(i > 0 ? { detail: [o.detail, `attempt ${i + 1}`].filter(Boolean).join(', ') } : {}),
          })
        }
      })
    }
    for (let i = 0; i < attempts; i++) timers.push(setTimeout(() => launch(i), (i * timeoutMs) / attempts))
  })
}

async function handle(cmd: AgentCommand): Promise<void> {
  switch (cmd.cmd) {
    case 'serve':
      identity = cmd.identity
      try {
        await Promise.all(cmd.listen.map(listen))
        reply({ id: cmd.id, ok: true })
      } catch (e) {
        reply({ id: cmd.id, ok: false, error: (e as Error).message })
      }
      return
    case 'probe': {
      const results = await Promise.all(cmd.connect.map((c) => connect(c, cmd.timeoutMs, cmd.attempts ?? 1)))
      reply({ id: cmd.id, ok: true, results })
      return
    }
  }
}

const rl = createInterface({ input: process.stdin })
rl.on('line', (line) => {
  if (!line.trim()) return
  let cmd: AgentCommand
  try {
    cmd = JSON.parse(line)
  } catch {
    reply({ id: -1, ok: false, error: `bad command: ${line.slice(0, 80)}` })
    return
  }
  void handle(cmd)
})
rl.on('close', () => process.exit(0))

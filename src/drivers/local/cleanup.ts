// Why: nothing left behind: remove our namespaces (and the processes in them) for dead or given sessions.
import { readdirSync, readlinkSync, rmSync, statSync } from 'node:fs'
import type { Exec } from '../exec.js'
import { OWNER_DIR, PREFIX, sessionAlive, sessionOf } from './names.js'

/** Names of every network namespace on the machine. */
async function listNamespaces(exec: Exec): Promise<string[]> {
  const r = await exec('ip', ['netns', 'list'])
  if (r.exitCode !== 0) return []
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter(Boolean)
}

/** Kills every process inside `ns`, then deletes it. */
export async function removeNamespace(exec: Exec, ns: string): Promise<void> {
  await removeNamespaces(exec, [ns])
}

/**
 * Kills every process inside any of `namespaces` (one pass over /proc, as `ip netns pids` does for one), then deletes
 * them all in one `ip -batch` in the order given. One `ip netns pids` and one `ip netns del` per namespace took 283 s
 * for 1,000 pods: each scans /proc or copies the mount namespace, and they all ran at once.
 */
async function removeNamespaces(exec: Exec, namespaces: readonly string[]): Promise<void> {
  const inodes = new Set<number>()
  for (const ns of namespaces) {
    try {
      inodes.add(statSync(`/run/netns/${ns}`).ino)
    } catch {}
  }
  if (inodes.size) {
    let pids: string[] = []
    try {
      pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d))
    } catch {}
    for (const pid of pids) {
      if (Number(pid) === process.pid) continue
      let link = ''
      try {
        link = readlinkSync(`/proc/${pid}/ns/net`)
      } catch {
        continue
      }
      const ino = Number(/^net:\[(\d+)\]$/.exec(link)?.[1])
      if (!inodes.has(ino)) continue
      try {
        process.kill(Number(pid), 'SIGKILL')
      } catch {}
    }
  }
  if (namespaces.length) await exec('ip', ['-force', '-batch', '-'], { input: namespaces.map((ns) => `netns del ${ns}`).join('\n') + '\n' })
}

/**
 * Removes namespaces of sessions whose owner is gone (a crashed or killed run), or of `only` when given
 * (even if alive: used by the driver for its own session). Returns the namespaces removed.
 */
export async function cleanupSessions(exec: Exec, opts: { only?: string; includeAlive?: boolean } = {}): Promise<string[]> {
  const removed: string[] = []
  const all = (await listNamespaces(exec)).filter((ns) => ns.startsWith(PREFIX))
  const sids = new Set(all.map(sessionOf).filter((s): s is string => !!s))
  for (const sid of sids) {
    if (opts.only && sid !== opts.only) continue
    if (!opts.only && !opts.includeAlive && sessionAlive(sid)) continue
    const mine = all.filter((ns) => sessionOf(ns) === sid)
    // Pods and externals first, then nodes and the fabric (their links go with them).
    mine.sort((a, b) => rank(a) - rank(b))
    await removeNamespaces(exec, mine)
    removed.push(...mine)
    rmSync(`${OWNER_DIR}/${sid}.pid`, { force: true })
  }
  // Owner files of sessions with no namespace left.
  try {
    for (const f of readdirSync(OWNER_DIR)) {
      const sid = f.replace(/\.pid$/, '')
      if (!sids.has(sid) && !sessionAlive(sid)) rmSync(`${OWNER_DIR}/${f}`, { force: true })
    }
  } catch {}
  return removed
}

function rank(ns: string): number {
  return /-[pe]\d+$/.test(ns) ? 0 : 1
}

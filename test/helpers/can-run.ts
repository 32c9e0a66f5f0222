// Why: tests that need the local dataplane (root, ip, nft, and sometimes more tools) say why they skip, one way,
// and list the network namespaces they look for, one way.
import { execa } from 'execa'
import { existsSync, readFileSync } from 'node:fs'
import { OWNER_DIR, sessionOf } from '../../src/drivers/local/names.js'

/** Why this machine cannot run network-namespace tests, or false; `extra` tools are checked too ([tool, version flag]). */
export async function cannotRunLocal(extra: readonly (readonly [string, string])[] = []): Promise<string | false> {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and nftables)'
  for (const [tool, arg] of [['ip', '-V'], ['nft', '--version'], ...extra] as const)
    if ((await execa(tool, [arg], { reject: false })).exitCode !== 0)
      return `needs ${tool}${tool === 'ip' || tool === 'nft' ? ' (apt-get install iproute2 nftables)' : ''}`
  return false
}

/** The network namespaces on this machine whose names start with `prefix` (every one without it). */
export async function netnsNames(prefix = ''): Promise<string[]> {
  const r = await execa('ip', ['netns', 'list'], { reject: false })
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n && n.startsWith(prefix))
}

/**
 * Network namespaces this process made since `before` (a list from `netnsNames`): new ones whose session no other
 * live process owns (other test files and other runs may create theirs meanwhile; their owner files name them).
 */
export async function netnsCreatedSince(before: readonly string[]): Promise<string[]> {
  const owner = (ns: string) => {
    const f = `${OWNER_DIR}/${sessionOf(ns)}.pid`
    return existsSync(f) ? Number(readFileSync(f, 'utf8')) : undefined
  }
  const fresh = (await netnsNames()).filter((n) => !before.includes(n))
  return fresh.filter((n) => {
    const pid = owner(n)
    return pid === undefined || pid === process.pid
  })
}

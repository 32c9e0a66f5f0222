// Why: every namespace the local driver makes carries `nph-<sid>-`, so leftovers are found and owners known.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'

/** The prefix of every namespace the local driver makes, so leftovers are found. */
export const PREFIX = 'nph-'
/** Where a live run records its pid, so cleanup never touches a run that is still going. */
export const OWNER_DIR = '/run/netpol-harness'

/** A short session id: 6 hex characters. */
export function newSessionId(): string {
  return randomBytes(3).toString('hex')
}

/** The namespace names of a session's nodes, pods, externals and fabric. */
export const nsName = {
  node: (sid: string, i: number) => `${PREFIX}${sid}-n${i}`,
  pod: (sid: string, i: number) => `${PREFIX}${sid}-p${i}`,
  external: (sid: string, i: number) => `${PREFIX}${sid}-e${i}`,
  fabric: (sid: string) => `${PREFIX}${sid}-fab`,
}

/** Session id of a namespace we own, or undefined. */
export function sessionOf(ns: string): string | undefined {
  return /^nph-([0-9a-f]{6})-/.exec(ns)?.[1]
}

/** Records this process as the session's owner (cleanup leaves a live owner's namespaces alone). */
export function claimSession(sid: string): void {
  mkdirSync(OWNER_DIR, { recursive: true })
  writeFileSync(`${OWNER_DIR}/${sid}.pid`, String(process.pid))
}

/** Forgets the session's owner once its namespaces are gone. */
export function releaseSession(sid: string): void {
  rmSync(`${OWNER_DIR}/${sid}.pid`, { force: true })
}

/** True when the session's owner process is still running. */
export function sessionAlive(sid: string): boolean {
  const file = `${OWNER_DIR}/${sid}.pid`
  if (!existsSync(file)) return false
  const pid = Number(readFileSync(file, 'utf8'))
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

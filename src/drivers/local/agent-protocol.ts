// Why: the JSON-lines protocol between the harness and the per-pod agents (one message per line on stdio).
import type { Protocol } from '../../model/cluster.js'
import type { ConnectSpec, RawOutcome } from '../driver.js'

/** One server an agent runs: a port and protocol. */
export interface ListenSpec {
  readonly port: number
  readonly protocol: Protocol
}

/** What the harness asks an agent: serve with an identity, or probe a round's connections. */
export type AgentCommand =
  | { readonly cmd: 'serve'; readonly id: number; readonly identity: string; readonly listen: readonly ListenSpec[] }
  | {
      readonly cmd: 'probe'
      readonly id: number
      readonly timeoutMs: number
      readonly connect: readonly ConnectSpec[]
      readonly attempts?: number
    }

/** An agent's answer to one command (matched by id), with the probe outcomes. */
export type AgentReply =
  | { readonly id: number; readonly ok: true; readonly results?: readonly RawOutcome[] }
  | { readonly id: number; readonly ok: false; readonly error: string }

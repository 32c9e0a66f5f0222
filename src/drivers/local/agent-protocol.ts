// Why: the JSON-lines protocol between the harness and the per-pod agents (one message per line on stdio).
import type { Protocol } from '../../model/cluster.js'
import type { ConnectSpec, RawOutcome } from '../driver.js'

export interface ListenSpec {
  readonly port: number
  readonly protocol: Protocol
}

export type AgentCommand =
  | { readonly cmd: 'serve'; readonly id: number; readonly identity: string; readonly listen: readonly ListenSpec[] }
  | { readonly cmd: 'probe'; readonly id: number; readonly timeoutMs: number; readonly connect: readonly ConnectSpec[]; readonly attempts?: number }

export type AgentReply =
  | { readonly id: number; readonly ok: true; readonly results?: readonly RawOutcome[] }
  | { readonly id: number; readonly ok: false; readonly error: string }

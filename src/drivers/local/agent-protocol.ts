// Why: the JSON-lines protocol between the harness and the agents (one message per line on stdio). One agent
// process serves many endpoints (every pod of a node, or every external), each known by its identity.
import type { IPFamily, Protocol } from '../../model/cluster.js'
import type { ConnectSpec, RawOutcome } from '../driver.js'

/** One server an agent runs: a port and protocol. */
export interface ListenSpec {
  readonly port: number
  readonly protocol: Protocol
}

/**
 * What the harness asks an agent: serve an endpoint (its sockets made inside `netns`, answering with `identity`),
 * stop serving one (its sockets closed, before its namespace goes), flush its own namespace's conntrack, or probe a round's connections from one.
 */
export type AgentCommand =
  | {
      readonly cmd: 'serve'
      readonly id: number
      readonly identity: string
      readonly netns: string
      readonly listen: readonly ListenSpec[]
      /** The families it serves on: one socket per family and listen spec (default IPv4 only). */
      readonly families?: readonly IPFamily[]
      /**
       * A new pod's own side of its link, set up by the agent first: lo and eth0 up, `ip`/32 and the route via
       * `gateway`; `ip6`/128 (without duplicate address detection) and the default route via `gateway6`.
       */
      readonly setup?: { readonly ip?: string; readonly gateway: string; readonly ip6?: string; readonly gateway6?: string }
      /** Service names and their ClusterIPs: the agent's UDP servers answer DNS queries for them (docs/services.md). */
      readonly dns?: Readonly<Record<string, readonly string[]>>
    }
  | { readonly cmd: 'unserve'; readonly id: number; readonly identity: string }
  /** Run an nft script in the agent's own namespace (a node's) through libnftables, atomically as `nft -f`. */
  | { readonly cmd: 'nft'; readonly id: number; readonly script: string }
  /** Forget every conntrack entry of the agent's own namespace (a reused topology starts as a fresh one). */
  | { readonly cmd: 'flush-conntrack'; readonly id: number }
  | {
      readonly cmd: 'probe'
      readonly id: number
      readonly from: string
      readonly timeoutMs: number
      readonly connect: readonly ConnectSpec[]
      readonly attempts?: number
    }

/** An agent's answer to one command (matched by id), with the probe outcomes. */
export type AgentReply =
  | { readonly id: number; readonly ok: true; readonly results?: readonly RawOutcome[]; readonly output?: string }
  | { readonly id: number; readonly ok: false; readonly error: string }

// Why: the run report, the public, versioned JSON contract (ARCHITECTURE.md 3.4). Add fields; never change them.
import type { Protocol } from '../model/cluster.js'
import type { Classification, Counts } from '../compare/classification.js'
import type { Attempt, ObservationResult } from '../model/observation.js'
import type { IntentVerdict } from '../model/scenario.js'

export const SCHEMA_VERSION = 1

export interface CellReport {
  readonly from: string
  readonly to: string
  readonly port: number
  readonly protocol: Protocol
  /** What the scenario's author meant (absent when the step says nothing about the cell). */
  readonly intent?: IntentVerdict
  readonly prediction: 'allow' | 'deny'
  readonly observation: {
    readonly result: ObservationResult
    readonly latencyMs?: number
    readonly answeredBy?: string
    readonly detail?: string
    /** Every attempt: one per probe round, then the re-probes of a disagreement. */
    readonly attempts: readonly Attempt[]
  }
  readonly classification: Classification
  readonly intentViolation: boolean
  /** Milliseconds from the step's changes being accepted to the first round from which the cell agreed. */
  readonly timeToEnforceMs: number | null
  /** The evaluator's account, for cells that are not a plain match. */
  readonly explanation?: string
}

/** A window during a fault when observation disagreed with prediction the same way. */
export interface DisagreementWindow {
  readonly kind: 'fail-open' | 'fail-closed'
  /** Milliseconds since the step's changes were accepted. */
  readonly startMs: number
  readonly endMs: number
  /** How many cells disagreed at some point in the window. */
  readonly cells: number
}

/** A fault injected during a step (chaos steps) and what continuous probing saw meanwhile. */
export interface ChaosReport {
  readonly action: string
  readonly target?: string
  readonly startMs: number
  readonly endMs: number
  /** From the fault's end to agreement again; null if it never came back. */
  readonly recoveryMs: number | null
  readonly windows: readonly DisagreementWindow[]
  /** Set when the driver cannot inject this fault; nothing else is then meaningful. */
  readonly unsupported?: string
  /** maxFailOpen (always, default 0) / maxFailClosed / maxRecovery (when the scenario states them). */
  readonly invariants?: readonly { readonly name: string; readonly limitMs: number; readonly observedMs: number | null; readonly passed: boolean }[]
}

export interface StepReport {
  readonly index: number
  readonly name: string
  readonly targets: readonly { port: number; protocol: Protocol }[]
  readonly timeoutMs: number
  /** Milliseconds the driver took to accept the step's changes. */
  readonly applyMs: number
  readonly rounds: number
  readonly converged: boolean
  /** Milliseconds from the changes being accepted to the round where every cell agreed; null if never. */
  readonly timeToEnforceMs: number | null
  readonly durationMs: number
  readonly counts: Counts
  readonly cells: readonly CellReport[]
  /** Faults injected during the step, if it is a chaos step. */
  readonly chaos?: readonly ChaosReport[]
}

export interface ScenarioReport {
  readonly name: string
  readonly file: string
  readonly description?: string
  readonly tags: readonly string[]
  readonly setupMs: number
  readonly durationMs: number
  readonly steps: readonly StepReport[]
  /** Set when the scenario could not finish (infrastructure failure). */
  readonly error?: string
}

export interface Summary {
  readonly scenarios: number
  readonly steps: number
  readonly cells: number
  readonly counts: Counts
  readonly probesPerSecond: number
  readonly exitCode: number
}

export interface RunReport {
  readonly schemaVersion: typeof SCHEMA_VERSION
  readonly runId: string
  readonly startedAt: string
  readonly finishedAt: string
  readonly durationMs: number
  readonly harness: { readonly name: 'netpol-harness'; readonly version: string; readonly node: string }
  readonly driver: { readonly name: string; readonly cni: string; readonly versions: Readonly<Record<string, string>>; readonly timings?: Readonly<Record<string, number>> }
  readonly options: { readonly settleMs: number; readonly reprobes: number; readonly roundIntervalMs: number }
  readonly summary: Summary
  readonly scenarios: readonly ScenarioReport[]
  readonly diagnostics: readonly string[]
}

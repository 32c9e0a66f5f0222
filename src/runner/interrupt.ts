// Why: what stopped a run early travels as the abort reason, so the report and the exit code name the same cause.
import type { InterruptedBy } from '../report/model.js'

/** Causes a live process can see (a killed one cannot say anything; `lost` is for reports rebuilt afterwards). */
export type LiveInterrupt = Exclude<InterruptedBy, 'lost'>

/** Exit codes of an interrupted run: 128 + the signal's number (SIGHUP 1, SIGINT 2, SIGPIPE 13, SIGTERM 15), as a shell reports them. */
export const INTERRUPT_EXIT_CODES: Readonly<Record<InterruptedBy, number>> = {
  SIGHUP: 129,
  SIGINT: 130,
  EPIPE: 141,
  SIGTERM: 143,
  lost: 137,
}

/** The abort reason of an interrupted run. */
export class Interrupt extends Error {
  constructor(readonly by: LiveInterrupt) {
    super(by === 'EPIPE' ? 'the output was closed (EPIPE)' : `${by} received`)
    this.name = 'Interrupt'
  }
}

/** Why `signal` aborted; an abort without an `Interrupt` reason counts as Ctrl-C. */
export function interruptOf(signal: AbortSignal): LiveInterrupt {
  return signal.reason instanceof Interrupt ? signal.reason.by : 'SIGINT'
}

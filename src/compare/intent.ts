// Why: what the scenario's author meant for one cell: rules in order (later wins), then the default.
import type { Target } from '../model/cluster.js'
import type { Expect, IntentVerdict } from '../model/scenario.js'
import { patternMatches } from '../scenario/patterns.js'

/** The intended verdict, or undefined when the step asserts nothing about this cell (a pod to itself never is). */
export function intendedVerdict(expect: Expect | undefined, from: string, to: string, target: Target): IntentVerdict | undefined {
  if (!expect || from === to) return undefined
  let verdict: IntentVerdict | undefined = expect.default
  for (const r of expect.rules) {
    if (r.port !== undefined && r.port !== target.port) continue
    if (r.protocol !== undefined && r.protocol !== target.protocol) continue
    if (r.family !== undefined && r.family !== (target.family ?? r.family)) continue
    if (r.via !== undefined && r.via !== (target.via ?? 'pod-ip')) continue
    if (patternMatches(r.from, from) && patternMatches(r.to, to)) verdict = r.verdict
  }
  return verdict
}

// Why: every probe target a scenario uses (its own and its steps'), once each: what pods must serve.
import type { Target } from '../model/cluster.js'
import type { Scenario } from '../model/scenario.js'

export function uniqueTargets(s: Scenario): Target[] {
  const seen = new Map<string, Target>()
  for (const t of [...s.probe.targets, ...s.steps.flatMap((st) => st.probe.targets)]) seen.set(`${t.port}/${t.protocol}`, t)
  return [...seen.values()]
}

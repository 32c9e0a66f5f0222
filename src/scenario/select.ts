// Why: `--tags` / `--skip`: choose scenarios by their tags; `--step`: choose a step of a scenario by its name or number.
import { UsageError } from '../errors.js'
import type { Scenario } from '../model/scenario.js'

/** Splits repeatable, comma-separated tag options into a set. */
export function tagSet(values: readonly string[]): Set<string> {
  return new Set(
    values
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter(Boolean),
  )
}

/** Scenarios with at least one tag of `include` (all when empty) and none of `exclude`. */
export function selectByTags(scenarios: readonly Scenario[], include: ReadonlySet<string>, exclude: ReadonlySet<string>): Scenario[] {
  return scenarios.filter((s) => (include.size === 0 || s.tags.some((t) => include.has(t))) && !s.tags.some((t) => exclude.has(t)))
}

/** The index of a step named `step`, or of the step with that 1-based number (`--step`); a usage error listing the steps otherwise. */
export function stepIndex(s: Scenario, step: string): number {
  const byName = s.steps.findIndex((x) => x.name === step)
  if (byName >= 0) return byName
  const n = Number(step)
  if (Number.isInteger(n) && n >= 1 && n <= s.steps.length) return n - 1
  throw new UsageError(`no step "${step}" in scenario ${s.name}; steps: ${s.steps.map((x, i) => `${i + 1}:${x.name}`).join(', ')}`)
}

// Why: `--tags` / `--skip`: choose scenarios by their tags.
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

// Why: run every rule over groups of lint sets (a scenario's steps, or one folder of manifests) and merge findings.
import type { Finding, LintOptions, LintSet, RuleId, Severity } from './model.js'
import { SEVERITIES } from './model.js'
import { GAP_RULES, RULES } from './rules.js'

/** The states of one input that are linted together: one per scenario step, or one for plain manifests. */
export interface LintGroup {
  readonly name: string
  readonly sets: readonly LintSet[]
}

const keyOf = (f: Finding) => `${f.rule}|${f.source.file}|${f.source.doc}|${f.source.path.join('.')}|${f.message}`

/**
 * Findings of every enabled rule. A finding is kept when it holds in any state of a group, except gap rules
 * (a namespace without a default deny), which must hold in every state: a scenario that adds the default
 * deny in a later step has no gap.
 */
export function lint(groups: readonly LintGroup[], opts: LintOptions, disabled: ReadonlySet<RuleId> = new Set()): Finding[] {
  const out = new Map<string, Finding>()
  for (const group of groups) {
    for (const rule of RULES) {
      if (disabled.has(rule.id)) continue
      const perSet = group.sets.map((set) => rule.check(set, opts).map((f): Finding => ({ rule: rule.id, severity: rule.severity, ...f })))
      let kept = perSet.flat()
      if (GAP_RULES.has(rule.id)) {
        const everywhere = perSet.map((fs) => new Set(fs.map(keyOf)))
        kept = (perSet[0] ?? []).filter((f) => everywhere.every((s) => s.has(keyOf(f))))
      }
      for (const f of kept) if (!out.has(keyOf(f))) out.set(keyOf(f), f)
    }
  }
  return [...out.values()]
}

/** True when `s` is at or above `threshold`. */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(s) >= SEVERITIES.indexOf(threshold)
}

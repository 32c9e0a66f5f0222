// Why: findings as text for people, a table (one row per finding, as `kubectl get`), JSON or YAML for scripts, and
// SARIF 2.1.0 for code scanning (pure renderers).
import { stringify } from 'yaml'
import { formatPath } from '../scenario/yaml-source.js'
import { type Finding, type RuleId, type Severity, SEVERITIES } from './model.js'
import { RULE_HELP } from './rule-help.js'
import { RULES } from './rules.js'
import { VERSION } from '../version.js'
import { columns } from '../util/columns.js'

/** A finding with its line and column resolved. */
export interface LocatedFinding extends Finding {
  readonly line: number
  readonly column: number
}

/** How the text output is cut down. */
export interface TextOptions {
  /** Places listed per rule before "+N more"; 0 lists every one. */
  readonly maxPerRule: number
}

const place = (f: LocatedFinding) => `${f.source.file}:${f.line}:${f.column}`

/**
 * Findings for people: one block per rule (severity, rule, count, the usual fix), then one line per distinct
 * message with the places it was found (identical findings share a line), cut at `maxPerRule` places, then a
 * summary table per rule. Worst severity first, then the documented rule order.
 */
export function renderLintText(findings: readonly LocatedFinding[], opts: TextOptions = { maxPerRule: 5 }): string {
  if (findings.length === 0) return ''
  const byRule = new Map<RuleId, LocatedFinding[]>()
  for (const f of findings) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f])
  const rules = RULES.filter((r) => byRule.has(r.id)).sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity))
  const limit = opts.maxPerRule > 0 ? opts.maxPerRule : Infinity
  const out: string[] = []
  for (const r of rules) {
    const fs = byRule.get(r.id)!
    out.push(`${fs[0].severity} [${r.id}] ${fs.length} finding${fs.length === 1 ? '' : 's'}: ${r.description}\n`)
    // Identical findings (same message and hint) in several places share one line.
    const groups = new Map<string, LocatedFinding[]>()
    for (const f of fs) groups.set(`${f.message}\0${f.hint}`, [...(groups.get(`${f.message}\0${f.hint}`) ?? []), f])
    let shown = 0
    for (const g of groups.values()) {
      if (shown >= limit) break
      const places = g.slice(0, Math.max(1, limit - shown))
      shown += places.length
      const where = places.map((f) => `${place(f)}${f.source.path.length ? ` ${formatPath(f.source.path)}` : ''}`).join(', ')
      const more = g.length > places.length ? ` (+${g.length - places.length} more places)` : ''
      out.push(`  ${where}: ${g[0].message}${more}\n    fix: ${g[0].hint}\n`)
    }
    if (fs.length > shown) out.push(`  ... ${fs.length - shown} more (--max-per-rule 0 lists all; -o json gives every finding)\n`)
  }
  out.push('\nSummary by rule:\n')
  for (const r of rules) {
    const fs = byRule.get(r.id)!
    out.push(`  ${r.id.padEnd(30)} ${fs[0].severity.padEnd(8)} ${String(fs.length).padStart(5)}  ${RULE_HELP[r.id].fix}\n`)
  }
  return out.join('')
}

/** Findings as a table, one row per finding in the order given (file, line): place, severity, rule, where in the object, message. */
export function renderLintTable(findings: readonly LocatedFinding[]): string {
  return columns(
    ['place', 'severity', 'rule', 'path', 'message'],
    findings.map((f) => [place(f), f.severity, f.rule, formatPath(f.source.path), f.message]),
  )
}

/** Findings as one JSON document. */
export function renderLintJson(findings: readonly LocatedFinding[]): string {
  return JSON.stringify(findingsDocument(findings), null, 2)
}

/** Findings as YAML: the same document as JSON. */
export function renderLintYaml(findings: readonly LocatedFinding[]): string {
  return stringify(findingsDocument(findings))
}

/** The document JSON and YAML print: every finding with its place. */
function findingsDocument(findings: readonly LocatedFinding[]) {
  return {
    findings: findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      file: f.source.file,
      line: f.line,
      column: f.column,
      path: formatPath(f.source.path),
      message: f.message,
      hint: f.hint,
    })),
  }
}

const SARIF_LEVEL: Record<Severity, 'note' | 'warning' | 'error'> = { info: 'note', warning: 'warning', error: 'error' }

/** SARIF 2.1.0, as GitHub code scanning and other tools read it; `helpBase` (the docs page of the rules) gives each rule a `helpUri`. */
export function renderLintSarif(findings: readonly LocatedFinding[], helpBase?: string): string {
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'netpol-harness',
            version: VERSION,
            rules: RULES.map((r) => ({
              id: r.id,
              name: r.id,
              shortDescription: { text: r.description },
              fullDescription: { text: RULE_HELP[r.id].details },
              help: {
                text: `${RULE_HELP[r.id].details} Fix: ${RULE_HELP[r.id].fix}`,
                markdown: `${RULE_HELP[r.id].details}\n\n**Fix:** ${RULE_HELP[r.id].fix}`,
              },
              ...(helpBase ? { helpUri: `${helpBase}#${r.id}` } : {}),
              defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: RULES.findIndex((r) => r.id === f.rule),
          level: SARIF_LEVEL[f.severity],
          message: { text: `${f.message}. Fix: ${f.hint}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.source.file.split('\\').join('/') },
                region: { startLine: f.line, startColumn: f.column },
              },
              logicalLocations: [{ fullyQualifiedName: formatPath(f.source.path) || '(document)' }],
            },
          ],
        })),
      },
    ],
  }
  return JSON.stringify(sarif, null, 2)
}

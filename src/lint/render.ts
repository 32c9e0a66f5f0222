// Why: findings as text for people, JSON for scripts, and SARIF 2.1.0 for code scanning (pure renderers).
import { formatPath } from '../scenario/yaml-source.js'
import type { Finding, Severity } from './model.js'
import { RULES } from './rules.js'
import { VERSION } from '../version.js'

/** A finding with its line and column resolved. */
export interface LocatedFinding extends Finding {
  readonly line: number
  readonly column: number
}

/** `file:line:col: severity [rule] path: message (hint)`, one per line, sorted by file and line. */
export function renderLintText(findings: readonly LocatedFinding[]): string {
  return findings
    .map(
      (f) =>
        `${f.source.file}:${f.line}:${f.column}: ${f.severity} [${f.rule}] ${formatPath(f.source.path)}: ${f.message}\n  fix: ${f.hint}\n`,
    )
    .join('')
}

/** Findings as one JSON document. */
export function renderLintJson(findings: readonly LocatedFinding[]): string {
  return JSON.stringify(
    {
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
    },
    null,
    2,
  )
}

const SARIF_LEVEL: Record<Severity, 'note' | 'warning' | 'error'> = { info: 'note', warning: 'warning', error: 'error' }

/** SARIF 2.1.0, as GitHub code scanning and other tools read it. */
export function renderLintSarif(findings: readonly LocatedFinding[]): string {
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

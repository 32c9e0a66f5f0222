// Why: a report people can read in a terminal or a pull request: summary, then per step truth tables.
import { CLASSIFICATIONS, isProblem } from '../compare/classification.js'
import { stepTable } from './cells.js'
import { GLYPH } from './glyphs.js'
import type { RunReport, StepReport } from './model.js'
import { renderTarget } from './render-table.js'
import { cellLine } from './render-junit.js'

/** The observed truth tables of a step, one per target, with problem cells marked `*`. */
function observedTables(st: StepReport): string {
  const table = stepTable(st)
  return st.targets
    .map((_, ti) =>
      renderTarget(table, ti, {
        glyph: (c) => GLYPH[c.observation.result],
        mismatch: (_from, _to, _target, c) => isProblem(c.classification),
      }),
    )
    .join('\n')
}

/** The run as Markdown: verdict, counts, diagnostics, then per scenario and step the tables and problem cells. */
export function renderMarkdown(r: RunReport): string {
  const c = r.summary.counts
  const verdict =
    r.summary.exitCode === 0
      ? 'PASS'
      : r.summary.exitCode === 1
        ? 'FAIL (disagreements)'
        : r.interrupted
          ? `INTERRUPTED (${r.interrupted.by})`
          : 'ERROR (infrastructure)'
  const lines = [
    `# netpol-harness run ${r.runId}: ${verdict}`,
    '',
    `Driver: ${r.driver.name} (${r.driver.cni}); ${Object.entries(r.driver.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `Harness ${r.harness.version} on Node ${r.harness.node}; ${r.summary.scenarios} scenarios, ${r.summary.steps} steps, ${r.summary.cells} cells in ${(r.durationMs / 1000).toFixed(1)} s (${r.summary.probesPerSecond} probes/s).`,
    '',
    `| ${CLASSIFICATIONS.join(' | ')} |`,
    `|${'---|'.repeat(CLASSIFICATIONS.length)}`,
    `| ${CLASSIFICATIONS.map((k) => c[k]).join(' | ')} |`,
    '',
    'Glyphs: `.` allowed, `X` blocked, `R` refused, `!` error, `-` skipped, `?` unsupported; `*` marks a cell that disagrees.',
    '',
  ]
  if (r.interrupted) lines.push(`**Interrupted** (${r.interrupted.by}): ${r.interrupted.detail}.`, '')
  if (r.diagnostics.length) lines.push('## Diagnostics', '', ...r.diagnostics.map((d) => `- ${d}`), '')
  for (const s of r.scenarios) {
    lines.push(`## ${s.name}`, '', `${s.file}${s.description ? `: ${s.description}` : ''}`, '')
    if (s.error) lines.push(`**Error:** ${s.error}`, '')
    for (const st of s.steps) {
      const problems = st.cells.filter((x) => isProblem(x.classification))
      lines.push(
        `### Step ${st.index + 1}: ${st.name}`,
        '',
        `${st.rounds} rounds, ${st.interrupted ? '**interrupted** (the rounds completed are kept)' : st.converged ? `converged; time to enforce ${st.timeToEnforceMs} ms` : '**did not converge**'}; ${problems.length} disagreeing cells.`,
        '',
        '```',
        observedTables(st),
        '```',
        '',
      )
      for (const ch of st.chaos ?? []) {
        const windows =
          ch.windows.map((w) => `${w.kind} ${w.startMs}-${w.endMs} ms (${w.cells} cells)`).join(', ') || 'no disagreement window'
        lines.push(
          `- chaos ${ch.action}${ch.target ? ` on ${ch.target}` : ''} at ${ch.startMs}-${ch.endMs} ms: ${ch.unsupported ? `unsupported (${ch.unsupported})` : `${windows}; recovery ${ch.recoveryMs === null ? 'never' : `${ch.recoveryMs} ms`}`}`,
        )
        for (const i of ch.invariants ?? [])
          lines.push(`  - ${i.name} <= ${i.limitMs} ms: observed ${i.observedMs ?? 'never'} ms, ${i.passed ? 'ok' : '**violated**'}`)
      }
      if (st.chaos?.length) lines.push('')
      if (problems.length) lines.push(...problems.map((x) => `- ${cellLine(x)}`), '')
    }
  }
  return lines.join('\n')
}

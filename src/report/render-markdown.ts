// Why: a report people can read in a terminal or a pull request: summary, then per step truth tables. Produced
// chunk by chunk (a table row, a cell line), so a run of any size never becomes one string.
import { CLASSIFICATIONS, isProblem } from '../compare/classification.js'
import { stagedLines, stepTable } from './cells.js'
import { GLYPH } from './glyphs.js'
import type { RunReport, StepReport } from './model.js'
import { targetChunks } from './render-table.js'
import { cellLine } from './render-junit.js'
import { driverChoiceText, faultsText, isFaultInjected, optionEntries, versionsText } from './run-options.js'

/** The observed truth tables of a step, one per target separated by a blank line, with problem cells marked `*`. */
function* observedTables(st: StepReport): Generator<string> {
  const table = stepTable(st)
  for (let ti = 0; ti < st.targets.length; ti++) {
    if (ti > 0) yield '\n'
    yield* targetChunks(table, ti, {
      glyph: (c) => GLYPH[c.observation.result],
      mismatch: (_from, _to, _target, c) => isProblem(c.classification),
    })
  }
}

/** The run as Markdown: verdict, counts, diagnostics, then per scenario and step the tables and problem cells. */
export function* markdownChunks(r: RunReport): Generator<string> {
  const c = r.summary.counts
  const verdict =
    r.summary.exitCode === 0
      ? 'PASS'
      : r.summary.exitCode === 1
        ? 'FAIL (disagreements)'
        : r.interrupted
          ? `INTERRUPTED (${r.interrupted.by})`
          : 'ERROR (infrastructure)'
  const header = [
    `# netpol-harness run ${r.runId}: ${verdict}`,
    '',
    `Driver: ${driverChoiceText(r.driver)}; CNI: ${r.driver.cni}; ${versionsText(r.driver.versions)}`,
    '',
    `Options: ${optionEntries(r.options)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}`,
    '',
    ...(isFaultInjected(r.options)
      ? [
          `**Fault-injected run** (--fault ${faultsText(r.options)}): disagreements were provoked on purpose to prove they are caught; not a regression of the CNI.`,
          '',
        ]
      : []),
    `Harness ${r.harness.version} on Node ${r.harness.node}; ${r.summary.scenarios} scenarios, ${r.summary.steps} steps, ${r.summary.cells} cells in ${(r.durationMs / 1000).toFixed(1)} s (${r.summary.probesPerSecond} probes/s).`,
    '',
    `| ${CLASSIFICATIONS.join(' | ')} |`,
    `|${'---|'.repeat(CLASSIFICATIONS.length)}`,
    `| ${CLASSIFICATIONS.map((k) => c[k]).join(' | ')} |`,
    '',
    'Glyphs: `.` allowed, `X` blocked, `R` refused, `!` error, `-` skipped, `?` unsupported; `*` marks a cell that disagrees.',
    '',
  ]
  // Every further line follows a newline: the text is `lines.join('\n')` of everything below.
  yield header.join('\n')
  const line = (...xs: string[]) => xs.map((x) => '\n' + x).join('')
  if (r.interrupted) yield line(`**Interrupted** (${r.interrupted.by}): ${r.interrupted.detail}.`, '')
  if (r.diagnostics.length) yield line('## Diagnostics', '', ...r.diagnostics.map((d) => `- ${d}`), '')
  for (const s of r.scenarios) {
    yield line(
      `## ${s.name}`,
      '',
      `${s.file}${s.description ? `: ${s.description}` : ''}${s.ipFamilies ? ` (address families: ${s.ipFamilies.join(', ')})` : ''}`,
      '',
    )
    if (s.error) yield line(`**Error:** ${s.error}`, '')
    if (s.unsupported) yield line(`**Unsupported by this driver** (not run): ${s.unsupported}`, '')
    for (const st of s.steps) {
      let problems = 0
      for (const x of st.cells) if (isProblem(x.classification)) problems++
      yield line(
        `### Step ${st.index + 1}: ${st.name}`,
        '',
        `${st.rounds} rounds, ${st.interrupted ? '**interrupted** (the rounds completed are kept)' : st.converged ? `converged; time to enforce ${st.timeToEnforceMs} ms` : '**did not converge**'}; ${problems} disagreeing cells.`,
        '',
        '```',
        '',
      )
      yield* observedTables(st)
      yield line('```', '')
      for (const ch of st.chaos ?? []) {
        const windows =
          ch.windows.map((w) => `${w.kind} ${w.startMs}-${w.endMs} ms (${w.cells} cells)`).join(', ') || 'no disagreement window'
        yield line(
          `- chaos ${ch.action}${ch.target ? ` on ${ch.target}` : ''} at ${ch.startMs}-${ch.endMs} ms: ${ch.unsupported ? `unsupported (${ch.unsupported})` : `${windows}; recovery ${ch.recoveryMs === null ? 'never' : `${ch.recoveryMs} ms`}`}`,
        )
        for (const i of ch.invariants ?? [])
          yield line(`  - ${i.name} <= ${i.limitMs} ms: observed ${i.observedMs ?? 'never'} ms, ${i.passed ? 'ok' : '**violated**'}`)
      }
      if (st.chaos?.length) yield line('')
      if (st.staged) {
        const [head, ...cells] = stagedLines(st.staged, true)
        yield line(`- ${head}${cells.length ? ':' : ''}`, ...cells.map((l) => `  - ${l}`), '')
      }
      if (problems) {
        for (const x of st.cells) if (isProblem(x.classification)) yield line(`- ${cellLine(x)}`)
        yield line('')
      }
    }
  }
}

// Why: the page nightly users read: truth tables with disagreements highlighted and explained, time-to-enforce
// charts, chaos timelines, intent violations and versions; one self-contained file (pure renderer).
import { faultOf, isProblem, isProblemCell } from '../compare/classification.js'
import { targetId } from '../model/cluster.js'
import { cellLabel, stagedLines, stepTable } from './cells.js'
import { explanationText } from './explain-text.js'
import { GLYPH, MISMATCH_MARK } from './glyphs.js'
import { barChart, esc, page } from './html-kit.js'
import type { CellReport, ChaosReport, RunReport, ScenarioReport, StagedCellReport, StepReport } from './model.js'
import { driverChoiceText, faultsText, isFaultInjected, optionEntries } from './run-options.js'

/** The verdict of a run as a word and a CSS class. */
export function verdictOf(exitCode: number): { word: string; cls: string } {
  if (exitCode === 0) return { word: 'PASS', cls: 'pass' }
  if (exitCode === 1) return { word: 'FAIL', cls: 'fail' }
  if (exitCode >= 128) return { word: 'INTERRUPTED', cls: 'error' }
  return { word: 'ERROR', cls: 'error' }
}

/** Everything known about a cell, for its tooltip and click panel. */
function cellStory(c: CellReport): string {
  const o = c.observation
  const lines = [
    `${cellLabel(c)}: ${c.classification}`,
    `intent: ${c.intent ?? '(none)'}   prediction: ${c.prediction}   observed: ${o.result}${o.answeredBy ? ` (answered by ${o.answeredBy})` : ''}${o.latencyMs !== undefined ? ` in ${o.latencyMs} ms` : ''}`,
    `time to enforce: ${c.timeToEnforceMs === null ? 'never agreed' : `${c.timeToEnforceMs} ms`}`,
  ]
  if (o.detail) lines.push(`detail: ${o.detail}`)
  if (c.explanation) lines.push(`why (evaluator): ${explanationText(c.explanation)}`)
  if (o.attempts.length) {
    lines.push(`attempts (${o.attempts.length}):`)
    for (const a of o.attempts.slice(-12))
      lines.push(
        `  round ${a.round} at ${a.atMs} ms: ${a.result}${a.answeredBy ? ` by ${a.answeredBy}` : ''}${a.latencyMs !== undefined ? ` ${a.latencyMs} ms` : ''}${a.detail ? ` [${a.detail}]` : ''}`,
      )
  }
  return lines.join('\n')
}

/** The id of a cell's table entry, the anchor problem lists link to. */
function cellAnchor(scenario: string, stepIndex: number, c: CellReport): string {
  return `cell-${scenario}-${stepIndex + 1}-${c.from}-${c.to}-${targetId(c)}`.replace(/[^A-Za-z0-9_-]/g, '_')
}

/** One truth table per target: sources as rows, destinations as columns, the observed glyph in each cell. */
function truthTables(scenario: string, st: StepReport): string {
  const table = stepTable(st)
  return table.targets
    .map((t, ti) => {
      const head = `<thead><tr><th>${esc(targetId(t))}</th>${table.destinations.map((id) => `<th>${esc(id)}</th>`).join('')}</tr></thead>`
      const rows = table.sources.map((from, si) => {
        const tds = table.destinations.map((_, di) => {
          const c = table.getAt(si, di, ti)
          if (!c) return '<td class="r-skipped"></td>'
          const bad = isProblemCell(c)
          const id = bad ? ` id="${cellAnchor(scenario, st.index, c)}"` : ''
          return `<td${id} class="r-${c.observation.result}${bad ? ' bad' : ''}" data-story="${esc(cellStory(c))}">${GLYPH[c.observation.result]}${bad ? MISMATCH_MARK : ''}</td>`
        })
        return `<tr><th>${esc(from)}</th>${tds.join('')}</tr>`
      })
      return `<div class="scroll"><table class="tt" data-target="${esc(targetId(t))}">${head}<tbody>${rows.join('')}</tbody></table></div>`
    })
    .join('')
}

/** A fault's timeline: the fault span, fail-open (red) and fail-closed (orange) windows, and recovery. */
function chaosTimeline(ch: ChaosReport): string {
  const end = Math.max(ch.endMs + (ch.recoveryMs ?? 0), ...ch.windows.map((w) => w.endMs), 1) * 1.05
  const w = 640
  const x = (ms: number) => 10 + ((w - 20) * ms) / end
  const rect = (a: number, b: number, y: number, hgt: number, fill: string, title: string) =>
    `<rect x="${x(a).toFixed(1)}" y="${y}" width="${Math.max(2, x(b) - x(a)).toFixed(1)}" height="${hgt}" fill="${fill}"><title>${esc(title)}</title></rect>`
  const parts = [
    rect(ch.startMs, ch.endMs, 8, 14, '#8c959f', `${ch.action}${ch.target ? ` on ${ch.target}` : ''}: ${ch.startMs}-${ch.endMs} ms`),
    ...ch.windows.map((win) =>
      rect(
        win.startMs,
        win.endMs,
        28,
        14,
        win.kind === 'fail-open' ? '#cf222e' : '#bc4c00',
        `${win.kind}: ${win.startMs}-${win.endMs} ms (${win.endMs - win.startMs} ms), ${win.cells} cells`,
      ),
    ),
  ]
  if (ch.recoveryMs !== null)
    parts.push(
      `<line x1="${x(ch.endMs + ch.recoveryMs).toFixed(1)}" y1="4" x2="${x(ch.endMs + ch.recoveryMs).toFixed(1)}" y2="46" stroke="#1a7f37" stroke-width="2"><title>agreement again ${ch.recoveryMs} ms after the fault ended</title></line>`,
    )
  const label = `${ch.action}${ch.target ? ` on ${ch.target}` : ''}: ${ch.windows.filter((w) => w.kind === 'fail-open').length} fail-open, ${ch.windows.filter((w) => w.kind === 'fail-closed').length} fail-closed windows; recovery ${ch.recoveryMs === null ? 'never' : `${ch.recoveryMs} ms`}`
  const inv = ch.invariants?.length
    ? `<ul>${ch.invariants.map((i) => `<li class="${i.passed ? '' : 'bad'}">${esc(`${i.name} <= ${i.limitMs} ms: observed ${i.observedMs ?? 'never'} ms, ${i.passed ? 'ok' : 'VIOLATED'}`)}</li>`).join('')}</ul>`
    : ''
  return `<div class="chaos"><div>${esc(label)}</div><svg class="timeline" role="img" width="${w}" height="60" viewBox="0 0 ${w} 60" xmlns="http://www.w3.org/2000/svg"><line x1="10" y1="50" x2="${w - 10}" y2="50" stroke="#d0d7de"/>${parts.join('')}<text x="10" y="59">0</text><text x="${w - 10}" y="59" text-anchor="end">${Math.round(end)} ms</text></svg>${inv}</div>`
}

/** What the step's staged policies would change: information, never a failure (docs/calico-policy.md). */
function stagedSection(staged: readonly StagedCellReport[]): string {
  const [head, ...cells] = stagedLines(staged, true)
  return `<h4 class="staged">${esc(head)}</h4>${cells.length ? `<ul class="staged">${cells.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` : ''}`
}

/** A listed problem cell: its scenario, step and the cell. */
interface Listed {
  readonly s: string
  readonly step: StepReport
  readonly c: CellReport
}

function problemTable(cells: readonly Listed[], caption: string): string {
  if (cells.length === 0) return ''
  const rows = cells
    .slice(0, 500)
    .map(
      ({ s, step, c }) =>
        `<tr><td>${esc(s)}</td><td>${esc(`${step.index + 1}. ${step.name}`)}</td><td><a href="#${cellAnchor(s, step.index, c)}">${esc(`${c.from} -> ${c.to}`)}</a></td><td>${targetId(c)}</td><td>${c.intent ?? ''}</td><td>${c.prediction}</td><td>${c.observation.result}</td><td><b>${c.classification}</b></td><td>${esc(c.explanation ? explanationText(c.explanation) : '')}</td></tr>`,
    )
  return `<h2>${esc(caption)} (${cells.length})</h2><div class="scroll"><table class="problems"><thead><tr><th>scenario</th><th>step</th><th>cell</th><th>target</th><th>intent</th><th>prediction</th><th>observed</th><th>classification</th><th>why</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>${cells.length > 500 ? `<p class="mute">first 500 shown; report.json has all</p>` : ''}`
}

function scenarioSection(s: ScenarioReport, tteMax: number): string {
  const chart = s.steps.length
    ? `<h3>Time to enforce per step</h3>${barChart(
        s.steps.map((st) => ({ label: `${st.index + 1}. ${st.name}`, value: st.timeToEnforceMs, note: `${st.rounds} rounds` })),
        'ms',
        'chart tte',
        tteMax,
      )}`
    : ''
  const classes = [...new Set(s.steps.flatMap((st) => st.cells.map((c) => c.classification)))]
  const problems = s.steps.some((st) => st.cells.some(isProblemCell)) || !!s.error
  const steps = s.steps.map((st) => {
    const bad = st.cells.filter(isProblemCell).length
    const meta = `${st.rounds} rounds; ${st.interrupted ? '<b>interrupted</b> (the rounds completed are kept)' : st.converged ? `time to enforce ${st.timeToEnforceMs} ms` : '<b>did not converge</b>'}; ${bad} disagreeing cells; apply ${st.applyMs} ms; timeout ${st.timeoutMs} ms`
    const chaos = st.chaos?.length ? `<h4>Faults</h4>${st.chaos.map(chaosTimeline).join('')}` : ''
    const staged = st.staged ? stagedSection(st.staged) : ''
    return `<details class="step"${bad || st.chaos?.length ? ' open' : ''}><summary><b>Step ${st.index + 1}: ${esc(st.name)}</b> <span class="mute">${meta}</span></summary>${chaos}${staged}<div class="tables">${truthTables(s.name, st)}</div></details>`
  })
  return `<section class="scenario" data-name="${esc(s.name)}" data-tags="${esc(s.tags.join(' '))}" data-classes="${esc(classes.join(' '))}" data-problem="${problems}"><h2 id="${esc(s.name)}">${esc(s.name)}</h2><p class="mute">${esc(s.file)}${s.description ? ` — ${esc(s.description)}` : ''}${s.tags.length ? ` · tags: ${esc(s.tags.join(', '))}` : ''}${s.ipFamilies ? ` · address families: ${esc(s.ipFamilies.join(', '))}` : ''}</p>${s.error ? `<p class="pill error">${esc(s.error)}</p>` : ''}${s.unsupported ? `<p class="r-unsupported">unsupported by this driver, not run: ${esc(s.unsupported)}</p>` : ''}${chart}${steps.join('')}</section>`
}

/** The run page (report.html). */
export function renderHtml(r: RunReport): string {
  const v = verdictOf(r.summary.exitCode)
  const c = r.summary.counts
  const versions = [
    ['harness', `${r.harness.name} ${r.harness.version}`],
    ['node', r.harness.node],
    ['driver', driverChoiceText(r.driver)],
    ['CNI', r.driver.cni],
    ...Object.entries(r.driver.versions).filter(([k, val]) => !(k === 'node' && val === r.harness.node)),
    ...Object.entries(r.driver.timings ?? {}).map(([k, v]) => [`setup: ${k}`, `${v} s`]),
  ]
  const options = optionEntries(r.options)
  const countCells = (Object.keys(c) as (keyof typeof c)[]).map(
    (k) => `<td class="${c[k] && isProblem(k) ? 'bad' : ''}"><div class="num">${c[k]}</div><div class="mute">${k}</div></td>`,
  )
  const all: Listed[] = r.scenarios.flatMap((s) => s.steps.flatMap((step) => step.cells.map((c) => ({ s: s.name, step, c }))))
  // Every scenario's time-to-enforce bars on one scale, so bars compare across the page.
  const tteMax = Math.max(1, ...r.scenarios.flatMap((s) => s.steps.map((st) => st.timeToEnforceMs ?? 0)))
  const present = [...new Set(all.map((x) => x.c.classification))]
  const filter = `<div class="filter" role="search"><input type="search" id="q" placeholder="search scenarios, tags, cells" aria-label="search"> <label><input type="checkbox" id="only-problems"> only problems</label> <select id="cls" aria-label="classification"><option value="">every classification</option>${present.map((k) => `<option>${k}</option>`).join('')}</select> <span id="shown" class="mute"></span></div>`
  const body = [
    `<h1>netpol-harness run ${esc(r.runId)} <span class="pill ${v.cls}">${v.word}</span></h1>`,
    `<p>${r.summary.scenarios} scenarios, ${r.summary.steps} steps, ${r.summary.cells} cells in ${(r.durationMs / 1000).toFixed(1)} s (${r.summary.probesPerSecond} probes/s); started ${esc(r.startedAt)}.</p>`,
    `<table class="counts"><tr>${countCells.join('')}</tr></table>`,
    isFaultInjected(r.options)
      ? `<p class="fault-note"><span class="pill fault-injected">⚡ fault-injected</span> --fault ${esc(faultsText(r.options))}: disagreements were provoked on purpose to prove they are caught; not a regression of the CNI.</p>`
      : '',
    `<h2>Versions</h2><table class="versions">${versions.map(([k, val]) => `<tr><th>${esc(k)}</th><td>${esc(val)}</td></tr>`).join('')}</table>`,
    `<h2>Options</h2><table class="options">${options.map(([k, val]) => `<tr><th>${esc(k)}</th><td>${esc(val)}</td></tr>`).join('')}</table>`,
    r.interrupted ? `<p><b>Interrupted</b> (${esc(r.interrupted.by)}): ${esc(r.interrupted.detail)}.</p>` : '',
    r.diagnostics.length ? `<h2>Diagnostics</h2><ul>${r.diagnostics.map((d) => `<li><pre>${esc(d)}</pre></li>`).join('')}</ul>` : '',
    problemTable(
      all.filter((x) => x.c.intentViolation),
      'Intent violations: policies that do not do what their author meant',
    ),
    problemTable(
      all.filter((x) => faultOf(x.c.classification) === 'dataplane' || faultOf(x.c.classification) === 'probe'),
      'Disagreements between prediction and observation',
    ),
    `<h2>Scenarios</h2><p class="mute">Glyphs: <code>.</code> allowed, <code>X</code> blocked, <code>R</code> refused, <code>!</code> error, <code>-</code> skipped, <code>?</code> unsupported; red cells marked <code>*</code> are problems (a disagreement or an intent violation). Hover or click a cell for the evaluator's explanation and every attempt (Escape closes it).</p>`,
    filter,
    ...r.scenarios.map((s) => scenarioSection(s, tteMax)),
  ]
  return page(`netpol-harness ${r.runId}: ${v.word}`, body.join('\n'))
}

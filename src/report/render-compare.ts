// Why: a run comparison as Markdown (pull requests), a table (terminals, one row per change, as `kubectl get`) and
// as a self-contained page.
import { type CellChange, type GateChange, type RunComparison, type RunRef, type StepDelta, stepChanged } from './compare-runs.js'
import { columns } from '../util/columns.js'
import { barChart, esc, page } from './html-kit.js'

const describe = (r: RunRef) =>
  `${r.runId} (${r.driver}, ${r.cni}${
    Object.keys(r.versions).length
      ? `; ${Object.entries(r.versions)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`
      : ''
  })`
const fmt = (ms: number | null) => (ms === null ? 'never' : `${ms} ms`)
const delta = (d: StepDelta) => (d.deltaMs === null ? (d.aMs === d.bMs ? '0' : 'n/a') : `${d.deltaMs > 0 ? '+' : ''}${d.deltaMs} ms`)

/** The steps whose time to enforce changed beyond the threshold (or started or stopped converging), biggest first. */
function changedSteps(c: RunComparison): StepDelta[] {
  return c.steps.filter((d) => stepChanged(d, c.options)).sort((x, y) => Math.abs(y.deltaMs ?? Infinity) - Math.abs(x.deltaMs ?? Infinity))
}

/** `options differ: faults: packet-loss=10 vs none; ...` when the runs were not set up alike (a line before the results). */
export const differ = (c: RunComparison): string[] =>
  c.runsDiffer.length ? [`options differ: ${c.runsDiffer.join('; ')}: a change may come from that, not from the CNI`, ''] : []

const where = (g: GateChange) => [g.scenario, g.step, g.cell].filter(Boolean).join(' / ')

/** One line: how many cells were compared and what changed. */
export function summaryLine(c: RunComparison): string {
  const obs = c.changes.filter((x) => x.observationChanged).length
  const cls = c.changes.filter((x) => x.classificationChanged).length
  return `${c.comparedCells} cells compared: ${c.regressions.length} regressions, ${c.improvements.length} improvements; ${obs} observations differ, ${cls} classifications changed; ${c.onlyInA.length} scenarios only in A, ${c.onlyInB.length} only in B`
}

/** The comparison as one JSON document: both runs, regressions, improvements, changed cells and steps only. */
export function renderCompareJson(c: RunComparison, failed: readonly GateChange[]): string {
  return JSON.stringify({ ...c, steps: changedSteps(c), failed }, null, 2) + '\n'
}

const cellState = (x: CellChange['a']) => `${x.classification} (${x.result})`

/**
 * The comparison as a table, one row per change: regressions, then improvements (KIND), then cells whose observation
 * changed with the same classification (`changed`) and scenarios new in B (`new`); CHANGE names what (a
 * classification, `slower`, `scenario-gone`), BEFORE and AFTER the state in A and in B. Nothing changed: ''.
 */
export function renderCompareTable(c: RunComparison): string {
  const key = (scenario: string, step?: string, cell?: string) => `${scenario}\0${step ?? ''}\0${cell ?? ''}`
  const cells = new Map(c.changes.map((x) => [key(x.scenario, x.step, x.cell), x]))
  const steps = new Map(c.steps.map((d) => [key(d.scenario, d.step), d]))
  const gated = new Set<string>()
  const row = (kind: string, g: GateChange): string[] => {
    const k = key(g.scenario, g.step, g.cell)
    gated.add(k)
    const cell = cells.get(k)
    const step = g.cell === undefined && g.step !== undefined ? steps.get(k) : undefined
    const [before, after] = cell
      ? [cellState(cell.a), cellState(cell.b)]
      : step
        ? [fmt(step.aMs), fmt(step.bMs)]
        : g.kind === 'scenario-gone'
          ? ['present', 'missing']
          : ['', g.detail]
    return [kind, g.kind, g.scenario, g.step ?? '', g.cell ?? '', before, after]
  }
  const rows = [
    ...c.regressions.map((g) => row('regression', g)),
    ...c.improvements.map((g) => row('improvement', g)),
    ...c.changes
      .filter((x) => !gated.has(key(x.scenario, x.step, x.cell)))
      .map((x) => [
        'changed',
        x.classificationChanged ? 'classification' : 'observation',
        x.scenario,
        x.step,
        x.cell,
        cellState(x.a),
        cellState(x.b),
      ]),
    ...c.onlyInB.map((s) => ['new', 'scenario-new', s, '', '', 'missing', 'present']),
  ]
  return columns(['kind', 'change', 'scenario', 'step', 'cell', 'before', 'after'], rows)
}

/** The comparison as Markdown: regressions first, then improvements, then what else changed; nothing unchanged. */
export function renderCompareMarkdown(c: RunComparison): string {
  const lines = [
    `# Comparison`,
    '',
    `- A: ${describe(c.a)}`,
    `- B: ${describe(c.b)}`,
    '',
    ...differ(c).map((l) => (l ? `**${l}**` : l)),
    summaryLine(c),
    '',
  ]
  const list = (title: string, gs: readonly GateChange[]) => {
    if (!gs.length) return
    lines.push(`## ${title} (${gs.length})`, '')
    for (const g of gs) lines.push(`- **${g.kind}** ${where(g)}: ${g.detail}`)
    lines.push('')
  }
  list('Regressions', c.regressions)
  list('Improvements', c.improvements)
  if (c.onlyInB.length) lines.push(`New in B: ${c.onlyInB.join(', ')}`, '')
  const other = c.changes.filter((x) => !x.classificationChanged)
  if (other.length) {
    lines.push(
      '## Observations that changed with the same classification',
      '',
      '| scenario | step | cell | A observed | B observed | classification |',
      '|---|---|---|---|---|---|',
    )
    for (const x of other) lines.push(`| ${x.scenario} | ${x.step} | ${x.cell} | ${x.a.result} | ${x.b.result} | ${x.b.classification} |`)
    lines.push('')
  }
  const steps = changedSteps(c)
  if (steps.length) {
    lines.push(
      `## Time to enforce that changed by more than ${c.options.slowerThanMs} ms (B - A)`,
      '',
      '| scenario | step | A | B | delta |',
      '|---|---|---|---|---|',
    )
    for (const d of steps) lines.push(`| ${d.scenario} | ${d.step} | ${fmt(d.aMs)} | ${fmt(d.bMs)} | ${delta(d)} |`)
    lines.push('')
  }
  if (!anything(c)) lines.push('Nothing changed.', '')
  return lines.join('\n')
}

const anything = (c: RunComparison) => c.changes.length > 0 || c.onlyInA.length > 0 || c.onlyInB.length > 0 || changedSteps(c).length > 0

/** The comparison as a self-contained page. */
export function renderCompareHtml(c: RunComparison): string {
  const changes = c.changes.length
    ? `<table><thead><tr><th>scenario</th><th>step</th><th>cell</th><th>A observed</th><th>B observed</th><th>A</th><th>B</th></tr></thead><tbody>${c.changes.map((x) => `<tr><td>${esc(x.scenario)}</td><td>${esc(x.step)}</td><td>${esc(x.cell)}</td><td class="r-${x.a.result}">${x.a.result}</td><td class="r-${x.b.result}">${x.b.result}</td><td>${x.a.classification}</td><td${x.classificationChanged ? ' class="bad"' : ''}>${x.b.classification}</td></tr>`).join('')}</tbody></table>`
    : '<p>No cell changed.</p>'
  const deltas = changedSteps(c)
  // Every changed step, "never" included: a step that stopped (or started) converging is drawn as a never bar.
  const chart = deltas.length
    ? barChart(
        deltas.slice(0, 30).map((d) => ({
          label: `${d.scenario} / ${d.step}`,
          value: d.deltaMs === null ? null : Math.abs(d.deltaMs),
          note: `${delta(d)} (A ${fmt(d.aMs)}, B ${fmt(d.bMs)})`,
        })),
        'ms',
      )
    : `<p>No step's time to enforce changed by more than ${c.options.slowerThanMs} ms.</p>`
  const gates = (title: string, gs: readonly GateChange[]) =>
    gs.length
      ? `<h2>${title} (${gs.length})</h2><ul>${gs.map((g) => `<li><b>${esc(g.kind)}</b> ${esc(where(g))}: ${esc(g.detail)}</li>`).join('')}</ul>`
      : ''
  const body = [
    `<h1>Comparison</h1><table><tr><th>A</th><td>${esc(describe(c.a))}</td></tr><tr><th>B</th><td>${esc(describe(c.b))}</td></tr></table>`,
    ...differ(c)
      .filter(Boolean)
      .map((l) => `<p class="differ"><b>${esc(l)}</b></p>`),
    `<p>${esc(summaryLine(c))}</p>`,
    gates('Regressions', c.regressions),
    gates('Improvements', c.improvements),
    c.onlyInA.length ? `<p>Only in A: ${esc(c.onlyInA.join(', '))}</p>` : '',
    c.onlyInB.length ? `<p>Only in B: ${esc(c.onlyInB.join(', '))}</p>` : '',
    `<h2>Cells that changed</h2>${changes}`,
    `<h2>Time-to-enforce changes beyond ${c.options.slowerThanMs} ms (|B - A|)</h2>${chart}`,
    `<table><thead><tr><th>scenario</th><th>step</th><th>A</th><th>B</th><th>B - A</th></tr></thead><tbody>${deltas.map((d) => `<tr><td>${esc(d.scenario)}</td><td>${esc(d.step)}</td><td class="num">${fmt(d.aMs)}</td><td class="num">${fmt(d.bMs)}</td><td class="num">${delta(d)}</td></tr>`).join('')}</tbody></table>`,
  ]
  return page(`netpol-harness: ${c.a.runId} vs ${c.b.runId}`, body.join('\n'))
}

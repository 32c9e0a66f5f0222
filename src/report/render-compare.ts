// Why: a run comparison as Markdown (pull requests, terminals) and as a self-contained page.
import type { RunComparison, RunRef, StepDelta } from './compare-runs.js'
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

/** The biggest time-to-enforce changes first. */
function sortedDeltas(c: RunComparison): StepDelta[] {
  return [...c.steps].sort((x, y) => Math.abs(y.deltaMs ?? Infinity) - Math.abs(x.deltaMs ?? Infinity))
}

/** One line: how many cells were compared and what changed. */
export function summaryLine(c: RunComparison): string {
  const obs = c.changes.filter((x) => x.observationChanged).length
  const cls = c.changes.filter((x) => x.classificationChanged).length
  return `${c.comparedCells} cells compared: ${obs} observations differ, ${cls} classifications changed; ${c.onlyInA.length} scenarios only in A, ${c.onlyInB.length} only in B`
}

/** The comparison as Markdown. */
export function renderCompareMarkdown(c: RunComparison): string {
  const lines = [`# Comparison`, '', `- A: ${describe(c.a)}`, `- B: ${describe(c.b)}`, '', summaryLine(c), '']
  if (c.onlyInA.length) lines.push(`Only in A: ${c.onlyInA.join(', ')}`, '')
  if (c.onlyInB.length) lines.push(`Only in B: ${c.onlyInB.join(', ')}`, '')
  if (c.changes.length) {
    lines.push(
      '## Cells that changed',
      '',
      '| scenario | step | cell | A observed | B observed | A classification | B classification |',
      '|---|---|---|---|---|---|---|',
    )
    for (const x of c.changes)
      lines.push(
        `| ${x.scenario} | ${x.step} | ${x.cell} | ${x.a.result} | ${x.b.result} | ${x.a.classification} | ${x.b.classification}${x.classificationChanged ? ' (changed)' : ''} |`,
      )
    lines.push('')
  }
  lines.push('## Time to enforce per step (B - A)', '', '| scenario | step | A | B | delta |', '|---|---|---|---|---|')
  for (const d of sortedDeltas(c)) lines.push(`| ${d.scenario} | ${d.step} | ${fmt(d.aMs)} | ${fmt(d.bMs)} | ${delta(d)} |`)
  return lines.join('\n') + '\n'
}

/** The comparison as a self-contained page. */
export function renderCompareHtml(c: RunComparison): string {
  const changes = c.changes.length
    ? `<table><thead><tr><th>scenario</th><th>step</th><th>cell</th><th>A observed</th><th>B observed</th><th>A</th><th>B</th></tr></thead><tbody>${c.changes.map((x) => `<tr><td>${esc(x.scenario)}</td><td>${esc(x.step)}</td><td>${esc(x.cell)}</td><td class="r-${x.a.result}">${x.a.result}</td><td class="r-${x.b.result}">${x.b.result}</td><td>${x.a.classification}</td><td${x.classificationChanged ? ' class="bad"' : ''}>${x.b.classification}</td></tr>`).join('')}</tbody></table>`
    : '<p>No cell changed.</p>'
  const deltas = sortedDeltas(c)
  const chart = barChart(
    deltas
      .filter((d) => d.deltaMs !== null)
      .slice(0, 30)
      .map((d) => ({
        label: `${d.scenario} / ${d.step}`,
        value: Math.abs(d.deltaMs!),
        note: `${delta(d)} (A ${fmt(d.aMs)}, B ${fmt(d.bMs)})`,
      })),
    'ms',
  )
  const body = [
    `<h1>Comparison</h1><table><tr><th>A</th><td>${esc(describe(c.a))}</td></tr><tr><th>B</th><td>${esc(describe(c.b))}</td></tr></table>`,
    `<p>${esc(summaryLine(c))}</p>`,
    c.onlyInA.length ? `<p>Only in A: ${esc(c.onlyInA.join(', '))}</p>` : '',
    c.onlyInB.length ? `<p>Only in B: ${esc(c.onlyInB.join(', '))}</p>` : '',
    `<h2>Cells that changed</h2>${changes}`,
    `<h2>Largest time-to-enforce changes (|B - A|)</h2>${chart}`,
    `<table><thead><tr><th>scenario</th><th>step</th><th>A</th><th>B</th><th>B - A</th></tr></thead><tbody>${deltas.map((d) => `<tr><td>${esc(d.scenario)}</td><td>${esc(d.step)}</td><td class="num">${fmt(d.aMs)}</td><td class="num">${fmt(d.bMs)}</td><td class="num">${delta(d)}</td></tr>`).join('')}</tbody></table>`,
  ]
  return page(`netpol-harness: ${c.a.runId} vs ${c.b.runId}`, body.join('\n'))
}

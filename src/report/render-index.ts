// Why: reports/index.html: pass/fail per scenario over time, and trends of time-to-enforce and probe rate.
import { countWhere, isDisagreement } from '../compare/classification.js'
import { verdictOf } from './render-html.js'
import type { History } from './history.js'
import { esc, lineChart, page } from './html-kit.js'

const median = (xs: number[]) => {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

/** The index page over every run in the history (newest first in tables, oldest first in charts). */
export function renderIndex(h: History, maxRuns = 40): string {
  const runs = h.runs.slice(-maxRuns)
  const labels = runs.map((r) => r.runId)
  const names = [...new Set(runs.flatMap((r) => r.scenarios.map((s) => s.name)))].sort()
  const glyph = { pass: '✔', fail: '✘', error: '!' } as const
  const grid = `<table class="grid"><thead><tr><th>scenario</th>${runs.map((r) => `<th title="${esc(r.runId)}"><a href="${esc(r.runId)}/report.html">${esc(r.startedAt.slice(5, 16).replace('T', ' '))}</a></th>`).join('')}</tr></thead><tbody>${names
    .map(
      (n) =>
        `<tr><th>${esc(n)}</th>${runs
          .map((r) => {
            const s = r.scenarios.find((x) => x.name === n)
            if (!s) return '<td class="mute">·</td>'
            return `<td class="${s.status === 'pass' ? 'r-allowed' : 'r-error'}" title="${esc(`${n} in ${r.runId}: ${s.status}, ${s.disagreements} disagreements, time to enforce ${s.timeToEnforceMs ?? 'never'} ms`)}"><a href="${esc(r.runId)}/report.html#${esc(n)}">${glyph[s.status]}</a></td>`
          })
          .join('')}</tr>`,
    )
    .join('')}</tbody></table>`
  const tte = lineChart(
    labels,
    [
      {
        name: 'median scenario time to enforce',
        color: '#0969da',
        values: runs.map((r) => median(r.scenarios.map((s) => s.timeToEnforceMs).filter((x): x is number => x !== null))),
      },
      {
        name: 'slowest scenario',
        color: '#bc4c00',
        values: runs.map((r) => (r.scenarios.length ? Math.max(0, ...r.scenarios.map((s) => s.timeToEnforceMs ?? 0)) : null)),
      },
    ],
    'ms',
  )
  const rate = lineChart(labels, [{ name: 'probes per second', color: '#1a7f37', values: runs.map((r) => r.probesPerSecond) }], 'probes/s')
  const table = `<table class="runs"><thead><tr><th>run</th><th>verdict</th><th>driver</th><th>CNI</th><th>versions</th><th>cells</th><th>disagreeing</th><th>probes/s</th><th>duration</th></tr></thead><tbody>${[
    ...runs,
  ]
    .reverse()
    .map((r) => {
      const v = verdictOf(r.exitCode)
      const bad = countWhere(r.counts, isDisagreement)
      return `<tr><td><a href="${esc(r.runId)}/report.html">${esc(r.runId)}</a></td><td><span class="pill ${v.cls}">${v.word}</span></td><td>${esc(r.driver)}</td><td>${esc(r.cni)}</td><td class="mute">${esc(
        Object.entries(r.versions)
          .map(([k, x]) => `${k} ${x}`)
          .join(', '),
      )}</td><td class="num">${r.cells}</td><td class="num">${bad}</td><td class="num">${r.probesPerSecond}</td><td class="num">${(r.durationMs / 1000).toFixed(1)} s</td></tr>`
    })
    .join('')}</tbody></table>`
  const body = runs.length
    ? `<h1>netpol-harness: ${runs.length} run${runs.length === 1 ? '' : 's'}</h1><h2>Runs</h2>${table}<h2>Scenarios over time</h2>${grid}<h2>Time to enforce</h2>${tte}<h2>Probe rate</h2>${rate}`
    : '<h1>netpol-harness</h1><p>No runs yet: <code>netpol-harness run</code> adds one.</p>'
  return page('netpol-harness history', body)
}

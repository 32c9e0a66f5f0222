// Why: reports/index.html: pass/fail per scenario over time, and trends of time-to-enforce and probe rate.
import { countWhere, isDisagreement } from '../compare/classification.js'
import { verdictOf } from './render-html.js'
import type { History, HistoryEntry } from './history.js'
import { esc, page } from './html-kit.js'
import type { ChartAssets } from './assets.js'

const median = (xs: number[]) => {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

/** A series of a trend chart: its name (the legend), colour, values per run; `never` draws a marker, not a value. */
interface Series {
  readonly name: string
  readonly color: string
  readonly values: readonly (number | null)[]
  readonly never?: boolean
}

/** One uPlot chart: x is each run's start (a date axis), one series per line, the legend in the series' colours. */
function trendChart(id: string, xs: readonly number[], series: readonly Series[], unit: string): string {
  const spec = { xs, unit, series }
  // `</` cannot appear inside the script: JSON is escaped for it.
  return `<div class="trend" id="${esc(id)}"></div><script type="application/json" data-chart="${esc(id)}">${JSON.stringify(spec).replace(/</g, '\\u003c')}</script>`
}

/**
 * Draws every `data-chart` spec with uPlot: lines with points, a time axis, the unit on the y axis, and a series
 * marked `never` drawn as red markers along the top (a scenario that never converged has no value to plot).
 */
const TREND_SCRIPT = `document.querySelectorAll('script[data-chart]').forEach(function(s){
var spec=JSON.parse(s.textContent),el=document.getElementById(s.getAttribute('data-chart'));
var top=1;spec.series.forEach(function(x){if(!x.never)x.values.forEach(function(v){if(v!==null&&v>top)top=v})});top=top*1.1;
var data=[spec.xs].concat(spec.series.map(function(x){return x.never?x.values.map(function(v){return v?top:null}):x.values}));
var series=[{label:'run started',value:function(u,v){return v==null?'':new Date(v*1000).toISOString().slice(0,16).replace('T',' ')}}].concat(spec.series.map(function(x){
return x.never?{label:x.name,stroke:x.color,width:0,points:{show:true,size:10,fill:x.color,stroke:x.color},value:function(u,v){return v==null?'-':'never'}}
:{label:x.name,stroke:x.color,width:2,points:{show:true,size:6},spanGaps:true,value:function(u,v){return v==null?'-':v+' '+spec.unit}}}));
var width=Math.max(280,Math.min(900,el.clientWidth||640));
new uPlot({width:width,height:220,series:series,scales:{x:{time:true},y:{range:[0,top]}},axes:[{},{label:spec.unit,size:60}],legend:{live:true}},data,el)})`

const when = (iso: string) => iso.slice(0, 16).replace('T', ' ')

/** What a fault-injected run's marks say: its disagreements were provoked on purpose (`--fault`), not a regression. */
const injected = (r: HistoryEntry) =>
  `fault-injected run (--fault ${(r.faults ?? []).join(', ')}): disagreements are expected, not a regression of the CNI`

/** The index page over every run in the history (newest first in tables, oldest first in charts). */
export function renderIndex(h: History, charts: ChartAssets, maxRuns = 40): string {
  const runs = h.runs.slice(-maxRuns)
  const xs = runs.map((r) => Math.round(Date.parse(r.startedAt) / 1000))
  const names = [...new Set(runs.flatMap((r) => r.scenarios.map((s) => s.name)))].sort()
  const glyph = { pass: '✔', fail: '✘', error: '!' } as const
  const legend = `<p class="legend"><span class="r-allowed">✔ passed</span> <span class="r-error">✘ failed</span> <span class="r-error">! error</span> <span class="r-unsupported">⚡ failed in a fault-injected run (expected)</span> <span class="mute">· not in that run</span>. Columns are runs, oldest first, by start time (UTC); click a mark for that scenario's page.</p>`
  const grid = `<div class="scroll"><table class="grid"><thead><tr><th>scenario</th>${runs.map((r) => `<th title="${esc(r.faults ? `${r.runId}: ${injected(r)}` : r.runId)}"${r.faults ? ' class="fault-injected"' : ''}><a href="${esc(r.runId)}/report.html">${esc(when(r.startedAt))}</a>${r.faults ? '<br>⚡ faults' : ''}</th>`).join('')}</tr></thead><tbody>${names
    .map(
      (n) =>
        `<tr><th>${esc(n)}</th>${runs
          .map((r) => {
            const s = r.scenarios.find((x) => x.name === n)
            if (!s) return '<td class="mute">·</td>'
            // A scenario failing in a fault-injected run is what the fault is for: drawn apart, never as a regression.
            const expected = r.faults && s.status === 'fail'
            const title = `${n} on ${when(r.startedAt)} (${r.runId}): ${s.status}, ${s.disagreements} disagreements, time to enforce ${s.timeToEnforceMs === null ? 'never' : `${s.timeToEnforceMs} ms`}${r.faults ? `; ${injected(r)}` : ''}`
            return `<td class="${s.status === 'pass' ? 'r-allowed' : expected ? 'r-unsupported' : 'r-error'}" title="${esc(title)}"><a href="${esc(r.runId)}/report.html#${esc(n)}">${expected ? '⚡' : glyph[s.status]}</a></td>`
          })
          .join('')}</tr>`,
    )
    .join('')}</tbody></table></div>`
  const tte = trendChart(
    'trend-tte',
    xs,
    [
      {
        name: 'median scenario time to enforce',
        color: '#0969da',
        values: runs.map((r) =>
          r.faults ? null : median(r.scenarios.map((s) => s.timeToEnforceMs).filter((x): x is number => x !== null)),
        ),
      },
      {
        name: 'slowest scenario',
        color: '#bc4c00',
        values: runs.map((r) => {
          if (r.faults) return null
          const ms = r.scenarios.map((s) => s.timeToEnforceMs).filter((x): x is number => x !== null)
          return ms.length ? Math.max(...ms) : null
        }),
      },
      {
        name: 'a scenario never converged',
        color: '#cf222e',
        never: true,
        values: runs.map((r) => (!r.faults && r.scenarios.some((s) => s.timeToEnforceMs === null) ? 1 : null)),
      },
    ],
    'ms',
  )
  const rate = trendChart(
    'trend-rate',
    xs,
    [{ name: 'probes per second', color: '#1a7f37', values: runs.map((r) => (r.faults ? null : r.probesPerSecond)) }],
    'probes/s',
  )
  const table = `<div class="scroll"><table class="runs"><thead><tr><th>run</th><th>started (UTC)</th><th>verdict</th><th>driver</th><th>CNI</th><th>versions</th><th>cells</th><th>disagreeing</th><th>probes/s</th><th>duration</th></tr></thead><tbody>${[
    ...runs,
  ]
    .reverse()
    .map((r) => {
      const v = verdictOf(r.exitCode)
      const bad = countWhere(r.counts, isDisagreement)
      return `<tr><td><a href="${esc(r.runId)}/report.html">${esc(r.runId)}</a></td><td>${esc(when(r.startedAt))}</td><td><span class="pill ${v.cls}">${v.word}</span>${r.faults ? ` <span class="pill fault-injected" title="${esc(injected(r))}">⚡ fault-injected</span>` : ''}</td><td>${esc(r.driver)}${r.chosenBy === 'auto' ? ' <span class="mute">(auto)</span>' : ''}</td><td>${esc(r.cni)}</td><td class="mute">${esc(
        Object.entries(r.versions)
          .map(([k, x]) => `${k} ${x}`)
          .join(', '),
      )}</td><td class="num">${r.cells}</td><td class="num">${bad}</td><td class="num">${r.probesPerSecond}</td><td class="num">${(r.durationMs / 1000).toFixed(1)} s</td></tr>`
    })
    .join('')}</tbody></table></div>`
  const body = runs.length
    ? `<h1>netpol-harness: ${runs.length} run${runs.length === 1 ? '' : 's'}</h1><h2>Runs</h2>${table}<h2>Scenarios over time</h2>${legend}${grid}<h2>Time to enforce</h2><p class="mute">Per run: the median and the slowest scenario's time to enforce; a red mark along the top when a scenario never converged. Fault-injected runs (⚡) are left out of the trends.</p>${tte}<h2>Probe rate</h2>${rate}<style>${charts.css}</style><script>${charts.js}</script><script>${TREND_SCRIPT}</script>`
    : '<h1>netpol-harness</h1><p>No runs yet: <code>netpol-harness run</code> adds one.</p>'
  return page('netpol-harness history', body)
}

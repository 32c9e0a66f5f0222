// Why: the pieces every self-contained page shares: escaping, one stylesheet, the page shell, and SVG charts.
import { xmlEscape } from './render-junit.js'

/** HTML escaping (the XML rules are the same for text and attributes). */
export const esc = xmlEscape

const CSS = `
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#bc4c00;--mute:#6e7781;--line:#d0d7de;--bg:#f6f8fa}
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:1.5em auto;max-width:90em;padding:0 1em;color:#1f2328}
h1{font-size:1.5em}h2{font-size:1.25em;border-bottom:1px solid var(--line);padding-bottom:.2em;margin-top:1.6em}h3{font-size:1.05em}
table{border-collapse:collapse}td,th{border:1px solid var(--line);padding:.2em .45em;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}
.pill{display:inline-block;border-radius:1em;padding:.1em .7em;font-weight:600;color:#fff}.pass{background:var(--ok)}.fail{background:var(--bad)}.error{background:var(--warn)}
.counts td{min-width:5em;text-align:center}.counts .bad{color:var(--bad);font-weight:700}
table.tt{font-family:ui-monospace,monospace;font-size:12px}table.tt td{width:1.6em;height:1.4em;text-align:center;padding:0;cursor:pointer}
table.tt th{font-weight:400;font-size:11px;white-space:nowrap}table.tt thead th{writing-mode:vertical-rl;transform:rotate(180deg);max-height:10em}
.r-allowed{background:#dafbe1}.r-blocked{background:#eaeef2}.r-refused{background:#fff1e5}.r-error{background:#ffebe9;color:var(--bad)}
.r-skipped{background:#fff;color:#aaa}.r-unsupported{background:#ddf4ff;color:#0969da}
td.bad{outline:2px solid var(--bad);outline-offset:-2px;font-weight:700;color:var(--bad)}li.bad{color:var(--bad);font-weight:700}
details{margin:.4em 0}summary{cursor:pointer}.mute{color:var(--mute)}.tables{display:flex;flex-wrap:wrap;gap:1.5em}
#detail{position:fixed;right:1em;bottom:1em;max-width:40em;max-height:40vh;overflow:auto;background:#fff;border:1px solid var(--line);box-shadow:0 2px 8px #0003;padding:.6em .8em;white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px;display:none}
svg text{font-family:system-ui,sans-serif;font-size:11px;fill:#1f2328}
`

/** Clicking a table cell shows its full story (explanation, every attempt) in a panel; hover shows it too. */
const SCRIPT = `document.addEventListener('click',function(e){var t=e.target.closest&&e.target.closest('td[title]');var d=document.getElementById('detail');if(!d)return;if(t){d.textContent=t.getAttribute('title');d.style.display='block'}else if(!e.target.closest('#detail')){d.style.display='none'}})`

/** A complete page: no external resource of any kind, so it opens from disk and in air-gapped CI. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
${body}
<div id="detail" role="dialog" aria-live="polite"></div>
<script>${SCRIPT}</script>
</body></html>
`
}

/** A horizontal bar chart: one bar per item; `null` values are drawn as a full red bar labelled `never`. */
export function barChart(items: readonly { label: string; value: number | null; note?: string }[], unit: string, cls = 'chart'): string {
  const max = Math.max(1, ...items.map((i) => i.value ?? 0))
  const labelW = Math.min(320, 12 + 6.5 * Math.max(4, ...items.map((i) => i.label.length)))
  const w = 640
  const bar = 18
  const h = items.length * (bar + 6) + 24
  const scale = (v: number) => ((w - labelW - 90) * v) / max
  const rows = items.map((it, i) => {
    const y = 4 + i * (bar + 6)
    const never = it.value === null
    const bw = never ? w - labelW - 90 : Math.max(1, scale(it.value!))
    return `<g><title>${esc(`${it.label}: ${never ? 'never converged' : `${it.value} ${unit}`}${it.note ? ` (${it.note})` : ''}`)}</title><text x="${labelW - 6}" y="${y + 13}" text-anchor="end">${esc(it.label.length > 48 ? it.label.slice(0, 47) + '…' : it.label)}</text><rect x="${labelW}" y="${y}" width="${bw.toFixed(1)}" height="${bar}" fill="${never ? '#cf222e' : '#0969da'}"/><text x="${(labelW + bw + 4).toFixed(1)}" y="${y + 13}">${never ? 'never' : `${it.value} ${unit}`}</text></g>`
  })
  return `<svg class="${cls}" role="img" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" xmlns="http://www.w3.org/2000/svg">${rows.join('')}</svg>`
}

/** A line chart of one or more series over the same x labels (runs, oldest first). */
export function lineChart(
  labels: readonly string[],
  series: readonly { name: string; color: string; values: readonly (number | null)[] }[],
  unit: string,
): string {
  const w = 640
  const h = 200
  const pad = { l: 50, r: 10, t: 10, b: 40 }
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null))
  const max = Math.max(1, ...all)
  const x = (i: number) => pad.l + (labels.length <= 1 ? (w - pad.l - pad.r) / 2 : (i * (w - pad.l - pad.r)) / (labels.length - 1))
  const y = (v: number) => pad.t + (h - pad.t - pad.b) * (1 - v / max)
  const lines = series.map((s) => {
    const pts = s.values.map((v, i) => (v === null ? null : ([x(i), y(v)] as const)))
    const path = pts
      .filter((p) => p)
      .map((p, i) => `${i ? 'L' : 'M'}${p![0].toFixed(1)},${p![1].toFixed(1)}`)
      .join('')
    const dots = pts
      .map((p, i) =>
        p
          ? `<circle cx="${p[0].toFixed(1)}" cy="${p[1].toFixed(1)}" r="3" fill="${s.color}"><title>${esc(`${s.name} ${labels[i]}: ${s.values[i]} ${unit}`)}</title></circle>`
          : '',
      )
      .join('')
    return `<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>${dots}`
  })
  const legend = series.map((s, i) => `<text x="${pad.l + i * 260}" y="${h - 6}" fill="${s.color}">■ ${esc(s.name)}</text>`).join('')
  return `<svg class="chart" role="img" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" xmlns="http://www.w3.org/2000/svg"><line x1="${pad.l}" y1="${h - pad.b}" x2="${w - pad.r}" y2="${h - pad.b}" stroke="#d0d7de"/><text x="${pad.l - 6}" y="${pad.t + 10}" text-anchor="end">${max.toFixed(0)}</text><text x="${pad.l - 6}" y="${h - pad.b}" text-anchor="end">0 ${esc(unit)}</text>${lines.join('')}${legend}</svg>`
}

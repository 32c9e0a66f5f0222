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
.pill{display:inline-block;border-radius:1em;padding:.1em .7em;font-weight:600;color:#fff}.pass{background:var(--ok)}.fail{background:var(--bad)}.error{background:var(--warn)}.pill.fault-injected{background:#8250df}th.fault-injected{background:#fbefff}
.counts td{min-width:5em;text-align:center}table.counts tr{display:flex;flex-wrap:wrap}.counts .bad{color:var(--bad);font-weight:700}
table.tt{font-family:ui-monospace,monospace;font-size:12px}table.tt td{width:1.6em;height:1.4em;text-align:center;padding:0;cursor:pointer}
table.tt th{font-weight:400;font-size:11px;white-space:nowrap}table.tt thead th{writing-mode:vertical-rl;transform:rotate(180deg);max-height:10em}
.r-allowed{background:#dafbe1}.r-blocked{background:#eaeef2}.r-refused{background:#fff1e5}.r-error{background:#ffebe9;color:var(--bad)}
.r-skipped{background:#fff;color:#aaa}.r-unsupported{background:#ddf4ff;color:#0969da}
table.tt td.bad{background:var(--bad);color:#fff;font-weight:700}table.tt td.bad:target{outline:3px solid #000}.counts td.bad{background:#ffebe9}li.bad{color:var(--bad);font-weight:700}
details{margin:.4em 0}summary{cursor:pointer}.mute{color:var(--mute)}.tables{display:flex;flex-wrap:wrap;gap:1.5em}
#detail{position:fixed;right:1em;bottom:1em;max-width:40em;max-height:40vh;overflow:auto;background:#fff;border:1px solid var(--line);box-shadow:0 2px 8px #0003;padding:.6em .8em;white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px;display:none}
svg text{font-family:system-ui,sans-serif;font-size:11px;fill:#1f2328}svg{max-width:100%;height:auto}
.scroll{overflow-x:auto;max-width:100%}pre{white-space:pre-wrap;overflow-wrap:anywhere}.filter{margin:.6em 0}.filter input[type=search]{min-width:14em}
@media (max-width:600px){body{margin:.5em;padding:0 .4em}.tables{gap:.6em}#detail{left:.5em;right:.5em;max-width:none}}
.legend span{padding:0 .3em}.u-legend td,.u-legend th{border:0;background:none;padding:0 .3em}
`

/**
 * A cell's story (explanation, every attempt) shows in a panel on hover and stays on click; Escape or a click
 * elsewhere closes it. The run page's filter hides scenarios by text, problems and classification.
 */
const SCRIPT = `(function(){var d=document.getElementById('detail'),pinned=false;
function show(t){d.textContent=t.getAttribute('data-story');d.style.display='block'}
function hide(){pinned=false;d.style.display='none'}
document.addEventListener('mouseover',function(e){var t=e.target.closest&&e.target.closest('td[data-story]');if(t&&!pinned)show(t)});
document.addEventListener('mouseout',function(e){var t=e.target.closest&&e.target.closest('td[data-story]');if(t&&!pinned&&!(e.relatedTarget&&t.contains(e.relatedTarget)))d.style.display='none'});
document.addEventListener('click',function(e){var t=e.target.closest&&e.target.closest('td[data-story]');if(t){show(t);pinned=true}else if(!e.target.closest('#detail'))hide()});
document.addEventListener('keydown',function(e){if(e.key==='Escape')hide()});
var q=document.getElementById('q');if(!q)return;var only=document.getElementById('only-problems'),cls=document.getElementById('cls'),shown=document.getElementById('shown');
function apply(){var text=q.value.toLowerCase(),n=0,all=document.querySelectorAll('section.scenario');all.forEach(function(s){
var ok=(!text||(s.getAttribute('data-name')+' '+s.getAttribute('data-tags')+' '+s.textContent).toLowerCase().indexOf(text)>=0)
&&(!only.checked||s.getAttribute('data-problem')==='true')&&(!cls.value||(' '+s.getAttribute('data-classes')+' ').indexOf(' '+cls.value+' ')>=0);
s.style.display=ok?'':'none';if(ok)n++});shown.textContent=n+' of '+all.length+' scenarios shown'}
q.addEventListener('input',apply);only.addEventListener('change',apply);cls.addEventListener('change',apply);apply()})()`

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

/**
 * A horizontal bar chart: one bar per item; `null` values are drawn as a full red bar labelled `never`. `scaleMax`
 * puts several charts on one scale.
 */
export function barChart(
  items: readonly { label: string; value: number | null; note?: string }[],
  unit: string,
  cls = 'chart',
  scaleMax?: number,
): string {
  const max = Math.max(1, scaleMax ?? 0, ...items.map((i) => i.value ?? 0))
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

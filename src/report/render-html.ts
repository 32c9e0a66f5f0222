// Why: a self-contained page (no network access) with the same content as the Markdown report.
import type { RunReport } from './model.js'
import { renderMarkdown } from './render-markdown.js'
import { xmlEscape } from './render-junit.js'

export function renderHtml(r: RunReport): string {
  const body = renderMarkdown(r)
    .split('\n```\n')
    .map((part, i) => (i % 2 === 1 ? `<pre>${xmlEscape(part.replace(/^```\n?/, ''))}</pre>` : xmlEscape(part.replace(/^```$/m, '')).replace(/^### (.*)$/gm, '<h3>$1</h3>').replace(/^## (.*)$/gm, '<h2>$1</h2>').replace(/^# (.*)$/gm, '<h1>$1</h1>').replace(/^- (.*)$/gm, '<li>$1</li>')))
    .join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>netpol-harness ${xmlEscape(r.runId)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:80em;margin:2em auto;padding:0 1em}pre{background:#f6f8fa;padding:.8em;overflow-x:auto;line-height:1.25}li{font-family:monospace;white-space:pre-wrap}</style>
</head><body>
<div style="white-space:pre-wrap">${body}</div>
</body></html>
`
}

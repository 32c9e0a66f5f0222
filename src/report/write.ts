// Why: the only place that writes report files: DIR/<run-id>/{report.json,junit.xml,report.md,report.html}.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunReport } from './model.js'
import { renderHtml } from './render-html.js'
import { renderJunit } from './render-junit.js'
import { renderMarkdown } from './render-markdown.js'

export const RENDERERS: Readonly<Record<string, (r: RunReport) => string>> = {
  'report.json': (r) => JSON.stringify(r, null, 2) + '\n',
  'junit.xml': renderJunit,
  'report.md': renderMarkdown,
  'report.html': renderHtml,
}

/** Writes every format; returns the folder. */
export function writeReports(r: RunReport, dir: string): string {
  const out = join(dir, r.runId)
  mkdirSync(out, { recursive: true })
  for (const [name, render] of Object.entries(RENDERERS)) writeFileSync(join(out, name), render(r))
  return out
}

// Why: the chart library (uPlot) every page inlines, read once from node_modules: pages stay one offline file.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

/** The chart library's script and stylesheet, as text to inline into a page. */
export interface ChartAssets {
  readonly js: string
  readonly css: string
}

let cached: ChartAssets | undefined

/** uPlot's minified browser build and its stylesheet (read on first use). */
export function chartAssets(): ChartAssets {
  if (!cached) {
    const require = createRequire(import.meta.url)
    cached = {
      js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    }
  }
  return cached
}

// Why: JUnit XML for CI systems: one testcase per scenario step; a failure lists every disagreeing cell. Produced
// chunk by chunk, so a run of any size never becomes one string.
import { isProblemCell } from '../compare/classification.js'
import { cellLabel } from './cells.js'
import { explanationText } from './explain-text.js'
import type { CellReport, RunReport, StepReport } from './model.js'

/** Text made safe for XML and HTML (markup characters escaped, control characters dropped). */
export function xmlEscape(s: string): string {
  return s
    .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
}

/** One line per problem cell: what was predicted, seen and meant, and why the evaluator thinks so. */
export function cellLine(c: CellReport): string {
  const seen = `${c.observation.result}${c.observation.answeredBy && c.observation.result !== 'allowed' ? ` (answered by ${c.observation.answeredBy})` : ''}${c.observation.detail ? ` [${c.observation.detail}]` : ''}`
  const intent = c.intentViolation ? `, intent ${c.intent} but policies ${c.prediction}` : ''
  return `${c.classification}: ${cellLabel(c)}: predicted ${c.prediction}, observed ${seen}${intent}${c.explanation ? ` -- ${explanationText(c.explanation)}` : ''}`
}

/** One line per violated chaos invariant of a step. */
export function invariantLines(st: StepReport): string[] {
  return (st.chaos ?? []).flatMap((ch) =>
    (ch.invariants ?? [])
      .filter((i) => !i.passed)
      .map(
        (i) =>
          `invariant ${i.name} violated during ${ch.action}${ch.target ? ` on ${ch.target}` : ''}: limit ${i.limitMs} ms, observed ${i.observedMs === null ? 'never recovered' : `${i.observedMs} ms`}`,
      ),
  )
}

/** Counts of a scenario's testcases as its <testsuite> states them. */
function suiteCounts(s: RunReport['scenarios'][number]): { tests: number; failures: number; errors: number } {
  let failures = 0
  for (const st of s.steps) if (invariantLines(st).length > 0 || st.cells.some(isProblemCell)) failures++
  return { tests: s.steps.length + (s.error ? 1 : 0), failures, errors: s.error ? 1 : 0 }
}

/** The run as JUnit XML (junit.xml), one chunk per line; a failure's text one chunk per disagreeing cell. */
export function* junitChunks(r: RunReport): Generator<string> {
  const counts = r.scenarios.map(suiteCounts)
  const sum = (k: 'tests' | 'failures' | 'errors') => counts.reduce((n, c) => n + c[k], 0)
  yield '<?xml version="1.0" encoding="UTF-8"?>\n'
  yield `<testsuites name="netpol-harness ${xmlEscape(r.runId)}" tests="${sum('tests')}" failures="${sum('failures')}" errors="${sum('errors')}" time="${(r.durationMs / 1000).toFixed(3)}">\n`
  for (const [i, s] of r.scenarios.entries()) {
    const n = counts[i]
    yield `  <testsuite name="${xmlEscape(s.name)}" tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" skipped="0" time="${(s.durationMs / 1000).toFixed(3)}" timestamp="${r.startedAt.replace(/Z$/, '')}">\n`
    for (const st of s.steps) {
      let bad = 0
      const kinds = new Set<string>()
      for (const c of st.cells)
        if (isProblemCell(c)) {
          bad++
          kinds.add(c.classification)
        }
      const name = xmlEscape(`step ${st.index + 1}: ${st.name}`)
      const time = (st.durationMs / 1000).toFixed(3)
      const broken = invariantLines(st)
      if (broken.length && bad === 0) {
        yield `    <testcase classname="${xmlEscape(s.name)}" name="${name}" time="${time}">\n`
        yield `      <failure message="${xmlEscape(`${broken.length} chaos invariants violated`)}" type="invariant">${xmlEscape(broken.join('\n'))}</failure>\n`
        yield '    </testcase>\n'
      } else if (bad === 0) yield `    <testcase classname="${xmlEscape(s.name)}" name="${name}" time="${time}"/>\n`
      else {
        const kind = [...kinds].join(', ')
        yield `    <testcase classname="${xmlEscape(s.name)}" name="${name}" time="${time}">\n`
        yield `      <failure message="${xmlEscape(`${bad} disagreeing cells (${kind})${broken.length ? `, ${broken.length} chaos invariants violated` : ''}`)}" type="${xmlEscape(kind)}">`
        // Escaping is per character and keeps newlines, so escaping line by line gives the same text.
        let first = true
        for (const l of broken) {
          yield (first ? '' : '\n') + xmlEscape(l)
          first = false
        }
        for (const c of st.cells)
          if (isProblemCell(c)) {
            yield (first ? '' : '\n') + xmlEscape(cellLine(c))
            first = false
          }
        yield '</failure>\n'
        yield '    </testcase>\n'
      }
    }
    if (s.error) {
      yield `    <testcase classname="${xmlEscape(s.name)}" name="setup" time="${(s.setupMs / 1000).toFixed(3)}">\n`
      yield `      <error message="${xmlEscape(s.error)}"/>\n`
      yield '    </testcase>\n'
    }
    yield '  </testsuite>\n'
  }
  yield '</testsuites>\n'
}

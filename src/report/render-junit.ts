// Why: JUnit XML for CI systems: one testcase per scenario step; a failure lists every disagreeing cell.
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

/** The run as JUnit XML (junit.xml). */
export function renderJunit(r: RunReport): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>']
  let tests = 0
  let failures = 0
  let errors = 0
  const suites: string[] = []
  for (const s of r.scenarios) {
    const cases: string[] = []
    let sf = 0
    let se = 0
    for (const st of s.steps) {
      const bad = st.cells.filter(isProblemCell)
      const name = xmlEscape(`step ${st.index + 1}: ${st.name}`)
      const time = (st.durationMs / 1000).toFixed(3)
      const broken = invariantLines(st)
      if (broken.length && bad.length === 0) {
        sf++
        cases.push(
          `    <testcase classname="${xmlEscape(s.name)}" name="${name}" time="${time}">`,
          `      <failure message="${xmlEscape(`${broken.length} chaos invariants violated`)}" type="invariant">${xmlEscape(broken.join('\n'))}</failure>`,
          '    </testcase>',
        )
      } else if (bad.length === 0) cases.push(`    <testcase classname="${xmlEscape(s.name)}" name="${name}" time="${time}"/>`)
      else {
        sf++
        const kinds = [...new Set(bad.map((c) => c.classification))].join(', ')
        cases.push(
          `    <testcase classname="${xmlEscape(s.name)}" name="${name}" time="${time}">`,
          `      <failure message="${xmlEscape(`${bad.length} disagreeing cells (${kinds})${broken.length ? `, ${broken.length} chaos invariants violated` : ''}`)}" type="${xmlEscape(kinds)}">${xmlEscape([...broken, ...bad.map(cellLine)].join('\n'))}</failure>`,
          '    </testcase>',
        )
      }
    }
    if (s.error) {
      se++
      cases.push(
        `    <testcase classname="${xmlEscape(s.name)}" name="setup" time="${(s.setupMs / 1000).toFixed(3)}">`,
        `      <error message="${xmlEscape(s.error)}"/>`,
        '    </testcase>',
      )
    }
    const n = s.steps.length + (s.error ? 1 : 0)
    tests += n
    failures += sf
    errors += se
    suites.push(
      `  <testsuite name="${xmlEscape(s.name)}" tests="${n}" failures="${sf}" errors="${se}" skipped="0" time="${(s.durationMs / 1000).toFixed(3)}" timestamp="${r.startedAt.replace(/Z$/, '')}">`,
      ...cases,
      '  </testsuite>',
    )
  }
  out.push(
    `<testsuites name="netpol-harness ${xmlEscape(r.runId)}" tests="${tests}" failures="${failures}" errors="${errors}" time="${(r.durationMs / 1000).toFixed(3)}">`,
    ...suites,
    '</testsuites>',
    '',
  )
  return out.join('\n')
}

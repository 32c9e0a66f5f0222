// Why: JUnit XML for CI systems: one testcase per step, or per failing cell so test views point at the cell;
// skipped when nothing could be probed. Produced chunk by chunk, so a run of any size never becomes one string.
import { isProblemCell } from '../compare/classification.js'
import { cellLabel, explainCommand, stagedLines } from './cells.js'
import { explanationText } from './explain-text.js'
import type { CellReport, RunReport, StepReport } from './model.js'
import { isFaultInjected, optionEntries } from './run-options.js'

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

/** How a step is reported: passed, failed (problem cells and broken invariants), or skipped (nothing probed). */
interface StepCase {
  readonly problems: readonly CellReport[]
  readonly broken: readonly string[]
  /** Why nothing of the step could be probed (every cell skipped or unsupported), or undefined. */
  readonly skipped?: string
}

function stepCase(st: StepReport): StepCase {
  const problems = st.cells.filter(isProblemCell)
  const broken = invariantLines(st)
  const probed = st.cells.some((c) => c.classification !== 'skipped' && c.classification !== 'unsupported')
  const why = st.cells.find((c) => c.observation.detail)?.observation.detail
  const skipped = probed || st.interrupted || (st.chaos?.length ?? 0) > 0 ? undefined : `nothing could be probed${why ? `: ${why}` : ''}`
  return { problems, broken, skipped }
}

/** Counts of a scenario's testcases as its <testsuite> states them. */
function suiteCounts(s: RunReport['scenarios'][number]): { tests: number; failures: number; errors: number; skipped: number } {
  let tests = s.error || s.unsupported ? 1 : 0
  let failures = 0
  let skipped = s.unsupported ? 1 : 0
  for (const st of s.steps) {
    const c = stepCase(st)
    const cases = c.problems.length + (c.broken.length || c.problems.length === 0 ? 1 : 0)
    tests += cases
    failures += c.problems.length + (c.broken.length ? 1 : 0)
    if (c.skipped && c.problems.length === 0 && c.broken.length === 0) skipped++
  }
  return { tests, failures, errors: s.error ? 1 : 0, skipped }
}

/**
 * What was tested as JUnit properties: the driver (and how it was chosen), CNI, each version (`version.<name>`) and
 * each recorded option (`option.<label>`, spaces as dashes).
 */
function runProperties(r: RunReport): [string, string][] {
  return [
    ['harness.version', r.harness.version],
    ['driver', r.driver.name],
    ...(r.driver.chosenBy ? [['driver.chosenBy', r.driver.chosenBy] as [string, string]] : []),
    ...(r.driver.reason ? [['driver.reason', r.driver.reason] as [string, string]] : []),
    ['cni', r.driver.cni],
    ...Object.entries(r.driver.versions).map(([k, v]) => [`version.${k}`, v] as [string, string]),
    ...optionEntries(r.options).map(([k, v]) => [`option.${k.replace(/ /g, '-')}`, v] as [string, string]),
    ['fault-injected', String(isFaultInjected(r.options))],
  ]
}

/**
 * The run as JUnit XML (junit.xml), one chunk per testcase line. A step that agrees is one testcase; a step with
 * problems is one failing testcase per problem cell (named by the cell, carrying the scenario `file` and the
 * `explain` command that reproduces the reasoning), plus one for broken chaos invariants; a step where nothing could
 * be probed is `skipped` with the reason, never a pass. What Calico staged policies would change is the `<system-out>` of
 * the step's first testcase (information, never a failure).
 */
export function* junitChunks(r: RunReport): Generator<string> {
  const counts = r.scenarios.map(suiteCounts)
  const sum = (k: 'tests' | 'failures' | 'errors' | 'skipped') => counts.reduce((n, c) => n + c[k], 0)
  // The XSD allows <properties> only in a <testsuite>: every suite carries what was tested, the same for all.
  const properties = `    <properties>\n${runProperties(r)
    .map(([k, v]) => `      <property name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>\n`)
    .join('')}    </properties>\n`
  yield '<?xml version="1.0" encoding="UTF-8"?>\n'
  yield `<testsuites name="netpol-harness ${xmlEscape(r.runId)}" tests="${sum('tests')}" failures="${sum('failures')}" errors="${sum('errors')}" time="${(r.durationMs / 1000).toFixed(3)}">\n`
  for (const [i, s] of r.scenarios.entries()) {
    const n = counts[i]
    const cls = xmlEscape(s.name)
    const file = xmlEscape(s.file)
    yield `  <testsuite name="${cls}" tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" skipped="${n.skipped}" time="${(s.durationMs / 1000).toFixed(3)}" timestamp="${r.startedAt.replace(/Z$/, '')}">\n`
    yield properties
    for (const st of s.steps) {
      const c = stepCase(st)
      const step = `step ${st.index + 1}: ${st.name}`
      const time = (st.durationMs / 1000).toFixed(3)
      // What staged policies would change is information: the step's first testcase carries it as output, never as a failure.
      let info = st.staged ? `      <system-out>${xmlEscape(stagedLines(st.staged, true).join('\n'))}</system-out>\n` : ''
      const out = () => {
        const o = info
        info = ''
        return o
      }
      for (const cell of c.problems) {
        yield `    <testcase classname="${cls}" name="${xmlEscape(`${step}: ${cellLabel(cell)}`)}" file="${file}" time="${time}">\n`
        yield `      <failure message="${xmlEscape(`${cell.classification}: ${cellLabel(cell)}`)}" type="${xmlEscape(cell.classification)}">${xmlEscape(`${cellLine(cell)}\nreproduce the reasoning: ${explainCommand(s.file, st.index + 1, cell)}`)}</failure>\n`
        yield `${out()}    </testcase>\n`
      }
      if (c.broken.length) {
        yield `    <testcase classname="${cls}" name="${xmlEscape(`${step}: chaos invariants`)}" file="${file}" time="${time}">\n`
        yield `      <failure message="${xmlEscape(`${c.broken.length} chaos invariants violated`)}" type="invariant">${xmlEscape(c.broken.join('\n'))}</failure>\n`
        yield `${out()}    </testcase>\n`
      } else if (c.problems.length === 0) {
        if (c.skipped) {
          yield `    <testcase classname="${cls}" name="${xmlEscape(step)}" file="${file}" time="${time}">\n`
          yield `      <skipped message="${xmlEscape(c.skipped)}"/>\n`
          yield `${out()}    </testcase>\n`
        } else if (info)
          yield `    <testcase classname="${cls}" name="${xmlEscape(step)}" file="${file}" time="${time}">\n${out()}    </testcase>\n`
        else yield `    <testcase classname="${cls}" name="${xmlEscape(step)}" file="${file}" time="${time}"/>\n`
      }
    }
    if (s.unsupported) {
      yield `    <testcase classname="${cls}" name="scenario" file="${file}" time="0.000">\n`
      yield `      <skipped message="${xmlEscape(`unsupported by this driver, not run: ${s.unsupported}`)}"/>\n`
      yield '    </testcase>\n'
    }
    if (s.error) {
      yield `    <testcase classname="${cls}" name="setup" file="${file}" time="${(s.setupMs / 1000).toFixed(3)}">\n`
      yield `      <error message="${xmlEscape(s.error)}"/>\n`
      yield '    </testcase>\n'
    }
    yield '  </testsuite>\n'
  }
  yield '</testsuites>\n'
}

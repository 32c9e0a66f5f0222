// The whole shipped library through generate: every step with `expect` -> generated set -> predicted equal to the
// intent (counted, and every step that is not exact listed with why; dual-stack steps per family, counted apart); each generated set lint-clean but for DNS
// the intent does not give; the round-trip scenarios' checked-in sets are what generate writes today.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { generate, isExact } from '../../src/generate/generate.js'
import { intentFromExpect } from '../../src/generate/intent.js'
import { lintGenerated } from '../../src/generate/lint-check.js'
import { renderYaml } from '../../src/generate/render.js'
import { loadScenarios } from '../../src/scenario/load.js'

const scenarios = loadScenarios(['scenarios/'])

t.test('every step with expect round-trips exactly', async (t) => {
  let steps = 0
  let dualSteps = 0
  let dualCells = 0
  const notExact: string[] = []
  for (const s of scenarios)
    s.steps.forEach((step, si) => {
      if (!step.expect) return
      steps++
      const g = generate(intentFromExpect(s, si))
      if (s.ipFamilies?.length === 2) {
        dualSteps++
        dualCells += g.proof.asserted
        t.ok(
          g.intent.targets.every((x) => x.family),
          `${s.file} "${step.name}": every target keeps its family`,
        )
      }
      t.same(g.proof.missing, [], `${s.file} "${step.name}": no intended allow is lost`)
      if (isExact(g)) return
      notExact.push(`${s.file} "${step.name}": ${g.proof.widened.length} widened (${g.proof.widened[0]?.why ?? 'none'})`)
      // The one reason allow-only policies grouped by stable labels cannot be exact: pods no stable label tells apart.
      t.ok(
        g.proof.widened.every((w) => /shares its stable labels/.test(w.why)),
        `${s.file} "${step.name}": widened only where pods share their stable labels`,
      )
    })
  t.comment(`generate round trip: ${steps - notExact.length} of ${steps} steps with expect exact (${scenarios.length} scenarios)`)
  t.comment(`dual-stack: ${dualSteps} steps (${dualCells} asserted cells over IPv4 and IPv6)`)
  for (const n of notExact) t.comment(`not exact: ${n}`)
  t.ok(dualSteps >= 10, `the dual-stack scenarios are in the round trip (${dualSteps} steps)`)
  t.ok(steps > 100, `the library has steps with expect (${steps})`)
  t.ok(notExact.length <= steps / 10, `nearly every step round-trips exactly (${notExact.length} do not)`)
})

t.test('every generated set is lint-clean but for egress-blocks-dns on workloads the intent gives no DNS', async (t) => {
  for (const s of scenarios)
    s.steps.forEach((step, si) => {
      if (!step.expect) return
      const g = generate(intentFromExpect(s, si))
      const findings = lintGenerated(g)
      t.same(
        findings.filter((f) => f.rule !== 'egress-blocks-dns').map((f) => f.message),
        [],
        `${s.file} "${step.name}"`,
      )
      // A workload with an allowed DNS flow is never reported as blocked from DNS (unless the intent denies one protocol).
      const partly = new Set(g.dns.filter((d) => d.deniedByIntent.length > 0).map((d) => d.from))
      const resolving = new Set(g.dns.map((d) => d.from).filter((id) => !partly.has(id)))
      for (const f of findings.filter((x) => x.rule === 'egress-blocks-dns')) {
        const [, ns, pods] = /^([^/]+)\/\S+ isolates egress of (.+?) and nothing allows DNS/.exec(f.message)!
        const blocked = pods.split(', ').map((p) => `${ns}/${p}`)
        t.same(
          blocked.filter((id) => resolving.has(id)),
          [],
          `${s.file} "${step.name}": ${f.message}`,
        )
      }
    })
})

t.test('the round-trip scenarios apply exactly what generate writes for them', async (t) => {
  const trips = scenarios.filter((s) => s.tags.includes('round-trip'))
  t.same(trips.map((s) => s.name).sort(), [
    'generate-dns',
    'generate-dual-stack',
    'generate-external-database',
    'generate-namespace-isolation',
    'generate-three-tier',
  ])
  for (const s of trips) {
    const si = s.steps.findIndex((x) => x.name === 'generated')
    const g = generate(intentFromExpect(s, si))
    t.ok(isExact(g), s.name)
    const file = s.file.replace(/\.yaml$/, '.generated.yaml')
    t.equal(readFileSync(file, 'utf8'), renderYaml(g, `${s.file} step "generated" (its expect rules)`), `${file} is up to date`)
    t.ok(s.steps.at(-1)!.name === 'generated', `${s.name} ends in the probed generated step`)
  }
})

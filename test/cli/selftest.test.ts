// The quick self-validation subset CI runs: known CNI bug classes, switched on in the local dataplane, are caught.
import t from 'tap'
import { cannotRunLocal } from '../helpers/can-run.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { main } from '../../src/cli/main.js'

const skip = await cannotRunLocal()

t.test(
  'quick subset: a clean control, then every mode is caught, with scenario, step and classification',
  { skip, timeout: 480000 },
  async (t) => {
    const dir = t.testdir()
    let out = ''
    let err = ''
    const modes = 'ignore-except,forget-egress-isolation,drop-udp-rules,stale-labels,late-programming=6s'
    const code = await main(['selftest', 'test/fixtures/scenarios/local-mix.yaml', '--modes', modes, '--out', join(dir, 'selftest.json')], {
      out: (s) => void (out += s),
      err: (s) => void (err += s),
    })
    t.equal(code, 0, err)
    const json = JSON.parse(readFileSync(join(dir, 'selftest.json'), 'utf8'))
    t.same(json.control, { clean: true, problems: [] }, 'the control run without faults is clean')
    t.match(err, /control\s+no faults: clean over 1 scenarios/)
    const rows = json.modes as {
      mode: string
      detected: boolean
      step: string
      classification: string
    }[]
    t.same(
      rows.map((r) => [r.mode, r.detected]),
      modes.split(',').map((m) => [m, true]),
    )
    const row = (m: string) => rows.find((r) => r.mode === m)!
    t.equal(row('ignore-except').step, 'restrict app egress', 'the except is first exercised there')
    t.match(row('ignore-except').classification, /fail-open/)
    t.match(row('drop-udp-rules').classification, /fail-closed/, 'dropped allow rules block allowed traffic')
    t.match(row('late-programming=6s').classification, /^slow/, 'a late change is caught by the 5 s time-to-enforce limit')
    t.match(out, /\| ignore-except \| yes \| local-mix \|/)
  },
)

t.test('an agent that fails open while restarting is caught by the chaos scenario', { skip, timeout: 120000 }, async (t) => {
  const dir = t.testdir()
  const code = await main(
    ['selftest', 'scenarios/chaos/restart-agent.yaml', '--modes', 'fail-open-on-restart', '--out', join(dir, 'o.json')],
    { out: () => {}, err: () => {} },
  )
  t.equal(code, 0)
  const [row] = JSON.parse(readFileSync(join(dir, 'o.json'), 'utf8')).modes
  t.equal(row.step, 'agents restart')
  t.match(row.classification, /maxFailOpen violated \(\d+ ms\)/)
})

t.test('a mode nobody catches exits 1', { skip, timeout: 120000 }, async (t) => {
  // Only baseline steps: nothing is isolated, so no dataplane bug can show.
  const dir = t.testdir({
    's.yaml': 'name: open\nnamespaces: {x: {pods: {a: {}, b: {}}}}\nsteps: [{name: baseline, expect: {default: allow}}]\n',
  })
  const code = await main(['selftest', join(dir, 's.yaml'), '--modes', 'ignore-except', '--out', join(dir, 'o.json')], {
    out: () => {},
    err: () => {},
  })
  t.equal(code, 1)
  t.equal(JSON.parse(readFileSync(join(dir, 'o.json'), 'utf8')).modes[0].detected, false)
})

t.test('unknown modes are usage errors', async (t) => {
  t.equal(await main(['selftest', '--modes', 'nope'], { out: () => {}, err: () => {} }), 2)
})

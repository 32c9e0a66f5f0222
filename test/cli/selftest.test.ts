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
  // The shipped scenario with only its fail-open limit: its fail-closed and 5 s recovery limits can be missed by the
  // control on a loaded machine (test/helpers/load-free.ts), which would make the self-test refuse to judge.
  const text = readFileSync('scenarios/chaos/restart-agent.yaml', 'utf8')
  const line = 'invariants: {maxFailOpen: 0, maxFailClosed: 0, maxRecovery: 5s}'
  t.ok(text.includes(line), 'the shipped scenario states its invariants as this test expects')
  const dir = t.testdir({ 'restart-agent.yaml': text.replace(line, 'invariants: {maxFailOpen: 0}') })
  let err = ''
  const code = await main(['selftest', join(dir, 'restart-agent.yaml'), '--modes', 'fail-open-on-restart', '--out', join(dir, 'o.json')], {
    out: () => {},
    err: (s) => void (err += s),
  })
  t.equal(code, 0, err)
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

/** Two steps, small enough to run three times under loss: an egress ipBlock with an except, and UDP allowed to a pod. */
const SMALL_EGRESS = `name: loss-small
namespaces:
  app:
    pods:
      web: {labels: {app: web}}
      dns: {labels: {app: dns}, ports: [{port: 53, protocol: UDP}]}
externals:
  ext-db: {ip: 172.16.32.10, ports: [{port: 5432, protocol: TCP}]}
  ext-hidden: {ip: 172.16.32.200, ports: [{port: 5432, protocol: TCP}]}
probe:
  targets: [{port: 53, protocol: UDP}, {port: 5432, protocol: TCP}]
  timeout: 700ms
steps:
  - name: baseline
    expect: {default: allow}
  - name: restrict egress
    apply:
      - apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: egress, namespace: app}
        spec:
          podSelector: {matchLabels: {app: web}}
          policyTypes: [Egress]
          egress:
            - to: [{ipBlock: {cidr: 172.16.32.0/24, except: [172.16.32.128/25]}}]
              ports: [{port: 5432}]
            - to: [{podSelector: {matchLabels: {app: dns}}}]
              ports: [{port: 53, protocol: UDP}]
`

t.test(
  'under 10% packet loss the control stays clean and fail-open and fail-closed bugs are still caught',
  { skip, timeout: 300000 },
  async (t) => {
    const dir = t.testdir({ 's.yaml': SMALL_EGRESS })
    let err = ''
    const modes = 'ignore-except,drop-udp-rules'
    const code = await main(['selftest', join(dir, 's.yaml'), '--modes', modes, '--under-loss', '10', '--out', join(dir, 'o.json')], {
      out: () => {},
      err: (s) => void (err += s),
    })
    t.equal(code, 0, err)
    const json = JSON.parse(readFileSync(join(dir, 'o.json'), 'utf8'))
    t.equal(json.underLossPercent, 10, 'the table says it was made under loss')
    t.same(json.control, { clean: true, problems: [] }, 'lost packets alone are no finding')
    t.match(err, /control\s+no faults \(under 10% packet loss\): clean/)
    const row = (m: string) => json.modes.find((r: { mode: string }) => r.mode === m)
    t.match(row('ignore-except'), { step: 'restrict egress', classification: /fail-open/ }, 'web reaches ext-hidden')
    t.match(row('drop-udp-rules'), { step: 'restrict egress', classification: /fail-closed/ }, 'web cannot reach dns on 53/UDP')
  },
)

t.test('--under-loss takes a percentage from 0 to 100', async (t) => {
  for (const bad of ['abc', '101', '-5']) {
    let err = ''
    t.equal(await main(['selftest', '--under-loss', bad], { out: () => {}, err: (s) => void (err += s) }), 2, bad)
    t.match(err, /--under-loss .*a percentage from 0 to 100/)
  }
})

// A flag of another driver (issue 15): with --driver it is a usage error (exit 2, one line naming the flag and the
// driver it belongs to, nothing created); when auto chose the driver, a warning. Every flag of the table both ways.
import t from 'tap'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DRIVER_FLAGS } from '../../src/cli/driver-flags.js'
import { DEFAULT_CALICO } from '../../src/drivers/kind/calico.js'
import { cannotRunLocal } from '../helpers/can-run.js'
import { runCli as run } from '../helpers/cli.js'

const SCENARIO = 'scenarios/basics/allow-web-to-customer.yaml'
const PATH = process.env.PATH

/** A value for each flag of the table (valid for its own driver). */
const VALUES: Record<string, string[]> = {
  nodes: ['--nodes', '3'],
  resync: ['--resync', '1s'],
  fault: ['--fault', 'packet-loss=10'],
  name: ['--name', 'other'],
  workers: ['--workers', '1'],
  calicoVersion: ['--calico-version', DEFAULT_CALICO],
  dataplane: ['--dataplane', 'nftables'],
  ipFamily: ['--ip-family', 'dual'],
  kubeProxyMode: ['--kube-proxy-mode', 'ipvs'],
  kindImage: ['--kind-image', 'kindest/node:v1.34.0'],
  calicoManifest: ['--calico-manifest', 'test/fixtures/calico-mini.yaml'],
  calicoSha256: ['--calico-sha256', 'a'.repeat(64)],
  wait: ['--wait', '10s'],
  keep: ['--keep'],
  context: ['--context', 'elsewhere'],
  kubeconfig: ['--kubeconfig', '/nonexistent/kubeconfig'],
  allowExistingCluster: ['--allow-existing-cluster'],
}

t.test('the table covers every driver-specific flag, and every flag it names exists on run', async (t) => {
  t.same(Object.keys(VALUES).sort(), Object.keys(DRIVER_FLAGS).sort())
  const help = await run(['run', '--help'])
  for (const { flag } of Object.values(DRIVER_FLAGS)) t.match(help.out, new RegExp(`${flag}\\b`), flag)
})

t.test('with --driver: a flag of another driver is a usage error naming both, and nothing is created', async (t) => {
  const dir = t.testdir()
  for (const [name, { flag, drivers }] of Object.entries(DRIVER_FLAGS))
    for (const driver of (['local', 'kind', 'kube'] as const).filter((d) => !drivers.includes(d))) {
      const reports = join(dir, `${name}-${driver}`)
      const r = await run(['run', SCENARIO, '--driver', driver, '--report-dir', reports, ...VALUES[name]])
      const what = `${flag} under --driver ${driver}`
      t.equal(r.code, 2, what)
      t.equal(
        r.err,
        `error: ${flag} applies to the ${drivers.join('/')} driver only; not to --driver ${driver} (drop it, or use --driver ${drivers[0]})\n`,
        what,
      )
      t.notOk(existsSync(reports), `${what}: no report folder`)
    }
})

t.test('chosen by auto: a flag of another driver is a warning, and the (dry) run goes on', async (t) => {
  t.teardown(() => void (process.env.PATH = PATH))
  const dir = t.testdir()
  process.env.FAKE_DIR = dir
  // auto picks kind: the fake kind and docker answer `kind version` and `docker info` (test/fixtures/fake-bin).
  process.env.PATH = `${resolve('test/fixtures/fake-bin')}:${PATH}`
  for (const [name, { flag, drivers }] of Object.entries(DRIVER_FLAGS).filter(([, d]) => !d.drivers.includes('kind'))) {
    const r = await run(['run', SCENARIO, '--dry-run', '--report-dir', join(dir, 'r'), ...VALUES[name]])
    t.equal(r.code, 0, `${flag} under auto -> kind: ${r.err}`)
    t.match(
      r.err,
      `warning: ${flag} applies to the ${drivers.join('/')} driver only; ignored under kind (chosen by auto: kind and a running Docker found)\n`,
    )
  }
  const why = await cannotRunLocal()
  if (why) return void t.comment(`auto -> local not checked: ${why}`)
  // auto picks local: kind is not installed (test/fixtures/no-kind).
  process.env.PATH = `${resolve('test/fixtures/no-kind')}:${PATH}`
  for (const [name, { flag, drivers }] of Object.entries(DRIVER_FLAGS).filter(([, d]) => !d.drivers.includes('local'))) {
    const r = await run(['run', SCENARIO, '--dry-run', '--report-dir', join(dir, 'r'), ...VALUES[name]])
    t.equal(r.code, 0, `${flag} under auto -> local: ${r.err}`)
    t.match(
      r.err,
      `warning: ${flag} applies to the ${drivers.join('/')} driver only; ignored under local (chosen by auto: kind not usable here (\`kind version\` failed))\n`,
    )
  }
  t.notOk(existsSync(join(dir, 'r')), 'no report folder: dry runs')
})

t.test('a flag left at its default is no flag given, whatever the driver', async (t) => {
  const r = await run(['run', SCENARIO, '--driver', 'kind', '--dry-run', '--report-dir', join(t.testdir(), 'r'), '-q'])
  t.equal(r.code, 0, r.err)
  t.equal(r.err, '', 'no warning: --nodes, --resync and --fault have defaults but were not given')
})

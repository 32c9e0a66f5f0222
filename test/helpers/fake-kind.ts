// Why: the kind tests drive `up` and the driver against the fake kind, kubectl and docker of test/fixtures/fake-bin
// (they log every call to $FAKE_DIR/calls.log and keep what kubectl read on stdin); one fixture for all of them:
// the fake's state reset per test, the options of a small cluster, the stand-in Calico manifests.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { calicoRelease, patchCalicoManifest } from '../../src/drivers/kind/calico.js'
import type { KindOptions } from '../../src/drivers/kind/cluster.js'

/** The stand-in for Calico's release manifest (test/fixtures/calico-mini.yaml). */
export const CALICO_MINI = readFileSync('test/fixtures/calico-mini.yaml', 'utf8')
/** The stand-in for the Calico API server's release manifest. */
export const APISERVER_MINI = readFileSync('test/fixtures/calico-apiserver-mini.yaml', 'utf8')

/** The sha256 of a text, computed here, not by the code under test. */
export const sha = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * A fresh fake in a new test folder: every `FAKE_*` variable of an earlier test removed, `FAKE_DIR` and `env` set.
 * `calls`: the commands run so far; `stdins`: what kubectl read on stdin (`-f -`), oldest first.
 */
export function fakeKind(t: { testdir: () => string }, env: Record<string, string> = {}) {
  const dir = t.testdir()
  for (const k of Object.keys(process.env)) if (k.startsWith('FAKE_')) delete process.env[k]
  Object.assign(process.env, { FAKE_DIR: dir, ...env })
  const calls = () => (existsSync(join(dir, 'calls.log')) ? readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n') : [])
  // The fake names them stdin-<nanoseconds since the epoch>: sorted by name is in time order.
  const stdins = () =>
    readdirSync(dir)
      .filter((f) => f.startsWith('stdin-'))
      .sort()
      .map((f) => readFileSync(join(dir, f), 'utf8'))
  return { dir, calls, stdins }
}

/**
 * The options of a two-worker v3.30.7 iptables cluster named nph, with the Calico API server manifest vendored in
 * `root` from the fixture (a real run vendors it).
 */
export function kindOptions(root: string): KindOptions {
  mkdirSync(join(root, 'manifests/calico/v3.30.7'), { recursive: true })
  writeFileSync(join(root, 'manifests/calico/v3.30.7/apiserver.yaml'), APISERVER_MINI)
  return { name: 'nph', workers: 2, calicoVersion: 'v3.30.7', dataplane: 'iptables', waitSeconds: 5, root }
}

/** The Calico manifest `up` installs: the stand-in, patched for iptables. */
export const miniManifest = async () => ({
  patched: patchCalicoManifest(CALICO_MINI, calicoRelease('v3.30.7')!, { dataplane: 'iptables' }),
  source: 'test',
  sha256: 'x',
})

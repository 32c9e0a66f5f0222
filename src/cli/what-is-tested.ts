// Why: what a run tests, known before anything is created (issue 15): the driver with why it was chosen, its CNI and
// versions as far as cheap commands tell, and every option that changes behaviour, for the first line, the journal,
// `run --dry-run` and every report.
import type { Exec } from '../drivers/exec.js'
import type { Faults } from '../drivers/local/compile-nft.js'
import { localVersions } from '../drivers/local/versions.js'
import type { KindOptions } from '../drivers/kind/cluster.js'
import type { RunReport } from '../report/model.js'
import { optionEntries } from '../report/run-options.js'
import type { Scenario } from '../model/scenario.js'
import type { DriverChoice } from './choose-driver.js'

/** The local driver's CNI, as its `info` names it (src/drivers/local/index.ts). */
const LOCAL_CNI = 'netpol-harness local nftables dataplane'

/** `--fault` specs as parsed, normalised: skip-policy=ns/name, the modes, late-programming=<ms>ms, packet-loss=<n>. */
export function faultSpecs(f: Faults): string[] {
  return [
    ...(f.skipPolicies ?? []).map((p) => `skip-policy=${p}`),
    ...(f.modes ?? []),
    ...(f.lateMs !== undefined ? [`late-programming=${f.lateMs}ms`] : []),
    ...(f.lossPercent !== undefined ? [`packet-loss=${f.lossPercent}`] : []),
  ]
}

/** What the driver is before it is up: name, why, CNI and the versions cheap commands give (never creating anything). */
export async function preliminaryDriver(choice: DriverChoice, exec: Exec, kind: KindOptions | undefined): Promise<RunReport['driver']> {
  const base = { name: choice.name, chosenBy: choice.chosenBy, reason: choice.reason }
  if (choice.name === 'local') return { ...base, cni: LOCAL_CNI, versions: await localVersions(exec) }
  if (choice.name === 'kind' && kind) {
    const r = await exec('kind', ['version']).catch(() => undefined)
    // kindest/node tags are the Kubernetes release (kubernetes-sigs/kind: images are tagged vX.Y.Z).
    const k8s = /:(v\d+\.\d+\.\d+)/.exec(kind.image ?? '')?.[1]
    return {
      ...base,
      // As the kind driver's info names it (src/drivers/kind/index.ts).
      cni: `calico ${kind.calicoVersion} (${kind.dataplane})`,
      versions: {
        ...(r?.exitCode === 0 ? { kind: r.stdout.trim() } : {}),
        ...(k8s ? { kubernetes: k8s } : {}),
        calico: kind.calicoVersion,
        dataplane: kind.dataplane,
      },
    }
  }
  // kube: the server's version and its CNI are only known once the cluster answers (the report has the version).
  return { ...base, cni: 'unknown', versions: {} }
}

/** `run --dry-run` on stdout: the options and every scenario that would run, in order (the first line is on stderr). */
export function dryRunText(o: RunReport['options'], scenarios: readonly Scenario[], reportDir: string): string {
  const width = Math.max(...optionEntries(o).map(([k]) => k.length))
  const lines = [
    'options:',
    ...optionEntries(o).map(([k, v]) => `  ${`${k}:`.padEnd(width + 1)} ${v}`),
    `scenarios (${scenarios.length}, in the order they would run):`,
    ...scenarios.map(
      (s) =>
        `  ${s.name}  ${s.file}  ${s.steps.length} step${s.steps.length === 1 ? '' : 's'}${s.tags.length ? `  tags: ${s.tags.join(', ')}` : ''}`,
    ),
    `dry run: nothing created, no report written (reports would go to ${reportDir})`,
  ]
  return lines.join('\n') + '\n'
}

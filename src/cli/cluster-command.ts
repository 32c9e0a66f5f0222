// Why: `netpol-harness cluster up|down|status --driver kind [--dry-run]`: the cluster alone, for nightly jobs
// that create it once, and for a look at the plan without touching anything.
import { Option, type Command } from 'commander'
import { UsageError } from '../errors.js'
import { defaultExec } from '../drivers/exec.js'
import { down, renderPlan, status, up } from '../drivers/kind/cluster.js'
import { parseDuration } from '../scenario/duration.js'
import { type ClusterFlags, addClusterOptions, kindOptions } from './cluster-options.js'
import type { Io } from './io.js'

/** Registers `cluster up|down|status`. */
export function registerClusterCommand(program: Command, io: Io, setCode: (n: number) => void): void {
  const cmd = program
    .command('cluster')
    .description('create, delete or inspect the kind + Calico cluster (--dry-run prints the plan and touches nothing)')
    .argument('<action>', 'up, down or status')
    .addOption(new Option('--driver <driver>', 'only kind manages clusters').choices(['kind']).default('kind'))
    .option('--dry-run', 'print the kind config, every command and the manifests, and do nothing')
  addClusterOptions(cmd)
  cmd.addHelpText(
    'after',
    `
Examples:
  netpol-harness cluster up --dry-run                       # the plan
  netpol-harness cluster up --calico-version v3.31.7 --dataplane nftables
  netpol-harness run --driver kind --keep                   # reuses the cluster, keeps it
  netpol-harness cluster down`,
  )
  cmd.action(async (action: string, flags: ClusterFlags & { dryRun?: boolean }) => {
    if (!['up', 'down', 'status'].includes(action)) throw new UsageError(`cluster: unknown action "${action}" (up, down or status)`)
    const o = kindOptions(flags, parseDuration)
    if (flags.dryRun) {
      if (action === 'up') io.out(renderPlan(o))
      else
        io.out(
          `${action === 'down' ? `kind delete cluster --name ${o.name}` : `kind get clusters; kubectl --context kind-${o.name} get nodes; kubectl --context kind-${o.name} -n kube-system get daemonset calico-node`}\n`,
        )
      return
    }
    if (action === 'status') {
      const st = await status(defaultExec, o.name)
      io.out(`${o.name}: ${st.detail}\n`)
      if (!st.healthy) setCode(1)
    } else if (action === 'down') {
      await down(defaultExec, o.name)
      io.out(`deleted kind cluster ${o.name}\n`)
    } else {
      const r = await up(defaultExec, o, (l) => io.err(l + '\n'))
      io.out(
        `${r.reused ? 'reused' : 'created'} kind cluster ${o.name} (context kind-${o.name})${
          Object.keys(r.timings).length
            ? `: ${Object.entries(r.timings)
                .map(([k, v]) => `${k} ${v} s`)
                .join(', ')}`
            : ''
        }\n`,
      )
      io.out(`Calico ${r.calico.version}: ${r.calico.manifest}; Felix ${r.calico.felix}\n`)
    }
  })
}

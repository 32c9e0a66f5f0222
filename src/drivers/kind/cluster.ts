// Why: create or reuse a kind cluster with Calico, wait for it the right way (rollout status, never
// `kind create cluster --wait`), check that no kindnet runs, reuse only a matching one, delete it; print it as a plan.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InfraError, UsageError } from '../../errors.js'
import { type Exec, execOrThrow } from '../exec.js'
import { AGNHOST_IMAGE } from '../kube/manifests.js'
import {
  type CalicoManifest,
  type CalicoRelease,
  calicoImages,
  calicoRelease,
  felixEnv,
  felixSummary,
  manifestPath,
  manifestUrl,
  patchCalicoManifest,
  reuseMismatch,
  CALICO_RELEASES,
} from './calico.js'
import { type KubeProxyMode, kindConfig, kubeProxyModeOf } from './config.js'
import { type VendoredText, sha256, vendoredManifest } from './vendored.js'
import {
  type ApiserverManifest,
  apiserverImage,
  apiserverManifest,
  apiserverManifestPath,
  apiserverManifestUrl,
  apiserverSteps,
  ensureApiserver,
} from './calico-apiserver.js'

/** What a kind cluster of the harness is made of (command-line options). */
export interface KindOptions {
  readonly name: string
  readonly workers: number
  readonly calicoVersion: string
  readonly dataplane: 'iptables' | 'nftables'
  /** `dual`: a dual-stack cluster (kind `ipFamily: dual`, Calico assigning IPv6 too); default ipv4. */
  readonly ipFamily?: 'ipv4' | 'dual'
  /** kube-proxy's mode (`--kube-proxy-mode`); unset: the dataplane's (config.ts kubeProxyModeOf). */
  readonly kubeProxyMode?: KubeProxyMode
  /** kindest/node image (with its sha256), or kind's default. */
  readonly image?: string
  /** Seconds each readiness wait may take. */
  readonly waitSeconds: number
  /** The project root (where manifests/ lives). */
  readonly root: string
  /** --calico-manifest: install this file instead of the vendored (or fetched) release manifest. */
  readonly calicoManifest?: string
  /** --calico-sha256: the manifest must hash to this, or nothing is created. */
  readonly calicoSha256?: string
}

/** One step of bringing the cluster up, as the dry run prints it and `up` runs it. */
export interface PlanStep {
  readonly what: string
  readonly argv: readonly string[]
  /** Text sent on stdin (the kind config is passed as a file; the manifest on stdin). */
  readonly stdin?: string
}

/** kind's kubeconfig context of a cluster. */
export const context = (name: string) => `kind-${name}`

/** The pinned release the options ask for (a usage error otherwise). */
function release(o: KindOptions): CalicoRelease {
  const r = calicoRelease(o.calicoVersion)
  if (!r) throw new UsageError(`unknown --calico-version ${o.calicoVersion} (pinned: ${CALICO_RELEASES.map((x) => x.version).join(', ')})`)
  return r
}

/** The commands, in order; `configFile` is where the kind config is written. */
function planUp(o: KindOptions, configFile: string): PlanStep[] {
  const r = release(o)
  const kc = ['kubectl', '--context', context(o.name)]
  const images = [...calicoImages(r), apiserverImage(r), AGNHOST_IMAGE]
  return [
    {
      what: 'create the cluster (no --wait: without a CNI its nodes cannot be Ready)',
      argv: ['kind', 'create', 'cluster', '--name', o.name, '--config', configFile, ...(o.image ? ['--image', o.image] : [])],
    },
    ...images.map((img) => ({
      what: `preload ${img} if present locally (pulls must not eat probe timeouts)`,
      argv: ['kind', 'load', 'docker-image', img, '--name', o.name],
    })),
    {
      what: `install Calico ${r.version} (create, not apply: the CRDs are too large for apply)`,
      argv: [...kc, 'create', '-f', '-'],
      stdin: `<${o.calicoManifest ?? manifestPath(r.version)}, with calico-node env ${Object.entries(felixEnv(o))
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}>`,
    },
    {
      what: 'wait for calico-node on every node',
      argv: [...kc, '-n', 'kube-system', 'rollout', 'status', 'daemonset/calico-node', `--timeout=${o.waitSeconds}s`],
    },
    {
      what: 'wait for calico-kube-controllers',
      argv: [...kc, '-n', 'kube-system', 'rollout', 'status', 'deployment/calico-kube-controllers', `--timeout=${o.waitSeconds}s`],
    },
    {
      what: 'wait for every node to be Ready',
      argv: [...kc, 'wait', '--for=condition=Ready', 'nodes', '--all', `--timeout=${o.waitSeconds}s`],
    },
    {
      what: 'check that no kindnet DaemonSet runs (it would enforce policy instead of Calico)',
      argv: [...kc, '-n', 'kube-system', 'get', 'daemonset', 'kindnet', '--ignore-not-found', '-o', 'name'],
    },
  ]
}

/** The dry-run text: the kind config, every command, the manifest and its patches. Touches nothing. */
export function renderPlan(o: KindOptions): string {
  const r = release(o)
  const vendored = existsSync(join(o.root, manifestPath(r.version)))
  const lines = [
    `# netpol-harness cluster up --driver kind --dry-run`,
    `# cluster ${o.name} (context ${context(o.name)}), ${o.workers} workers, Calico ${r.version} (${o.dataplane} dataplane)${o.ipFamily === 'dual' ? ', dual-stack' : ''}, kube-proxy ${kubeProxyModeOf(o)} mode`,
    '',
    '## kind config',
    kindConfig(o),
    '## Calico manifest',
    o.calicoManifest
      ? `${o.calicoManifest} (--calico-manifest)`
      : `${manifestPath(r.version)}: ${vendored ? 'vendored' : `not vendored yet; fetched on first use from ${manifestUrl(r.version)} (npm run vendor:calico -- ${r.version})`}`,
    o.calicoSha256
      ? `sha256 must be ${o.calicoSha256} (--calico-sha256), checked before anything is created`
      : 'sha256: recorded in the report (pin it with --calico-sha256)',
    `images (pinned to ${r.version}): ${calicoImages(r).join(', ')}`,
    `calico-node env set: ${Object.entries(felixEnv(o))
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    ...(o.ipFamily === 'dual' ? ['calico-config CNI ipam set: "assign_ipv4": "true", "assign_ipv6": "true"'] : []),
    `probe image: ${AGNHOST_IMAGE}`,
    '',
    '## commands (a healthy cluster of that name running this Calico release and dataplane is reused instead)',
    ...planUp(o, '<temp>/kind-config.yaml').flatMap((s, i) => [
      `${i + 1}. ${s.what}`,
      `   ${s.argv.join(' ')}${s.stdin ? ` < ${s.stdin}` : ''}`,
    ]),
    '',
    `## the Calico API server (projectcalico.org/v3, for Calico's own policy kinds; see docs/kind.md "Calico policy kinds")`,
    `${apiserverManifestPath(r.version)}: ${existsSync(join(o.root, apiserverManifestPath(r.version))) ? 'vendored' : `not vendored yet; fetched on first use from ${apiserverManifestUrl(r.version)}`}; its calico-crds ClusterRole gets the staged policy resources (projectcalico/calico#11017)`,
    ...apiserverSteps(['kubectl', '--context', context(o.name)], '<temp>', o.waitSeconds).flatMap((s, i) => [
      `${i + 1}. ${s.what}`,
      `   ${s.argv.join(' ')}${s.stdin ? ` < ${s.stdin}` : ''}`,
    ]),
    '',
    `## at the end (unless --keep)`,
    `   kind delete cluster --name ${o.name}`,
    '',
  ]
  return lines.join('\n')
}

/**
 * The manifest to install, patched, with where it came from and its sha256: --calico-manifest, else the vendored
 * file, else fetched from the release tag and vendored (with its sha256 beside it). --calico-sha256 is checked
 * before anything is written or created; a vendored file must match its recorded sha256.
 * @internal exported for its test
 */
export async function calicoManifest(o: KindOptions, fetchText: (url: string) => Promise<string> = defaultFetch): Promise<CalicoManifest> {
  const r = release(o)
  const pinned = (t: string, what: string) => {
    if (o.calicoSha256 && sha256(t) !== o.calicoSha256.toLowerCase())
      throw new UsageError(`${what} has sha256 ${sha256(t)}, not ${o.calicoSha256.toLowerCase()} (--calico-sha256); nothing was created`)
  }
  let m: VendoredText
  if (o.calicoManifest) {
    if (!existsSync(o.calicoManifest)) throw new UsageError(`--calico-manifest ${o.calicoManifest}: no such file`)
    const text = readFileSync(o.calicoManifest, 'utf8')
    pinned(text, o.calicoManifest)
    m = { text, source: `file ${o.calicoManifest}`, sha256: sha256(text) }
  } else
    m = await vendoredManifest(
      { root: o.root, rel: manifestPath(r.version), url: manifestUrl(r.version) },
      fetchText,
      (e) =>
        new InfraError(`Calico ${r.version} is not vendored and could not be fetched: ${e.message}`, {
          hint: `on a machine with network access: npm run vendor:calico -- ${r.version}, then copy ${manifestPath(r.version)}; or pass --calico-manifest FILE`,
        }),
      pinned,
    )
  try {
    return { patched: patchCalicoManifest(m.text, r, o), source: m.source, sha256: m.sha256 }
  } catch (e) {
    throw new InfraError(`${m.source.replace(/^\S+ /, '')}: ${(e as Error).message}`)
  }
}

async function defaultFetch(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(60000) })
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}`)
  return res.text()
}

/** Diagnostics worth having when Calico does not come up (best effort; failures are noted, not thrown). */
export async function calicoDiagnostics(exec: Exec, name: string): Promise<string[]> {
  const kc = ['--context', context(name)]
  const runs: [string, string[]][] = [
    ['calico-node logs', [...kc, '-n', 'kube-system', 'logs', '-l', 'k8s-app=calico-node', '--all-containers', '--tail=80', '--prefix']],
    ['calico pods', [...kc, '-n', 'kube-system', 'describe', 'pods', '-l', 'k8s-app=calico-node']],
    ['events', [...kc, 'get', 'events', '-A', '--sort-by=.lastTimestamp']],
    ['Felix configuration', [...kc, 'get', 'felixconfigurations.crd.projectcalico.org', '-o', 'yaml']],
  ]
  const out: string[] = []
  for (const [title, args] of runs) {
    const r = await exec('kubectl', args).catch((e: Error) => ({ exitCode: 1, stdout: '', stderr: e.message }))
    out.push(`--- ${title} ---\n${(r.exitCode === 0 ? r.stdout : r.stderr).split('\n').slice(-80).join('\n')}`)
  }
  return out
}

/** What `up` did and what the report records of it. */
export interface UpResult {
  readonly reused: boolean
  /** Seconds per phase: create, images, calico, ready. */
  readonly timings: Record<string, number>
  /** The Calico in the cluster: version, manifest source and sha256 (or how a reused one was checked), Felix settings. */
  readonly calico: { readonly version: string; readonly manifest: string; readonly felix: string }
  /** How Calico's own kinds are served: the API server installed (manifest, sha256) or why not (`driver.versions.calicoApi`). */
  readonly calicoApi: string
}

/** Fails with an install hint when the kind binary is missing (`cluster status` and `cluster down` alike). */
async function requireKind(exec: Exec): Promise<void> {
  const kind = await exec('kind', ['version'])
  if (kind.exitCode !== 0)
    throw new InfraError('the kind driver needs kind, which is not installed here', {
      hint: 'install kind (https://kind.sigs.k8s.io) and Docker, or use --driver local',
    })
}

/** Is a cluster of that name there, with every node Ready and calico-node fully rolled out? */
export async function status(exec: Exec, name: string): Promise<{ exists: boolean; healthy: boolean; detail: string }> {
  await requireKind(exec)
  const docker = await exec('docker', ['info'])
  if (docker.exitCode !== 0)
    throw new InfraError(`the kind driver needs a working Docker engine: ${(docker.stderr || docker.stdout).trim().split('\n')[0]}`, {
      hint: 'start Docker (and make sure it can pull kindest/node), or use --driver local',
    })
  const clusters = await execOrThrow(exec, ['kind', 'get', 'clusters'], { hint: 'is Docker running?' })
  if (
    !clusters
      .split('\n')
      .map((l) => l.trim())
      .includes(name)
  )
    return { exists: false, healthy: false, detail: `no kind cluster named ${name}` }
  const nodes = await exec('kubectl', [
    '--context',
    context(name),
    'get',
    'nodes',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
  ])
  const notReady = nodes.stdout.split('\n').filter((l) => l.includes('=') && !l.endsWith('=True'))
  const ds = await exec('kubectl', [
    '--context',
    context(name),
    '-n',
    'kube-system',
    'get',
    'daemonset',
    'calico-node',
    '-o',
    'jsonpath={.status.numberReady}/{.status.desiredNumberScheduled}',
  ])
  const [ready, want] = ds.stdout.split('/').map(Number)
  const healthy = nodes.exitCode === 0 && notReady.length === 0 && ds.exitCode === 0 && want > 0 && ready === want
  return {
    exists: true,
    healthy,
    detail: healthy
      ? `${want} nodes Ready, calico-node ${ready}/${want}`
      : `nodes not Ready: ${notReady.join(', ') || 'none'}; calico-node ${ds.exitCode === 0 ? ds.stdout : 'missing'}`,
  }
}

/**
 * Creates (or reuses a healthy, matching) cluster with Calico; throws InfraError with diagnostics when Calico never
 * gets ready. `onCreated` is called as soon as a cluster exists that this call created, so a failure after it can
 * still delete it.
 */
export async function up(
  exec: Exec,
  o: KindOptions,
  log: (l: string) => void,
  manifest: () => Promise<CalicoManifest> = () => calicoManifest(o),
  onCreated: () => void = () => {},
  apiManifest: () => Promise<ApiserverManifest> = () => apiserverManifest(o.root, release(o), defaultFetch),
): Promise<UpResult> {
  const r = release(o)
  const kc = ['kubectl', '--context', context(o.name)]
  const st = await status(exec, o.name)
  if (st.exists && st.healthy) {
    const felix = await checkReusable(exec, o, r)
    log(`reusing kind cluster ${o.name} (${st.detail}; calico-node ${r.version}, ${o.dataplane} dataplane)`)
    return {
      reused: true,
      timings: {},
      calico: { version: r.version, manifest: `reused cluster ${o.name}: calico-node image tag and FELIX_NFTABLESMODE checked`, felix },
      calicoApi: await ensureApiserver(exec, kc, apiManifest, o.waitSeconds, true, log),
    }
  }
  const m = await manifest() // before deleting or creating anything: a missing or mismatching manifest must change nothing
  if (st.exists) {
    log(`kind cluster ${o.name} is not healthy (${st.detail}); recreating it`)
    await execOrThrow(exec, ['kind', 'delete', 'cluster', '--name', o.name])
  }
  const dir = mkdtempSync(join(tmpdir(), 'nph-kind-'))
  const configFile = join(dir, 'kind-config.yaml')
  writeFileSync(configFile, kindConfig(o))
  const timings: Record<string, number> = {}
  const phase = async <T>(name: string, fn: () => Promise<T>) => {
    const t0 = performance.now()
    const r = await fn()
    timings[name] = +((performance.now() - t0) / 1000).toFixed(1)
    return r
  }
  try {
    const steps = planUp(o, configFile)
    const [create, ...rest] = steps
    const loads = rest.filter((s) => s.argv[1] === 'load')
    const [install, ...waits] = rest.filter((s) => s.argv[1] !== 'load')
    const kindnetCheck = waits.pop()!
    await phase('createCluster', async () => {
      // kind create cluster can leave a half-made cluster behind when it fails (kind deletes it only on success or
      // with --retain unset at the end of create): either way, delete is safe to run on a name that does not exist.
      onCreated()
      await execOrThrow(exec, create.argv)
    })
    await phase('loadImages', async () => {
      for (const s of loads) {
        const img = s.argv[3]
        const present = await exec('docker', ['image', 'inspect', img])
        if (present.exitCode !== 0) {
          log(`image ${img} is not present locally; nodes will pull it`)
          continue
        }
        // Under Docker's containerd image store (the default of Docker 29) `kind load docker-image` fails on pulled
        // multi-platform images: `docker save` keeps the whole index, `ctr images import --all-platforms` then misses
        // the other platforms' blobs (kubernetes-sigs/kind#3795, open). A preload is an optimisation: let nodes pull.
        const loaded = await exec(s.argv[0], s.argv.slice(1))
        if (loaded.exitCode !== 0)
          log(
            `kind load docker-image ${img} failed (${(loaded.stderr || loaded.stdout).trim().split('\n').at(-1)}); nodes will pull it instead. With Docker's containerd image store this is kubernetes-sigs/kind#3795`,
          )
      }
    })
    await phase('installCalico', () => execOrThrow(exec, install.argv, { input: m.patched }))
    try {
      await phase('calicoReady', async () => {
        for (const s of waits) await execOrThrow(exec, s.argv)
      })
    } catch (e) {
      const diag = await calicoDiagnostics(exec, o.name)
      throw new InfraError(`Calico did not become ready within ${o.waitSeconds} s: ${(e as Error).message}\n${diag.join('\n')}`, {
        hint: 'see docs/kind.md (troubleshooting); keep the cluster with --keep to look at it',
      })
    }
    const kindnet = await execOrThrow(exec, kindnetCheck.argv)
    if (kindnet.trim())
      throw new InfraError(`a kindnet DaemonSet is running in cluster ${o.name}: it would enforce NetworkPolicy instead of Calico`, {
        hint: 'the kind config must set networking.disableDefaultCNI: true',
      })
    const calicoApi = await phase('calicoApiserver', () => ensureApiserver(exec, kc, apiManifest, o.waitSeconds, false, log))
    log(
      `kind cluster ${o.name} up with Calico ${o.calicoVersion} (${m.source}, sha256 ${m.sha256}): ${Object.entries(timings)
        .map(([k, v]) => `${k} ${v} s`)
        .join(', ')}`,
    )
    return {
      reused: false,
      timings,
      calico: { version: r.version, manifest: `${m.source} sha256:${m.sha256}`, felix: felixSummary(o) },
      calicoApi,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * A healthy cluster is reused only when it runs what this run would install: calico-node at the release's tag and
 * the dataplane's FELIX_NFTABLESMODE, and no kindnet. Returns the Felix settings it runs; refuses (never deletes) otherwise.
 */
async function checkReusable(exec: Exec, o: KindOptions, r: CalicoRelease): Promise<string> {
  const kc = ['kubectl', '--context', context(o.name), '-n', 'kube-system']
  const ds = JSON.parse(await execOrThrow(exec, [...kc, 'get', 'daemonset', 'calico-node', '-o', 'json'])) as unknown
  const why = reuseMismatch(ds, r, o)
  const kindnet = await execOrThrow(exec, [...kc, 'get', 'daemonset', 'kindnet', '--ignore-not-found', '-o', 'name'])
  if (kindnet.trim()) why.push('a kindnet DaemonSet runs (it would enforce NetworkPolicy instead of Calico)')
  if (why.length)
    throw new InfraError(
      `kind cluster ${o.name} exists but is not what this run asks for (Calico ${r.version}, ${o.dataplane} dataplane): ${why.join('; ')}`,
      { hint: `delete it (netpol-harness cluster down --name ${o.name}) or pick another --name` },
    )
  const env =
    (
      ds as { spec?: { template?: { spec?: { containers?: { name: string; env?: { name: string; value?: string }[] }[] } } } }
    ).spec?.template?.spec?.containers?.find((c) => c.name === 'calico-node')?.env ?? []
  return Object.keys(felixEnv(o))
    .map((k) => `${k.replace(/^FELIX_/, '')}=${env.find((e) => e.name === k)?.value ?? '(unset)'}`)
    .join(' ')
}

/** Deletes the cluster (a missing one is fine). */
export async function down(exec: Exec, name: string): Promise<void> {
  await requireKind(exec)
  await execOrThrow(exec, ['kind', 'delete', 'cluster', '--name', name])
}

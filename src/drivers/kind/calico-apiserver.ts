// Why: Calico's own policy kinds (projectcalico.org/v3) are served on a manifest install only by the Calico API server,
// which calico.yaml does not include: the kind driver installs it the way Calico documents for manifest installs
// (tigera docs "Enable kubectl to manage Calico APIs", Manifest install tab), from the release's own
// manifests/apiserver.yaml, vendored and pinned like calico.yaml (docs/kind.md "Calico policy kinds").
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { InfraError } from '../../errors.js'
import { type Exec, execOrThrow } from '../exec.js'
import type { CalicoRelease } from './calico.js'
import { vendoredManifest } from './vendored.js'

/** Where the release's API server manifest is vendored, relative to the project root. */
export function apiserverManifestPath(version: string): string {
  return `manifests/calico/${version}/apiserver.yaml`
}

/** The upstream address of a release's API server manifest (what `npm run vendor:calico` downloads beside calico.yaml). */
export function apiserverManifestUrl(version: string): string {
  return `https://raw.githubusercontent.com/projectcalico/calico/${version}/manifests/apiserver.yaml`
}

/** The API server image at the release's tag, on the release's registry (as calicoImages for calico.yaml). */
export function apiserverImage(r: CalicoRelease): string {
  return `${r.registry}/calico/apiserver:${r.version}`
}

/**
 * The namespace, Deployment, Service and APIService the manifest creates (projectcalico/calico manifests/apiserver.yaml:
 * Namespace calico-apiserver, Deployment calico-apiserver, Service calico-api on 443 -> 5443, APIService
 * v3.projectcalico.org), and the secret it mounts its serving certificate from (`calico-apiserver-certs`).
 */
export const APISERVER = {
  namespace: 'calico-apiserver',
  deployment: 'calico-apiserver',
  apiService: 'v3.projectcalico.org',
  secret: 'calico-apiserver-certs',
  /** The certificate's name, as the docs' openssl command sets it: the Service's DNS name. */
  dnsName: 'calico-api.calico-apiserver.svc',
} as const

/**
 * The staged policy resources the API server must read and write in crd.projectcalico.org. The manifest's
 * `calico-crds` ClusterRole lacks them in v3.30.x (projectcalico/calico#11017: "calico-apiserver v3.30.3 manifest
 * missing permissions for staged network policies"; the fix, #11022, adds them to that rule), so a staged policy is
 * refused with "stagedkubernetesnetworkpolicies.crd.projectcalico.org is forbidden" without this patch.
 */
const STAGED_RESOURCES = ['stagednetworkpolicies', 'stagedglobalnetworkpolicies', 'stagedkubernetesnetworkpolicies'] as const

interface Rule {
  apiGroups?: string[]
  resources?: string[]
}

/**
 * The vendored manifest with the staged resources added to the `calico-crds` rule for crd.projectcalico.org (nothing
 * else changed), after checking that it is the manifest this code knows (the Deployment, the APIService) and that
 * every image carries the release's tag. Returns the YAML and what was added, or throws with what is wrong.
 */
export function patchApiserverManifest(text: string, r: CalicoRelease): { patched: string; added: string[] } {
  const docs = parseAllDocuments(text)
  const images: string[] = []
  const seen = new Set<string>()
  let added: string[] | undefined
  for (const doc of docs) {
    const obj = doc.toJS() as {
      kind?: string
      metadata?: { name?: string }
      rules?: Rule[]
      spec?: { template?: { spec?: { containers?: { image?: string }[] } } }
    } | null
    if (!obj?.kind) continue
    seen.add(`${obj.kind}/${obj.metadata?.name}`)
    for (const c of obj.spec?.template?.spec?.containers ?? []) if (c.image) images.push(c.image)
    if (obj.kind !== 'ClusterRole' || obj.metadata?.name !== 'calico-crds') continue
    const i = (obj.rules ?? []).findIndex((rule) => rule.apiGroups?.includes('crd.projectcalico.org'))
    if (i < 0) throw new Error('the calico-crds ClusterRole has no rule for crd.projectcalico.org')
    const have = obj.rules![i].resources ?? []
    added = STAGED_RESOURCES.filter((s) => !have.includes(s))
    doc.setIn(['rules', i, 'resources'], doc.createNode([...have, ...added]))
  }
  for (const need of [`Deployment/${APISERVER.deployment}`, `APIService/${APISERVER.apiService}`])
    if (!seen.has(need)) throw new Error(`no ${need} in the API server manifest`)
  if (!added) throw new Error('no calico-crds ClusterRole in the API server manifest')
  const wrong = images.filter((img) => !img.endsWith(`:${r.version}`))
  if (wrong.length || images.length === 0)
    throw new Error(`API server image not pinned to ${r.version}: ${wrong.join(', ') || 'no image at all'}`)
  return { patched: docs.map((d) => d.toString()).join('---\n'), added }
}

/** One install command, as the dry run prints it and `up` runs it; `stdin` names what is sent on stdin. */
export interface ApiserverStep {
  readonly what: string
  readonly argv: readonly string[]
  readonly stdin?: string
}

/**
 * The documented manifest-install steps, in order, for the cluster behind `kubectl` args `kc`: create the manifest,
 * make a key and self-signed certificate for the Service's DNS name (the docs' exact openssl command), hand them to
 * the API server as its secret, give the main API server the CA bundle (the APIService's caBundle), then wait for the
 * Deployment and for the APIService to be Available (the aggregator can reach it: projectcalico.org/v3 is served).
 */
export function apiserverSteps(
  kc: readonly string[],
  certDir: string,
  waitSeconds: number,
  caBundle = '<base64 of apiserver.crt>',
): ApiserverStep[] {
  const ns = ['-n', APISERVER.namespace]
  return [
    { what: 'install the Calico API server (projectcalico.org/v3)', argv: [...kc, 'create', '-f', '-'], stdin: 'apiserver.yaml' },
    {
      what: 'a key and self-signed certificate for the API server (as Calico documents it)',
      argv: [
        'openssl',
        'req',
        '-x509',
        '-nodes',
        '-newkey',
        'rsa:4096',
        '-keyout',
        `${certDir}/apiserver.key`,
        '-out',
        `${certDir}/apiserver.crt`,
        '-days',
        '365',
        '-subj',
        '/',
        '-addext',
        `subjectAltName = DNS:${APISERVER.dnsName}`,
      ],
    },
    {
      what: 'hand them to the API server',
      argv: [
        ...kc,
        ...ns,
        'create',
        'secret',
        'generic',
        APISERVER.secret,
        `--from-file=${certDir}/apiserver.key`,
        `--from-file=${certDir}/apiserver.crt`,
      ],
    },
    {
      what: 'give the main API server its CA bundle',
      argv: [...kc, 'patch', 'apiservice', APISERVER.apiService, '-p', JSON.stringify({ spec: { caBundle } })],
    },
    {
      what: 'wait for the Calico API server',
      argv: [...kc, ...ns, 'rollout', 'status', `deployment/${APISERVER.deployment}`, `--timeout=${waitSeconds}s`],
    },
    {
      what: 'wait until projectcalico.org/v3 is served (APIService Available)',
      argv: [...kc, 'wait', '--for=condition=Available', `apiservice/${APISERVER.apiService}`, `--timeout=${waitSeconds}s`],
    },
  ]
}

/** The patched API server manifest, where it came from and its sha256 (as the report records it). */
export interface ApiserverManifest {
  readonly patched: string
  /** `vendored <path>` or `fetched <url>`. */
  readonly source: string
  readonly sha256: string
  /** The resources the patch added to the calico-crds rule. */
  readonly added: readonly string[]
}

/**
 * The release's API server manifest: the vendored file (which must match the sha256 recorded beside it), else
 * fetched from the release tag and vendored with its sha256 (trust on first use, as calico.yaml), then patched.
 */
export async function apiserverManifest(
  root: string,
  r: CalicoRelease,
  fetchText: (url: string) => Promise<string>,
): Promise<ApiserverManifest> {
  const rel = apiserverManifestPath(r.version)
  const { text, source, sha256 } = await vendoredManifest(
    { root, rel, url: apiserverManifestUrl(r.version) },
    fetchText,
    (e) =>
      new InfraError(`the Calico API server manifest of ${r.version} is not vendored and could not be fetched: ${e.message}`, {
        hint: `on a machine with network access: npm run vendor:calico -- ${r.version}, then copy ${rel}`,
      }),
  )
  try {
    return { ...patchApiserverManifest(text, r), source, sha256 }
  } catch (e) {
    throw new InfraError(`${rel}: ${(e as Error).message}`)
  }
}

/**
 * Runs the install steps on the cluster behind `kc` (the manifest on stdin, the certificate in a temporary folder,
 * removed afterwards). Returns what the report records: the path and the manifest's source and sha256.
 */
export async function installApiserver(exec: Exec, kc: readonly string[], m: ApiserverManifest, waitSeconds: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'nph-calico-api-'))
  try {
    const [create, cert, secret, , ...waits] = apiserverSteps(kc, dir, waitSeconds)
    await execOrThrow(exec, create.argv, { input: m.patched })
    await execOrThrow(exec, cert.argv, { hint: 'the Calico API server needs a certificate: install openssl 1.1.1 or newer (-addext)' })
    await execOrThrow(exec, secret.argv)
    const caBundle = readFileSync(join(dir, 'apiserver.crt')).toString('base64')
    await execOrThrow(exec, apiserverSteps(kc, dir, waitSeconds, caBundle)[3].argv)
    for (const w of waits) await execOrThrow(exec, w.argv)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return calicoApiRecord(m)
}

/** What `driver.versions.calicoApi` says for an install from this manifest. */
export function calicoApiRecord(m: Pick<ApiserverManifest, 'source' | 'sha256' | 'added'>): string {
  return `Calico API server (${m.source} sha256:${m.sha256}${m.added.length ? `; RBAC patched: +${m.added.join(', +')}` : ''})`
}

/** Is projectcalico.org/v3 served on the cluster behind `kc` (its APIService exists and is Available)? */
export async function apiserverAvailable(exec: Exec, kc: readonly string[]): Promise<boolean> {
  const r = await exec(kc[0], [
    ...kc.slice(1),
    'get',
    'apiservice',
    APISERVER.apiService,
    '--ignore-not-found',
    '-o',
    'jsonpath={.status.conditions[?(@.type=="Available")].status}',
  ])
  return r.exitCode === 0 && r.stdout.trim() === 'True'
}

/**
 * Makes projectcalico.org/v3 served on the cluster behind `kc`: nothing on a reused cluster that already serves it,
 * else the install. A failure does not stop the run (only scenarios applying Calico's own kinds need it; they are
 * then `unsupported` by discovery): it is logged and recorded. Returns `driver.versions.calicoApi`.
 */
export async function ensureApiserver(
  exec: Exec,
  kc: readonly string[],
  manifest: () => Promise<ApiserverManifest>,
  waitSeconds: number,
  reused: boolean,
  log: (line: string) => void,
): Promise<string> {
  if (reused && (await apiserverAvailable(exec, kc)))
    return 'Calico API server (already serving projectcalico.org/v3 in the reused cluster)'
  try {
    return await installApiserver(exec, kc, await manifest(), waitSeconds)
  } catch (e) {
    const why = (e as Error).message.split('\n')[0]
    log(`the Calico API server is not installed (${why}); scenarios applying Calico's own kinds are unsupported on this cluster`)
    return `none: ${why}`
  }
}

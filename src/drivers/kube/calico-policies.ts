// Why: Calico's own policy kinds (projectcalico.org/v3: Tier, network sets, (Staged)(Global)NetworkPolicy) on a real
// cluster, sent as users wrote them to the Calico API server (docs/calico-policy.md "On kind and kube"). Most are
// cluster-scoped, so, as for cluster policies, the harness labels what it creates with the run, never replaces or
// deletes an object without that label, creates a Tier before the policies in it (and network sets before the
// policies selecting them) and deletes in the reverse order (a non-empty Tier cannot be deleted), deletes its own at
// `down`, and removes those of a run that is gone.
import { InfraError } from '../../errors.js'
import type { KubeApi } from './api.js'
import { CALICO_KINDS, type CalicoKind, type CalicoObjectMeta, type CalicoRef, type RawCalicoObject } from './calico-kinds.js'
import { RUN_LABEL } from './manifests.js'
import { listForCleanup, ownerLabels, removeLeftovers } from './owner.js'

/**
 * What the report records of how Calico's own kinds are applied (`driver.versions.calicoApi`): the path (the Calico
 * API server, found by discovery) and the kinds served, or that there is none.
 */
export function calicoApiSummary(served: readonly CalicoKind[]): string {
  return served.length
    ? `projectcalico.org/v3 through the Calico API server (${served.join(', ')})`
    : 'projectcalico.org/v3 not served (no Calico API server): Calico kinds unsupported'
}

/**
 * A namespaced Calico object without `metadata.namespace` is in `default` (tigera docs reference/resources/networkpolicy,
 * Metadata: namespace, default "default"; calicoctl and the API server both default it so).
 */
const DEFAULT_NAMESPACE = 'default'

/** The policy kinds whose name the API server checks against their tier (libcalico-go lib/names/policy.go). */
const TIERED_KINDS: ReadonlySet<CalicoKind> = new Set([
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
])

/** Kind, namespace (namespaced kinds only, defaulted) and name of an object. */
export function calicoRef(o: { kind: CalicoKind; metadata: { name: string; namespace?: string } }): CalicoRef {
  return CALICO_KINDS[o.kind].namespaced
    ? { kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace ?? DEFAULT_NAMESPACE }
    : { kind: o.kind, name: o.metadata.name }
}

/** `NetworkPolicy team-a/allow-web`, `Tier security`. */
export function describeRef(r: CalicoRef): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`
}

/**
 * Why the Calico API server of `calicoVersion` would refuse this policy's name, or undefined. Calico v3.29 to v3.31
 * (ValidateTieredPolicyName in libcalico-go lib/names/policy.go of those releases) accept a policy in tier T only
 * as `T.<name>`; in the default tier a name without a dot, or `default.<name>`; anything else is "Incorrectly
 * formatted policy name". v3.32 dropped the rule (projectcalico/calico#11232; #13595: bare names in a custom tier
 * "the apiserver only accepts from v3.32"). An unknown version is not checked: the API server will say.
 */
export function tieredNameProblem(o: RawCalicoObject, calicoVersion: string | undefined): string | undefined {
  if (!TIERED_KINDS.has(o.kind) || !prefixRequired(calicoVersion)) return undefined
  const tier = typeof o.spec?.tier === 'string' && o.spec.tier !== '' ? o.spec.tier : 'default'
  const name = o.metadata.name
  if (name.startsWith(`${tier}.`)) return undefined
  if (tier === 'default' && !name.includes('.')) return undefined
  return tier === 'default'
    ? `${o.kind} ${name}: Calico ${calicoVersion} accepts a dot in a default-tier policy name only as default.<name>`
    : `${o.kind} ${name} is in tier ${tier}: Calico ${calicoVersion} requires it to be named ${tier}.<name> (bare names from v3.32)`
}

/** Calico 3.29-3.31 require the tier prefix (see tieredNameProblem); undefined for an unknown version. */
function prefixRequired(version: string | undefined): boolean {
  const m = version && /^v?(\d+)\.(\d+)/.exec(version)
  if (!m) return false
  const [major, minor] = [Number(m[1]), Number(m[2])]
  return major === 3 && minor < 32
}

/**
 * Why this cluster cannot take these objects (`where` names it), or undefined: a kind it does not serve (no Calico
 * API server, or a release without it), or a name its release refuses.
 */
export function calicoObjectsUnsupported(
  objects: readonly RawCalicoObject[],
  served: readonly CalicoKind[],
  where: string,
  calicoVersion?: string,
): string | undefined {
  const missing = [...new Set(objects.map((o) => o.kind))].filter((k) => !served.includes(k))
  if (missing.length)
    return `${where} does not serve projectcalico.org/v3 ${missing.join(', ')}${served.length ? ` (it serves ${served.join(', ')})` : ' (no Calico API server; see docs/kind.md "Calico policy kinds")'}`
  const names = objects.map((o) => tieredNameProblem(o, calicoVersion)).filter((x) => x !== undefined)
  return names.length ? names.join('; ') : undefined
}

/** The object as the harness sends it: the user's object, namespace defaulted, plus the run's owner labels. */
export function ownedCalicoObject(o: RawCalicoObject, runId: string): RawCalicoObject {
  const ref = calicoRef(o)
  return {
    ...o,
    metadata: {
      ...o.metadata,
      ...(ref.namespace ? { namespace: ref.namespace } : {}),
      labels: { ...o.metadata.labels, ...ownerLabels(runId) },
    },
  }
}

/** Apply order: Tiers, then network sets, then policies; the user's order within each (a stable sort). */
function byRank<T extends { kind: CalicoKind }>(items: readonly T[], reverse = false): T[] {
  const sign = reverse ? -1 : 1
  return [...items].sort((a, b) => sign * (CALICO_KINDS[a.kind].rank - CALICO_KINDS[b.kind].rank))
}

/** The kinds in delete order: policies, then network sets, then Tiers (a non-empty Tier cannot be deleted). */
function deletionOrder(kinds: readonly CalicoKind[]): CalicoKind[] {
  return byRank(
    kinds.map((kind) => ({ kind })),
    true,
  ).map((x) => x.kind)
}

/** The client's Calico operations, or an InfraError naming what it lacks. */
function calicoClient(api: KubeApi) {
  const { createCalicoObject, replaceCalicoObject, readCalicoObject, deleteCalicoObject } = api
  if (!createCalicoObject || !replaceCalicoObject || !readCalicoObject || !deleteCalicoObject)
    throw new InfraError('this cluster client cannot apply Calico projectcalico.org/v3 objects')
  return {
    create: createCalicoObject.bind(api),
    replace: replaceCalicoObject.bind(api),
    read: readCalicoObject.bind(api),
    delete: deleteCalicoObject.bind(api),
  }
}

/** The API server's own words for a failed request (client-node's ApiException body is the Status object, or its JSON). */
function apiMessage(e: unknown): string {
  const body = (e as { body?: unknown }).body
  const parsed = typeof body === 'string' ? safeJson(body) : body
  const message = (parsed as { message?: unknown } | undefined)?.message
  return typeof message === 'string' ? message : (e as Error).message
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return undefined
  }
}

/** Reads every object first and refuses, naming all of them, when any exists without this run's label. */
async function assertAllOurs(api: KubeApi, runId: string, refs: readonly CalicoRef[]) {
  const client = calicoClient(api)
  const existing = await Promise.all(refs.map(async (r) => ({ ref: r, meta: await client.read(r) })))
  const foreign = existing.filter((x) => x.meta && x.meta.labels[RUN_LABEL] !== runId)
  if (foreign.length)
    throw new InfraError(
      `will not overwrite or delete ${foreign
        .map((x) => {
          const owner = x.meta!.labels[RUN_LABEL]
          return `${describeRef(x.ref)} (it belongs to ${owner ? `netpol-harness run ${owner}` : 'someone else: no netpol-harness run label'})`
        })
        .join(', ')} in context ${api.context}; nothing was applied`,
      { hint: `rename them in the scenario; netpol-harness only changes Calico objects labelled ${RUN_LABEL} with its own run` },
    )
  return existing
}

/**
 * Creates each object, or replaces this run's object of that name (create/replace by name, as `calicoctl apply`
 * does), in apply order: Tiers, network sets, policies. Refuses before sending anything when one exists that is not
 * this run's. An object the API server refuses stops the step with the server's message.
 */
export async function applyCalicoObjects(api: KubeApi, runId: string, objects: readonly RawCalicoObject[]): Promise<void> {
  const ordered = byRank(objects.map((o) => ownedCalicoObject(o, runId)))
  const existing = await assertAllOurs(api, runId, ordered.map(calicoRef))
  const client = calicoClient(api)
  for (const [i, o] of ordered.entries()) {
    const rv = existing[i].meta?.resourceVersion
    try {
      if (existing[i].meta && rv) await client.replace({ ...o, metadata: { ...o.metadata, resourceVersion: rv } })
      else await client.create(o)
    } catch (e) {
      throw new InfraError(`the Calico API server refused ${describeRef(calicoRef(o))}: ${apiMessage(e)}`, { cause: e })
    }
  }
}

/** Deletes these objects (policies before network sets before Tiers); refuses, deleting nothing, when one is not this run's. */
export async function deleteCalicoObjects(api: KubeApi, runId: string, refs: readonly CalicoRef[]): Promise<void> {
  const ordered = byRank(
    refs.map((r) => calicoRef({ kind: r.kind, metadata: r })),
    true,
  )
  const existing = await assertAllOurs(api, runId, ordered)
  const client = calicoClient(api)
  for (const x of existing) {
    if (!x.meta) continue
    try {
      await client.delete(x.ref)
    } catch (e) {
      throw new InfraError(`the Calico API server refused to delete ${describeRef(x.ref)}: ${apiMessage(e)}`, { cause: e })
    }
  }
}

/** Deletes every Calico object of the served kinds that carries this run's label, policies before sets before Tiers. */
export async function deleteRunCalicoObjects(api: KubeApi, runId: string, kinds: readonly CalicoKind[]): Promise<void> {
  if (!api.listCalicoObjects || !api.deleteCalicoObject) return
  for (const kind of deletionOrder(kinds)) {
    const mine = await api.listCalicoObjects(kind, `${RUN_LABEL}=${runId}`).catch(() => [])
    await Promise.all(mine.map((m) => api.deleteCalicoObject!({ kind, name: m.name, namespace: m.namespace }).catch(() => {})))
  }
}

/** Deletes the Calico objects of other harness runs that are gone (the test namespaces use); a live run's stay. */
export async function removeLeftoverCalicoObjects(
  api: KubeApi,
  runId: string,
  kinds: readonly CalicoKind[],
  alive?: (pid: number) => boolean,
  log?: (line: string) => void,
): Promise<void> {
  if (!api.listCalicoObjects || !api.deleteCalicoObject) return
  for (const kind of deletionOrder(kinds)) {
    const ref = (m: CalicoObjectMeta): CalicoRef => ({ kind, name: m.name, namespace: m.namespace })
    await removeLeftovers(await listForCleanup(api.listCalicoObjects(kind, RUN_LABEL), `Calico ${kind}`, log), {
      skipRun: runId,
      alive,
      log,
      describe: (m) => describeRef(ref(m)),
      // A Tier still holding someone else's policy cannot be deleted (clientv3 tier.go: "Cannot delete a non-empty tier"): said, not fatal.
      remove: (m) => api.deleteCalicoObject!(ref(m)).catch((e: unknown) => log?.(`cannot remove ${describeRef(ref(m))}: ${apiMessage(e)}`)),
    })
  }
}

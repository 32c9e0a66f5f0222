// The Calico API server (projectcalico.org/v3, Calico v3.30/v3.31) in memory, as the kube driver's client sees it
// through client-node: discovery, POST, GET, PUT, DELETE and LIST of the kinds the harness applies, with the
// defaulting and refusals the real one does. Every fact is cited next to the code that encodes it.
import type { CalicoKind, CalicoObjectMeta, CalicoRef, RawCalicoObject } from '../../src/drivers/kube/calico-kinds.js'
import { CALICO_KINDS, CALICO_KIND_NAMES } from '../../src/drivers/kube/calico-kinds.js'

/** A stored object: what the user sent plus what the server set. */
interface Stored {
  obj: RawCalicoObject
  createdAt: number
  resourceVersion: string
}

/**
 * The error client-node throws for a non-2xx answer: ApiException with `code` and the Status object as `body`
 * (@kubernetes/client-node src/gen/apis/exception.ts). `reason` as metav1.StatusReason names it.
 */
export function apiError(code: number, reason: string, message: string): Error {
  return Object.assign(new Error(`HTTP-Code: ${code} Message: ${message}`), {
    code,
    body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code }),
  })
}

/** Kind, name and namespace of an object (namespace `default` for a namespaced kind without one). */
const calicoRefOf = (o: RawCalicoObject): CalicoRef => ({ kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace })

/** The tier label the Calico client adds to every policy (libcalico-go lib/clientv3 networkpolicy.go addTierLabel). */
const TIER_LABEL = 'projectcalico.org/tier'

/** The Calico API server's store and rules; `FakeKube` delegates its Calico methods here. */
export class FakeCalicoApi {
  /** Objects by `Kind/namespace/name` (`Kind//name` when cluster-scoped). */
  objects = new Map<string, Stored>()
  /**
   * The kinds discovery lists. With the API server every kind is served (`kubectl api-resources` in tigera docs
   * "Enable kubectl to manage Calico APIs"); tests set [] for a cluster without it (GET /apis/projectcalico.org/v3 is a 404).
   */
  served: CalicoKind[] = [...CALICO_KIND_NAMES]
  private version = 1

  constructor() {
    // The default tier always exists and cannot be deleted (libcalico-go lib/clientv3 tier.go Delete: "Cannot delete
    // default tier"); kube-controllers creates it at start with order 1e6 (docs: the default tier's order is 1,000,000).
    this.store({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'default' }, spec: { order: 1_000_000 } })
  }

  private key(r: CalicoRef): string {
    return `${r.kind}/${CALICO_KINDS[r.kind].namespaced ? (r.namespace ?? 'default') : ''}/${r.name}`
  }

  private store(obj: RawCalicoObject, createdAt = Date.now()): void {
    this.objects.set(this.key({ kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace }), {
      obj,
      createdAt,
      resourceVersion: String(this.version++),
    })
  }

  /** The stored object of that kind and name (namespace `default` when unset, for namespaced kinds). */
  get(kind: CalicoKind, name: string, namespace?: string): RawCalicoObject | undefined {
    return this.objects.get(this.key({ kind, name, namespace }))?.obj
  }

  private assertServed(kind: CalicoKind): void {
    // Without the API server the group is not served at all: the request path is unknown, a 404 (k8s apiserver NotFound).
    if (!this.served.includes(kind)) throw apiError(404, 'NotFound', 'the server could not find the requested resource')
  }

  /**
   * What the Calico v3.30/v3.31 API server does on create and replace before storing. How its refusals reach the
   * client: the apiserver's storage maps only libcalico's AlreadyExists, DoesNotExist and UpdateConflict to storage
   * errors and passes any other error through (apiserver/pkg/storage/calico aapiError); the generic registry turns
   * only AlreadyExists into a 409 on create (k8s.io/apiserver registry/generic/registry storeerr InterpretCreateError),
   * and anything that is not a Status becomes a 500 with the error's text and reason "" (StatusReasonUnknown:
   * k8s.io/apiserver endpoints/handlers/responsewriters status.go ErrorToAPIStatus). So:
   * - a policy's tier must exist (clientv3 networkpolicy.go Create: "Before creating the policy, check that the tier
   *   exists"): libcalico's DoesNotExist becomes a storage key-not-found on create, a 500;
   * - a policy's name must carry its tier (libcalico-go lib/names/policy.go ValidateTieredPolicyName of v3.29-v3.31:
   *   "Incorrectly formatted policy name"), a validation error: a 500 carrying that text;
   * - `types` defaulted from the rules present (clientv3 defaultPolicyTypesField; tigera docs networkpolicy "types":
   *   no rules or ingress only -> Ingress, egress only -> Egress, both -> both);
   * - the tier label added for a non-default tier (clientv3 networkpolicy.go addTierLabel).
   */
  private admit(o: RawCalicoObject): RawCalicoObject {
    // The generic registry checks ObjectMeta before the strategy: a missing name is a 422 Invalid (k8s.io/apiserver rest.BeforeCreate).
    if (!o.metadata.name) throw apiError(422, 'Invalid', `${o.kind}.projectcalico.org "" is invalid: metadata.name: Required value`)
    if (o.kind === 'Tier' || o.kind === 'NetworkSet' || o.kind === 'GlobalNetworkSet' || o.kind === 'StagedKubernetesNetworkPolicy')
      return o
    const spec = (o.spec ?? {}) as Record<string, unknown>
    const tier = typeof spec.tier === 'string' && spec.tier !== '' ? spec.tier : 'default'
    if (!this.get('Tier', tier))
      throw apiError(
        500,
        '',
        `StorageError: key not found, Code: 1, Key: ${this.key(calicoRefOf(o))}, ResourceVersion: 0, AdditionalErrorMsg: `,
      )
    const name = o.metadata.name
    const dotted = name.split('.')
    if (!(name.startsWith(`${tier}.`) || (tier === 'default' && dotted.length === 1)))
      throw apiError(500, '', `Incorrectly formatted policy name ${name}`)
    const types =
      spec.types ?? (spec.egress && !spec.ingress ? ['Egress'] : spec.egress && spec.ingress ? ['Ingress', 'Egress'] : ['Ingress'])
    const labels = tier === 'default' ? o.metadata.labels : { ...o.metadata.labels, [TIER_LABEL]: tier }
    return { ...o, metadata: { ...o.metadata, ...(labels ? { labels } : {}) }, spec: { ...spec, types } }
  }

  async servedCalicoKinds(): Promise<CalicoKind[]> {
    return [...this.served]
  }

  /** POST: 409 AlreadyExists for an existing name (Kubernetes API conventions, "Create"); sets creationTimestamp and resourceVersion. */
  async createCalicoObject(obj: RawCalicoObject): Promise<void> {
    this.assertServed(obj.kind)
    const ns = CALICO_KINDS[obj.kind].namespaced ? { namespace: obj.metadata.namespace ?? 'default' } : {}
    const o = this.admit({ ...obj, metadata: { ...obj.metadata, ...ns } })
    if (this.get(o.kind, o.metadata.name, o.metadata.namespace))
      throw apiError(409, 'AlreadyExists', `${CALICO_KINDS[o.kind].plural}.projectcalico.org "${o.metadata.name}" already exists`)
    this.store(o)
  }

  /**
   * PUT: only over an existing object (the policy strategies' AllowCreateOnUpdate is false: apiserver registry
   * networkpolicy/strategy.go), 409 Conflict when the resourceVersion sent is not the stored one (optimistic
   * concurrency, Kubernetes API conventions); creationTimestamp is kept.
   */
  async replaceCalicoObject(obj: RawCalicoObject & { metadata: { resourceVersion: string } }): Promise<void> {
    this.assertServed(obj.kind)
    const key = this.key({ kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace })
    const old = this.objects.get(key)
    if (!old) throw apiError(404, 'NotFound', `${CALICO_KINDS[obj.kind].plural}.projectcalico.org "${obj.metadata.name}" not found`)
    if (old.resourceVersion !== obj.metadata.resourceVersion)
      throw apiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${CALICO_KINDS[obj.kind].plural}.projectcalico.org "${obj.metadata.name}": the object has been modified`,
      )
    const { resourceVersion: _rv, ...metadata } = obj.metadata
    this.store(this.admit({ ...obj, metadata }), old.createdAt)
  }

  /** GET: 404 when absent, which client-node-api.ts turns into undefined. */
  async readCalicoObject(ref: CalicoRef): Promise<CalicoObjectMeta | undefined> {
    this.assertServed(ref.kind)
    const s = this.objects.get(this.key(ref))
    return s && this.meta(s)
  }

  /**
   * DELETE: a missing object is a 404, which client-node-api.ts swallows. A Tier still holding a policy cannot be
   * deleted, nor the default tier (libcalico-go lib/clientv3 tier.go Delete: "Cannot delete a non-empty tier",
   * "Cannot delete default tier"; ErrorOperationNotSupported, not a Status: a 500 with its text, as above).
   */
  async deleteCalicoObject(ref: CalicoRef): Promise<void> {
    this.assertServed(ref.kind)
    if (ref.kind === 'Tier') {
      if (ref.name === 'default') throw apiError(500, '', 'operation Delete is not supported on default: Cannot delete default tier')
      const inTier = [...this.objects.values()].some((s) => (s.obj.spec as { tier?: string } | undefined)?.tier === ref.name)
      if (inTier) throw apiError(500, '', `operation delete is not supported on ${ref.name}: Cannot delete a non-empty tier`)
    }
    this.objects.delete(this.key(ref))
  }

  /**
   * LIST across namespaces with ?labelSelector= (`key=value` equality, bare `key` existence: Kubernetes "Labels and
   * Selectors", API LIST filtering). The API server ANDs its tier selector into a policy list (every tier the user
   * may read: apiserver registry util/rbac.go EnsureTierSelector), which for an admin is every tier.
   */
  async listCalicoObjects(kind: CalicoKind, labelSelector: string): Promise<CalicoObjectMeta[]> {
    this.assertServed(kind)
    const [k, v] = labelSelector.split('=')
    return [...this.objects.values()]
      .filter((s) => s.obj.kind === kind)
      .filter((s) => {
        const labels = s.obj.metadata.labels ?? {}
        return v === undefined ? k in labels : labels[k] === v
      })
      .map((s) => this.meta(s))
  }

  private meta(s: Stored): CalicoObjectMeta {
    return {
      name: s.obj.metadata.name,
      ...(s.obj.metadata.namespace ? { namespace: s.obj.metadata.namespace } : {}),
      labels: { ...s.obj.metadata.labels },
      createdAt: s.createdAt,
      resourceVersion: s.resourceVersion,
    }
  }
}

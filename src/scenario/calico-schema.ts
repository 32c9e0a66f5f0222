// Why: read Calico's projectcalico.org/v3 kinds exactly as `calicoctl apply` takes them, validated as libcalico-go's
// validator does for the fields we model (api/pkg/apis/projectcalico/v3 types, libcalico-go/lib/validator/v3), each
// selector parsed with its column; the fields Calico has but no driver here can test are refused as unsupported with
// the reason (docs/calico-policy.md).
import { z } from 'zod'
import {
  CALICO_API_VERSION,
  type CalicoEntity,
  type CalicoKind,
  type CalicoObject,
  type CalicoPolicy,
  type CalicoPort,
  type CalicoProtocol,
  type CalicoRule,
  defaultTypes,
} from '../model/calico.js'
import { type CalicoSelector, SelectorError, parseCalicoSelector } from '../model/calico-selector.js'
import { annotations, cidrError, dns1123LabelError, dns1123SubdomainError, labels, portNameError } from './fields.js'
import { networkPolicySchema } from './policy-schema.js'

type Ctx = z.core.$RefinementCtx
type Path = (string | number)[]
type Obj = Record<string, unknown>

/** Fields Calico has that the harness cannot test, with the reason (validate and lint say `unsupported`). */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  doNotTrack: 'doNotTrack policies apply to host endpoints in the raw table; scenarios have no host endpoints',
  preDNAT: 'preDNAT policies apply to host endpoints before DNAT; scenarios have no host endpoints',
  applyOnForward: 'applyOnForward concerns host endpoints; scenarios have no host endpoints',
  http: 'HTTP match needs Calico application layer policy (Envoy), which no driver here runs',
  services: 'services peers are not modelled yet (issue 18 Services are probed, but not as Calico rule peers)',
  allowedEgressDomains: 'domain-based network sets need DNS policy, which no driver here runs',
  performanceHints: 'performanceHints change no verdict; leave it out',
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

class Reader {
  constructor(readonly ctx: Ctx) {}
  issue(path: Path, message: string): void {
    this.ctx.addIssue({ code: 'custom', path, message })
  }
  /** Reports every key of `o` not in `known` (unsupported ones with their reason). */
  keys(o: Obj, known: readonly string[], path: Path): void {
    for (const k of Object.keys(o)) {
      if (known.includes(k)) continue
      if (UNSUPPORTED[k]) this.issue([...path, k], `unsupported: ${UNSUPPORTED[k]}`)
      else this.issue([...path, k], `unknown field ${k} (known: ${known.join(', ')})`)
    }
  }
  obj(v: unknown, path: Path, what: string): Obj | undefined {
    if (v === undefined || v === null) return undefined
    if (!isObj(v)) return (this.issue(path, `${what} must be a map`), undefined)
    return v
  }
  str(v: unknown, path: Path, what: string): string | undefined {
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'string') return (this.issue(path, `${what} must be a string`), undefined)
    return v
  }
  list(v: unknown, path: Path, what: string): unknown[] {
    if (v === undefined || v === null) return []
    if (!Array.isArray(v)) return (this.issue(path, `${what} must be a list`), [])
    return v
  }
  selector(v: unknown, path: Path, what: string): { sel: CalicoSelector; text: string } | undefined {
    const s = this.str(v, path, what)
    if (s === undefined) return undefined
    try {
      return { sel: parseCalicoSelector(s), text: s }
    } catch (e) {
      if (e instanceof SelectorError) this.issue(path, `bad selector ${JSON.stringify(s)}: ${e.message} at column ${e.column}`)
      else throw e
      return undefined
    }
  }
  nets(v: unknown, path: Path): string[] | undefined {
    if (v === undefined || v === null) return undefined
    const out: string[] = []
    this.list(v, path, 'nets').forEach((n, i) => {
      // Calico takes a bare address as its host CIDR (cnet.ParseCIDROrIP).
      const s = this.str(n, [...path, i], 'a net')
      if (s === undefined) return
      const cidr = s.includes('/') ? s : `${s}/${s.includes(':') ? 128 : 32}`
      const e = cidrError(cidr)
      if (e) this.issue([...path, i], e)
      else out.push(cidr)
    })
    return out
  }
  ports(v: unknown, path: Path): CalicoPort[] | undefined {
    if (v === undefined || v === null) return undefined
    const out: CalicoPort[] = []
    this.list(v, path, 'ports').forEach((p, i) => {
      const at = [...path, i]
      if (typeof p === 'number') {
        if (Number.isInteger(p) && p >= 0 && p <= 65535) out.push({ start: p, end: p })
        else this.issue(at, `a port is 0 to 65535 (got ${p})`)
        return
      }
      if (typeof p !== 'string') return this.issue(at, 'a port is a number, "first:last" or a port name')
      const range = /^(\d+):(\d+)$/.exec(p)
      if (range) {
        const [a, b] = [Number(range[1]), Number(range[2])]
        if (a > 65535 || b > 65535 || a > b) this.issue(at, `a port range is first:last with first <= last <= 65535 (got ${p})`)
        else out.push({ start: a, end: b })
        return
      }
      if (/^\d+$/.test(p)) return void out.push({ start: Number(p), end: Number(p) })
      const e = portNameError(p)
      if (e) this.issue(at, e)
      else out.push({ name: p })
    })
    return out
  }
  protocol(v: unknown, path: Path): CalicoProtocol | undefined {
    if (v === undefined || v === null) return undefined
    if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= 1 && v <= 255) return v
      return (this.issue(path, `a protocol number is 1 to 255 (got ${v})`), undefined)
    }
    const names: Record<string, CalicoProtocol> = {
      tcp: 'TCP',
      udp: 'UDP',
      sctp: 'SCTP',
      icmp: 'ICMP',
      icmpv6: 'ICMPv6',
      udplite: 'UDPLite',
    }
    const p = typeof v === 'string' ? names[v.toLowerCase()] : undefined
    if (p === undefined) this.issue(path, `protocol must be TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or 1-255 (got ${JSON.stringify(v)})`)
    return p
  }
  entity(v: unknown, path: Path, source: boolean): CalicoEntity {
    const o = this.obj(v, path, source ? 'source' : 'destination') ?? {}
    this.keys(o, ['nets', 'notNets', 'selector', 'notSelector', 'namespaceSelector', 'ports', 'notPorts', 'serviceAccounts'], path)
    const sel = this.selector(o.selector, [...path, 'selector'], 'selector')
    const notSel = this.selector(o.notSelector, [...path, 'notSelector'], 'notSelector')
    const nsSel = this.selector(o.namespaceSelector, [...path, 'namespaceSelector'], 'namespaceSelector')
    const ports = this.ports(o.ports, [...path, 'ports'])
    const notPorts = this.ports(o.notPorts, [...path, 'notPorts'])
    if (source && (ports || notPorts))
      this.issue(
        [...path, ports ? 'ports' : 'notPorts'],
        "unsupported: source ports match the client's ephemeral port, which probes do not choose",
      )
    let serviceAccounts: CalicoEntity['serviceAccounts']
    const sa = this.obj(o.serviceAccounts, [...path, 'serviceAccounts'], 'serviceAccounts')
    if (sa) {
      this.keys(sa, ['names', 'selector'], [...path, 'serviceAccounts'])
      const names = this.list(sa.names, [...path, 'serviceAccounts', 'names'], 'names').filter((n): n is string => typeof n === 'string')
      const s = this.selector(sa.selector, [...path, 'serviceAccounts', 'selector'], 'selector')
      serviceAccounts = { ...(names.length ? { names } : {}), ...(s ? { selector: s.sel } : {}) }
    }
    const nets = this.nets(o.nets, [...path, 'nets'])
    const notNets = this.nets(o.notNets, [...path, 'notNets'])
    return {
      ...(nets ? { nets } : {}),
      ...(notNets ? { notNets } : {}),
      ...(sel ? { selector: sel.sel } : {}),
      ...(notSel ? { notSelector: notSel.sel } : {}),
      ...(nsSel ? { namespaceSelector: nsSel.sel } : {}),
      ...(ports ? { ports } : {}),
      ...(notPorts ? { notPorts } : {}),
      ...(serviceAccounts ? { serviceAccounts } : {}),
      text: {
        ...(sel ? { selector: sel.text } : {}),
        ...(notSel ? { notSelector: notSel.text } : {}),
        ...(nsSel ? { namespaceSelector: nsSel.text } : {}),
      },
    }
  }
  icmp(v: unknown, path: Path): { type?: number; code?: number } | undefined {
    const o = this.obj(v, path, 'icmp')
    if (!o) return undefined
    this.keys(o, ['type', 'code'], path)
    const num = (x: unknown, k: string, max: number) => {
      if (x === undefined) return undefined
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > max)
        return (this.issue([...path, k], `${k} is 0 to ${max}`), undefined)
      return x
    }
    const type = num(o.type, 'type', 254)
    const code = num(o.code, 'code', 255)
    if (code !== undefined && type === undefined) this.issue([...path, 'code'], 'code needs a type')
    return { ...(type !== undefined ? { type } : {}), ...(code !== undefined ? { code } : {}) }
  }
  rule(v: unknown, path: Path): CalicoRule | undefined {
    const o = this.obj(v, path, 'a rule')
    if (!o) return (this.issue(path, 'a rule must be a map'), undefined)
    this.keys(o, ['action', 'protocol', 'notProtocol', 'ipVersion', 'icmp', 'notICMP', 'source', 'destination', 'metadata'], path)
    const action = o.action
    if (action !== 'Allow' && action !== 'Deny' && action !== 'Log' && action !== 'Pass') {
      this.issue([...path, 'action'], `action must be Allow, Deny, Log or Pass (got ${JSON.stringify(action)})`)
      return undefined
    }
    const protocol = this.protocol(o.protocol, [...path, 'protocol'])
    const notProtocol = this.protocol(o.notProtocol, [...path, 'notProtocol'])
    let ipVersion: 4 | 6 | undefined
    if (o.ipVersion !== undefined) {
      if (o.ipVersion === 4 || o.ipVersion === 6) ipVersion = o.ipVersion
      else this.issue([...path, 'ipVersion'], 'ipVersion must be 4 or 6')
    }
    const icmp = this.icmp(o.icmp, [...path, 'icmp'])
    const notICMP = this.icmp(o.notICMP, [...path, 'notICMP'])
    const isIcmp = protocol === 'ICMP' || protocol === 'ICMPv6' || protocol === 1 || protocol === 58
    if ((icmp || notICMP) && !isIcmp) this.issue([...path, icmp ? 'icmp' : 'notICMP'], 'icmp needs protocol ICMP or ICMPv6')
    const source = this.entity(o.source, [...path, 'source'], true)
    const destination = this.entity(o.destination, [...path, 'destination'], false)
    // libcalico-go validator: ports need a protocol that has them.
    const l4 =
      protocol === 'TCP' || protocol === 'UDP' || protocol === 'SCTP' || protocol === 'UDPLite' || protocol === 6 || protocol === 17
    if ((destination.ports || destination.notPorts) && !l4)
      this.issue([...path, 'destination'], 'ports and notPorts need protocol TCP, UDP, SCTP or UDPLite')
    return {
      action,
      ...(protocol !== undefined ? { protocol } : {}),
      ...(notProtocol !== undefined ? { notProtocol } : {}),
      ...(ipVersion ? { ipVersion } : {}),
      ...(icmp ? { icmp } : {}),
      ...(notICMP ? { notICMP } : {}),
      source,
      destination,
    }
  }
  rules(v: unknown, path: Path): CalicoRule[] {
    return this.list(v, path, 'rules').flatMap((r, i) => this.rule(r, [...path, i]) ?? [])
  }
  order(v: unknown, path: Path): number | undefined {
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'number' || !Number.isFinite(v)) return (this.issue(path, 'order must be a number'), undefined)
    return v
  }
  policy(kind: CalicoKind, o: Obj, meta: { name: string; namespace?: string }, staged: boolean): CalicoPolicy | undefined {
    const spec = this.obj(o.spec, ['spec'], 'spec') ?? {}
    const global = kind === 'GlobalNetworkPolicy' || kind === 'StagedGlobalNetworkPolicy'
    const known = [
      'tier',
      'order',
      'selector',
      'types',
      'ingress',
      'egress',
      'serviceAccountSelector',
      ...(global ? ['namespaceSelector'] : []),
      ...(staged ? ['stagedAction'] : []),
    ]
    this.keys(spec, known, ['spec'])
    const tier = this.str(spec.tier, ['spec', 'tier'], 'tier') ?? 'default'
    const e = dns1123LabelError(tier)
    if (e) this.issue(['spec', 'tier'], e)
    const sel = this.selector(spec.selector ?? '', ['spec', 'selector'], 'selector') ?? { sel: { op: 'all' as const }, text: 'all()' }
    const nsSel = global ? this.selector(spec.namespaceSelector, ['spec', 'namespaceSelector'], 'namespaceSelector') : undefined
    const saSel = this.selector(spec.serviceAccountSelector, ['spec', 'serviceAccountSelector'], 'serviceAccountSelector')
    const ingress = this.rules(spec.ingress, ['spec', 'ingress'])
    const egress = this.rules(spec.egress, ['spec', 'egress'])
    let types = defaultTypes(ingress.length, egress.length)
    if (spec.types !== undefined) {
      const list = this.list(spec.types, ['spec', 'types'], 'types')
      const bad = list.findIndex((t) => t !== 'Ingress' && t !== 'Egress')
      if (bad >= 0) this.issue(['spec', 'types', bad], 'types entries must be Ingress or Egress')
      else if (list.length > 0) types = [...new Set(list as ('Ingress' | 'Egress')[])]
      // libcalico-go validator: rules of a direction not in types are an error.
      if (ingress.length && !types.includes('Ingress')) this.issue(['spec', 'ingress'], 'ingress rules need Ingress in types')
      if (egress.length && !types.includes('Egress')) this.issue(['spec', 'egress'], 'egress rules need Egress in types')
    }
    let stagedAction: 'Set' | 'Delete' | undefined
    if (staged) {
      const a = spec.stagedAction ?? 'Set'
      if (a !== 'Set' && a !== 'Delete') this.issue(['spec', 'stagedAction'], 'stagedAction must be Set or Delete')
      else stagedAction = a
    }
    return {
      kind: kind as CalicoPolicy['kind'],
      name: meta.name,
      ...(meta.namespace ? { namespace: meta.namespace } : {}),
      tier,
      ...(this.order(spec.order, ['spec', 'order']) !== undefined ? { order: spec.order as number } : {}),
      selector: sel.sel,
      selectorText: sel.text,
      ...(nsSel ? { namespaceSelector: nsSel.sel } : {}),
      ...(saSel ? { serviceAccountSelector: saSel.sel } : {}),
      types,
      ingress,
      egress,
      ...(stagedAction ? { stagedAction } : {}),
    }
  }
}

/** True when an object is of Calico's API group (read with this schema). */
export function isCalicoObject(v: unknown): boolean {
  return isObj(v) && v.apiVersion === CALICO_API_VERSION
}

const KINDS: readonly CalicoKind[] = [
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'Tier',
  'NetworkSet',
  'GlobalNetworkSet',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
]
const NAMESPACED: ReadonlySet<string> = new Set(['NetworkPolicy', 'NetworkSet', 'StagedNetworkPolicy', 'StagedKubernetesNetworkPolicy'])

/**
 * A plain manifest's object as `calicoctl apply -f` and the API server take it: a namespaced kind without
 * `metadata.namespace` is in `default` (scenarios must name it). Anything else is returned as it is.
 */
export function withDefaultNamespace(v: unknown): unknown {
  if (!isObj(v) || !NAMESPACED.has(v.kind as string) || !isObj(v.metadata) || v.metadata.namespace !== undefined) return v
  return { ...v, metadata: { ...v.metadata, namespace: 'default' } }
}

/** A parsed Calico object with the object exactly as written (what the kube driver sends). */
export interface ParsedCalico {
  readonly object: CalicoObject
  readonly raw: unknown
}

/** The schema of one projectcalico.org/v3 object. */
export const calicoSchema = z.unknown().transform((v, ctx): ParsedCalico => {
  const r = new Reader(ctx)
  if (!isObj(v)) return (r.issue([], 'a Calico object must be a map'), z.NEVER)
  r.keys(v, ['apiVersion', 'kind', 'metadata', 'spec'], [])
  const kind = v.kind as CalicoKind
  if (!KINDS.includes(kind)) return (r.issue(['kind'], `kind must be one of ${KINDS.join(', ')} (got ${JSON.stringify(v.kind)})`), z.NEVER)
  const md = r.obj(v.metadata, ['metadata'], 'metadata') ?? {}
  r.keys(md, ['name', 'namespace', 'labels', 'annotations'], ['metadata'])
  const name = r.str(md.name, ['metadata', 'name'], 'name')
  if (name === undefined) r.issue(['metadata', 'name'], 'metadata.name is required')
  else if (dns1123SubdomainError(name)) r.issue(['metadata', 'name'], dns1123SubdomainError(name)!)
  const namespaced = NAMESPACED.has(kind)
  const namespace = r.str(md.namespace, ['metadata', 'namespace'], 'namespace')
  if (namespaced && namespace === undefined) r.issue(['metadata', 'namespace'], `a ${kind} needs metadata.namespace in a scenario`)
  if (!namespaced && namespace !== undefined) r.issue(['metadata', 'namespace'], `a ${kind} is cluster-scoped: leave namespace out`)
  const lab = labels.safeParse(md.labels ?? {})
  if (!lab.success) r.issue(['metadata', 'labels'], lab.error.issues[0]?.message ?? 'bad labels')
  if (md.annotations !== undefined && !annotations.safeParse(md.annotations).success)
    r.issue(['metadata', 'annotations'], 'bad annotations')
  if (name === undefined || (namespaced && namespace === undefined)) return z.NEVER
  const meta = { name, ...(namespaced ? { namespace } : {}) }
  let object: CalicoObject | undefined
  if (kind === 'Tier') {
    const spec = r.obj(v.spec, ['spec'], 'spec') ?? {}
    r.keys(spec, ['order', 'defaultAction'], ['spec'])
    const da = spec.defaultAction ?? 'Deny'
    if (da !== 'Deny' && da !== 'Pass') r.issue(['spec', 'defaultAction'], 'defaultAction must be Deny or Pass')
    const order = r.order(spec.order, ['spec', 'order'])
    object = { kind, name, ...(order !== undefined ? { order } : {}), defaultAction: da === 'Pass' ? 'Pass' : 'Deny' }
  } else if (kind === 'NetworkSet' || kind === 'GlobalNetworkSet') {
    const spec = r.obj(v.spec, ['spec'], 'spec') ?? {}
    r.keys(spec, ['nets'], ['spec'])
    object = { kind, ...meta, labels: lab.success ? lab.data : {}, nets: r.nets(spec.nets, ['spec', 'nets']) ?? [] }
  } else if (kind === 'StagedKubernetesNetworkPolicy') {
    const spec = r.obj(v.spec, ['spec'], 'spec') ?? {}
    const { stagedAction, ...k8sSpec } = spec
    if (stagedAction !== undefined && stagedAction !== 'Set' && stagedAction !== 'Delete')
      r.issue(['spec', 'stagedAction'], 'stagedAction must be Set or Delete')
    const np = networkPolicySchema.safeParse({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta, spec: k8sSpec })
    if (!np.success) for (const i of np.error.issues) r.issue(i.path as Path, i.message)
    else
      object = {
        kind,
        ...meta,
        tier: 'default',
        order: 1000,
        selector: { op: 'all' },
        selectorText: 'all()',
        types: [],
        ingress: [],
        egress: [],
        stagedAction: stagedAction === 'Delete' ? 'Delete' : 'Set',
        k8sSpec: np.data.spec,
      }
  } else object = r.policy(kind, v, meta, kind.startsWith('Staged'))
  if (!object) return z.NEVER
  return { object, raw: v }
})

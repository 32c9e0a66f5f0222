// Why: close the loop: intent -> required flows (DNS kept whole) -> allow-only policies -> predicted with our own
// evaluator on the same cluster -> every cell compared with the intent, so a generated set is proven before output.
import { compile, explainCell, predictModel } from '../evaluator/index.js'
import ipaddr from 'ipaddr.js'
import { type IPFamily, type Protocol, type Target, addressFor, podId } from '../model/cluster.js'
import { type BuiltSet, type ExternalsMode, type Flow, buildPolicies, groupIndex } from './build.js'
import type { Intent } from './intent.js'

/** DNS to one server: the protocols the intent allowed, the ones added beside them, the ones the intent denies. */
export interface DnsNote {
  readonly from: string
  readonly to: string
  /** The family of the cells (dual-stack scenarios). */
  readonly family?: IPFamily
  readonly intended: readonly Protocol[]
  readonly added: readonly Protocol[]
  readonly deniedByIntent: readonly Protocol[]
}

/** A cell the generated set allows although the intent denies it, with the rules that allow it and why. */
export interface WidenedCell {
  readonly from: string
  readonly to: string
  readonly target: Target
  /** `ns/policy egress rule 0`, `ns/policy ingress rule 1`. */
  readonly allowedBy: readonly string[]
  readonly why: string
}

/** The proof: how many cells the intent asserts, and every one the generated set gets wrong. */
export interface Proof {
  readonly asserted: number
  readonly widened: readonly WidenedCell[]
  /** Intended allow but predicted deny: never expected (a generator bug); listed so it cannot pass unseen. */
  readonly missing: readonly { readonly from: string; readonly to: string; readonly target: Target }[]
  /** Cells the intent says nothing about that the set allows. */
  readonly unassertedAllowed: number
}

/** A generated set, its proof, and what to call out. */
export interface Generated extends BuiltSet {
  readonly intent: Intent
  readonly flows: readonly Flow[]
  readonly dns: readonly DnsNote[]
  readonly proof: Proof
}

/** True when the set predicts exactly the intended matrix. */
export function isExact(g: Generated): boolean {
  return g.proof.widened.length === 0 && g.proof.missing.length === 0
}

const DNS_PORT = 53
const OTHER: Partial<Record<Protocol, Protocol>> = { UDP: 'TCP', TCP: 'UDP' }

/** The flows the intent allows, plus the other DNS protocol beside every allowed DNS flow unless the intent denies it. */
function requiredFlows(intent: Intent): { flows: Flow[]; dns: DnsNote[] } {
  // Intent cells are unique; a DNS companion is added only where the intent has no verdict, so nothing repeats.
  const flows: Flow[] = []
  // Per source, server and family (dual-stack: DNS over each family is its own pair of cells).
  const dns = new Map<string, { from: string; to: string; family?: IPFamily; intended: Set<Protocol> }>()
  for (const c of intent.verdicts.entries()) {
    if (c.value !== 'allow' || c.from === c.to) continue
    flows.push({ from: c.from, to: c.to, target: c.target })
    if (c.target.port === DNS_PORT && c.target.protocol !== 'ICMP' && OTHER[c.target.protocol]) {
      const k = `${c.from}|${c.to}|${c.target.family ?? ''}`
      const e = dns.get(k) ?? {
        from: c.from,
        to: c.to,
        ...(c.target.family ? { family: c.target.family } : {}),
        intended: new Set<Protocol>(),
      }
      e.intended.add(c.target.protocol)
      dns.set(k, e)
    }
  }
  const notes: DnsNote[] = []
  for (const e of dns.values()) {
    const added: Protocol[] = []
    const denied: Protocol[] = []
    for (const p of e.intended) {
      const other = OTHER[p]!
      if (e.intended.has(other)) continue
      const target: Target = { port: DNS_PORT, protocol: other, ...(e.family ? { family: e.family } : {}) }
      const verdict = intent.verdicts.get(e.from, e.to, target)
      if (verdict === 'deny') denied.push(other)
      else {
        added.push(other)
        if (verdict === undefined) flows.push({ from: e.from, to: e.to, target })
      }
    }
    notes.push({
      from: e.from,
      to: e.to,
      ...(e.family ? { family: e.family } : {}),
      intended: [...e.intended].sort(),
      added,
      deniedByIntent: denied,
    })
  }
  return { flows, dns: notes }
}

/** Predicts `policies` on the intent's cluster and compares every cell with the intent. */
function prove(intent: Intent, built: BuiltSet): Proof {
  const model = compile({ ...intent.state, policies: [...built.policies] })
  const predicted = predictModel(model, intent.targets)
  const groups = groupIndex(built.groups)
  const endpoints = new Map<string, { ip: string; ips?: readonly string[] }>([
    ...intent.state.pods.map((p) => [podId(p), p] as const),
    ...intent.state.externals.map((e) => [e.name, e] as const),
  ])
  const inside = (ip: string, cidr: string) => {
    const a = ipaddr.parse(ip)
    const range = ipaddr.parseCIDR(cidr)
    return a.kind() === range[0].kind() && a.match(range)
  }
  const widened: WidenedCell[] = []
  const missing: { from: string; to: string; target: Target }[] = []
  let asserted = 0
  let unassertedAllowed = 0
  for (const c of predicted.entries()) {
    if (c.from === c.to) continue
    const intended = intent.verdicts.get(c.from, c.to, c.target)
    if (intended === undefined) {
      if (c.value === 'allow') unassertedAllowed++
      continue
    }
    asserted++
    if (intended === 'allow' && c.value === 'deny') missing.push({ from: c.from, to: c.to, target: c.target })
    if (intended === 'deny' && c.value === 'allow') {
      const x = explainCell(model, c.from, c.to, c.target)
      const allowedBy = [x.egress.allowedBy, x.ingress.allowedBy].flatMap((r) => (r ? [`${r.policy} ${r.direction} rule ${r.rule}`] : []))
      const why = [c.from, c.to].flatMap((id) => {
        const g = groups.get(id)
        if (g && g.pods.length > 1)
          return [`${id} shares its stable labels with ${g.pods.filter((p) => p !== id).join(', ')} (one selector for all)`]
        // The endpoint's address of the cell's family: a covering CIDR of the other family never takes it in.
        const ip = addressFor(endpoints.get(id)!, c.target.family)
        const k = ip === undefined ? undefined : built.coverings.find((k) => !k.externals.includes(id) && inside(ip, k.cidr))
        return k ? [`${id} (${ip}) is inside ${k.cidr}, the CIDR covering ${k.externals.join(', ')} in ${k.policy}`] : []
      })
      widened.push({ from: c.from, to: c.to, target: c.target, allowedBy, why: why.join('; ') || 'grouping' })
    }
  }
  return { asserted, widened, missing, unassertedAllowed }
}

/** Generates the least-privilege set for `intent` and proves it. */
export function generate(intent: Intent, externals: ExternalsMode = 'exact'): Generated {
  const { flows, dns } = requiredFlows(intent)
  const built = buildPolicies(intent.state, flows, externals, (from, to, target) => intent.verdicts.get(from, to, target))
  return { ...built, intent, flows, dns, proof: prove(intent, built) }
}

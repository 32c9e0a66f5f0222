// Why: the evaluator's account of a cell as report.json records it (pure): copied field by field into the
// versioned report shape, so a change in the evaluator cannot change the report without a compile error here.
import type { DirectionDecision, Explanation, RuleRef as EvaluatorRuleRef } from '../evaluator/index.js'
import type { ServiceHop } from '../model/cluster.js'
import { assertNever } from '../util/assert-never.js'
import type { StagedChange } from '../evaluator/staged.js'
import type { CellExplanation, DirectionExplanation, RuleRef, ServiceHopReport, StagedCellReport } from './model.js'

function ruleRef(r: EvaluatorRuleRef): RuleRef {
  return { kind: r.kind, policy: r.policy, direction: r.direction, rule: r.rule, peer: r.peer, port: r.port }
}

function direction(d: DirectionDecision): DirectionExplanation {
  return {
    direction: d.direction,
    endpoint: d.endpoint,
    applicable: d.applicable,
    isolatedBy: d.isolatedBy,
    allowed: d.allowed,
    ...(d.allowedBy ? { allowedBy: ruleRef(d.allowedBy) } : {}),
    checks: d.checks.map((c) => ({ ref: ruleRef(c.ref), peerMatched: c.peerMatched, portMatched: c.portMatched })),
    ...(d.tiers
      ? {
          tiers: {
            decidedIn: d.tiers.decidedIn,
            hits: d.tiers.hits.map((h) => ({
              kind: h.kind,
              tier: h.tier,
              policy: h.policy,
              ...(h.priority !== undefined ? { priority: h.priority } : {}),
              rule: h.rule,
              ...(h.ruleName !== undefined ? { ruleName: h.ruleName } : {}),
              action: h.action,
              peer: h.peer,
              port: h.port,
            })),
          },
        }
      : {}),
    ...(d.calico
      ? {
          calico: {
            hits: d.calico.hits.map((h) => ({
              tier: h.tier,
              policy: h.policy,
              ...(h.order !== undefined ? { order: h.order } : {}),
              ...(h.rule !== undefined ? { rule: h.rule } : {}),
              action: h.action,
            })),
            decidedBy: d.calico.decidedBy,
            tiers: d.calico.tiers,
          },
        }
      : {}),
  }
}

function hop(h: ServiceHop): ServiceHopReport {
  return {
    via: h.via,
    service: h.service,
    port: h.port,
    backendPort: h.backendPort,
    ...(h.node ? { node: h.node } : {}),
    ...(h.snatTo ? { snatTo: h.snatTo } : {}),
    ...(h.dns ? { dns: { resolver: h.dns.resolver, allowed: h.dns.allowed, deniedBackends: [...h.dns.deniedBackends] } } : {}),
  }
}

/** The report's explanation of a cell from `explainCell`. */
export function cellExplanation(x: Explanation): CellExplanation {
  switch (x.reason) {
    case 'self':
      return { kind: 'self' }
    case 'hairpin':
      return { kind: 'hairpin', service: hop(x.service!) }
    case 'policies':
      return {
        kind: 'policies',
        egress: direction(x.egress),
        ingress: direction(x.ingress),
        ...(x.service ? { service: hop(x.service) } : {}),
      }
    default:
      return assertNever(x.reason, 'explanation reason')
  }
}

/** The cells staged policies would change, as report.json and `predict -o json` record them. */
export function stagedCellReports(changes: readonly StagedChange[]): StagedCellReport[] {
  return changes.map((c) => ({
    from: c.from,
    to: c.to,
    port: c.target.port,
    protocol: c.target.protocol,
    ...(c.target.family ? { family: c.target.family } : {}),
    ...(c.target.via ? { via: c.target.via } : {}),
    now: c.now,
    wouldBe: c.wouldBe,
    policies: c.policies,
  }))
}

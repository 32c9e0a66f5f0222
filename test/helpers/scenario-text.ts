// Why: scenario texts and their problems for the scenario parsing tests (one base scenario, one way to find a problem).
import type { Test } from 'tap'
import type { Problem } from '../../src/errors.js'
import { parseScenario } from '../../src/scenario/parse.js'

/** Namespace x (team=a) with pods a and b, external db; append `probe:` and `steps:`. */
export const HEAD = `name: s
namespaces:
  x:
    labels: {team: a}
    pods:
      a: {labels: {app: a}}
      b: {}
externals:
  db: {ip: 192.0.2.10, ports: [{port: 5432}]}
`

/** A `steps:` block with one step applying one inline policy with this `spec` and `metadata`. */
export const policyStep = (spec: string, meta = '{name: p, namespace: x}') => `steps:
  - name: one
    apply:
      - apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: ${meta}
        spec: ${spec}
`

/** The problems of `text` parsed as `test.yaml` (none when it parses), policy files read from `files`. */
export function problems(text: string, files: Record<string, string> = {}): Problem[] {
  const r = parseScenario(text, 'test.yaml', (p) => files[p])
  return r.ok ? [] : r.problems
}

/** Asserts a problem at `path` whose message (and hint) matches, on `line` when given. */
export function expectOne(t: Test, text: string, path: string, message: RegExp, line?: number, files?: Record<string, string>): void {
  const ps = problems(text, files)
  const hit = ps.find((p) => p.path === path && message.test(p.message + (p.hint ? ` ${p.hint}` : '')))
  t.ok(hit, `problem at ${path} matching ${message}; got ${JSON.stringify(ps)}`)
  if (hit && line !== undefined) t.equal(hit.line, line, `line of ${path}`)
}

/** One namespace with web and two pods sharing the same stable labels (api-1, api-2); the intent allows web to api-1 only; prepend `name:` for a file. */
export const TWINS = `namespaces:
  x:
    pods:
      web: {labels: {app: web}}
      api-1: {labels: {app: api}}
      api-2: {labels: {app: api}}
probe: {targets: [{port: 80, protocol: TCP}]}
steps:
  - name: intent
    expect:
      default: deny
      rules:
        - {from: x/web, to: x/api-1, verdict: allow}
`

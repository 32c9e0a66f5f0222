// Why: Calico's selector language (libcalico-go/lib/selector/parser: tokenizer/tokenizer.go and parser.go), parsed
// by a small recursive descent mirroring libcalico-go's tokenizer, with the exact column of the first bad token, and
// evaluated over a label map. Pure: the scenario validation, the evaluator and the local dataplane all read it.

/** A parsed Calico selector. */
export type CalicoSelector =
  | { readonly op: 'all' }
  | { readonly op: 'global' }
  | { readonly op: 'has'; readonly key: string }
  | { readonly op: '=='; readonly key: string; readonly value: string }
  | { readonly op: '!='; readonly key: string; readonly value: string }
  | { readonly op: 'in'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'not in'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'contains'; readonly key: string; readonly value: string }
  | { readonly op: 'starts with'; readonly key: string; readonly value: string }
  | { readonly op: 'ends with'; readonly key: string; readonly value: string }
  | { readonly op: '!'; readonly of: CalicoSelector }
  | { readonly op: '&&'; readonly of: readonly CalicoSelector[] }
  | { readonly op: '||'; readonly of: readonly CalicoSelector[] }

/** A selector that does not parse: the message and the 1-based column of the offending token. */
export class SelectorError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message)
  }
}

type Tok =
  | { t: 'label'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'op'; v: string; at: number }
  | { t: 'eof'; at: number }

// The tokenizer's label rule (tokenizer.go `labelKeyMatcher`): an optional DNS prefix and `/`, then a label name.
const LABEL = /^[a-zA-Z0-9_./-]+/
// Keywords the tokenizer recognises before labels, longest first (tokenizer.go: `has(`, `all()`, `global()`, `not in`,
// `in`, `contains`, `starts with`, `ends with`, `==`, `!=`, `&&`, `||`, `!`, `(`, `)`, `{`, `}`, `,`).
const KEYWORDS: readonly [RegExp, string][] = [
  [/^has\s*\(/, 'has('],
  [/^all\s*\(\s*\)/, 'all()'],
  [/^global\s*\(\s*\)/, 'global()'],
  [/^not\s+in\b/, 'not in'],
  [/^in\b/, 'in'],
  [/^contains\b/, 'contains'],
  [/^starts\s+with\b/, 'starts with'],
  [/^ends\s+with\b/, 'ends with'],
  [/^==/, '=='],
  [/^!=/, '!='],
  [/^&&/, '&&'],
  [/^\|\|/, '||'],
  [/^!/, '!'],
  [/^\(/, '('],
  [/^\)/, ')'],
  [/^\{/, '{'],
  [/^\}/, '}'],
  [/^,/, ','],
]

function tokenize(s: string): Tok[] {
  const out: Tok[] = []
  let i = 0
  while (i < s.length) {
    if (/\s/.test(s[i])) {
      i++
      continue
    }
    const rest = s.slice(i)
    if (rest[0] === '"' || rest[0] === "'") {
      const end = s.indexOf(rest[0], i + 1)
      if (end < 0) throw new SelectorError('unterminated string', i + 1)
      out.push({ t: 'string', v: s.slice(i + 1, end), at: i + 1 })
      i = end + 1
      continue
    }
    const kw = KEYWORDS.find(([re]) => re.test(rest))
    // `in`/`contains`/... only as operators after a label; a label may start with those letters (`index == "a"`).
    if (kw && !(out.length === 0 && /^[a-z]/.test(kw[1]) && !kw[1].includes('('))) {
      const m = kw[0].exec(rest)!
      out.push({ t: 'op', v: kw[1], at: i + 1 })
      i += m[0].length
      continue
    }
    const m = LABEL.exec(rest)
    if (!m) throw new SelectorError(`unexpected character ${JSON.stringify(s[i])}`, i + 1)
    out.push({ t: 'label', v: m[0], at: i + 1 })
    i += m[0].length
  }
  out.push({ t: 'eof', at: s.length + 1 })
  return out
}

/** Parses a selector; the empty (or blank) selector is `all()`, as a policy's `selector` defaults. Throws `SelectorError`. */
export function parseCalicoSelector(text: string): CalicoSelector {
  const toks = tokenize(text)
  let p = 0
  const peek = () => toks[p]
  const fail = (what: string): never => {
    const t = peek()
    throw new SelectorError(`${what}, got ${t.t === 'eof' ? 'the end' : JSON.stringify('v' in t ? t.v : '')}`, t.at)
  }
  const isOp = (v: string) => {
    const t = peek()
    return t.t === 'op' && t.v === v
  }
  const expectOp = (v: string) => (isOp(v) ? toks[p++] : fail(`expected ${JSON.stringify(v)}`))
  const str = (): string => {
    const t = peek()
    if (t.t !== 'string') return fail('expected a quoted string')
    p++
    return t.v
  }
  // One precedence level: operands joined by `op` (&& binds tighter than ||).
  const joined = (op: '||' | '&&', operand: () => CalicoSelector) => (): CalicoSelector => {
    const of = [operand()]
    while (isOp(op)) {
      p++
      of.push(operand())
    }
    return of.length === 1 ? of[0] : { op, of }
  }
  const andExpr = joined('&&', () => unary())
  const orExpr = joined('||', andExpr)
  const unary = (): CalicoSelector => {
    if (isOp('!')) {
      p++
      return { op: '!', of: unary() }
    }
    if (isOp('(')) {
      p++
      const e = orExpr()
      expectOp(')')
      return e
    }
    if (isOp('all()')) return (p++, { op: 'all' })
    if (isOp('global()')) return (p++, { op: 'global' })
    if (isOp('has(')) {
      p++
      const t = peek()
      if (t.t !== 'label') return fail('expected a label key inside has()')
      p++
      expectOp(')')
      return { op: 'has', key: t.v }
    }
    const t = peek()
    if (t.t !== 'label') return fail('expected a label key, has(), all(), global(), ! or (')
    p++
    const key = t.v
    const op = peek()
    if (op.t === 'op') {
      switch (op.v) {
        case '==':
        case '!=':
        case 'contains':
        case 'starts with':
        case 'ends with':
          p++
          return { op: op.v, key, value: str() }
        case 'in':
        case 'not in': {
          p++
          expectOp('{')
          const values: string[] = []
          if (!isOp('}')) {
            values.push(str())
            while (isOp(',')) {
              p++
              values.push(str())
            }
          }
          expectOp('}')
          return { op: op.v, key, values }
        }
      }
    }
    return fail(`expected an operator after ${JSON.stringify(key)} (==, !=, in, not in, contains, starts with, ends with)`)
  }
  if (peek().t === 'eof') return { op: 'all' }
  const e = orExpr()
  if (peek().t !== 'eof') fail('expected && or || or the end')
  return e
}

/** What a selector is evaluated over: labels, and whether the object is namespaced (for `global()`). */
export interface SelectorSubject {
  readonly labels: Readonly<Record<string, string>>
  /** true for pods and namespaced network sets: `global()` does not match them. */
  readonly namespaced?: boolean
}

/** True when `sel` selects `subject` (parser.go's evaluation: a missing key never equals, `!=` and `not in` match it). */
export function calicoSelects(sel: CalicoSelector, subject: SelectorSubject): boolean {
  const l = subject.labels
  const has = (k: string) => Object.prototype.hasOwnProperty.call(l, k)
  switch (sel.op) {
    case 'all':
      return true
    case 'global':
      return !subject.namespaced
    case 'has':
      return has(sel.key)
    case '==':
      return has(sel.key) && l[sel.key] === sel.value
    case '!=':
      return !has(sel.key) || l[sel.key] !== sel.value
    case 'in':
      return has(sel.key) && sel.values.includes(l[sel.key])
    case 'not in':
      return !has(sel.key) || !sel.values.includes(l[sel.key])
    case 'contains':
      return has(sel.key) && l[sel.key].includes(sel.value)
    case 'starts with':
      return has(sel.key) && l[sel.key].startsWith(sel.value)
    case 'ends with':
      return has(sel.key) && l[sel.key].endsWith(sel.value)
    case '!':
      return !calicoSelects(sel.of, subject)
    case '&&':
      return sel.of.every((s) => calicoSelects(s, subject))
    case '||':
      return sel.of.some((s) => calicoSelects(s, subject))
  }
}

/** The selector written back in canonical form (what explain prints). */
export function selectorText(sel: CalicoSelector): string {
  const q = (v: string) => `'${v}'`
  switch (sel.op) {
    case 'all':
      return 'all()'
    case 'global':
      return 'global()'
    case 'has':
      return `has(${sel.key})`
    case 'in':
    case 'not in':
      return `${sel.key} ${sel.op} {${sel.values.map(q).join(', ')}}`
    case '!':
      return `!${sel.of.op === '&&' || sel.of.op === '||' ? `(${selectorText(sel.of)})` : selectorText(sel.of)}`
    case '&&':
    case '||':
      return sel.of.map((s) => (s.op === '||' && sel.op === '&&' ? `(${selectorText(s)})` : selectorText(s))).join(` ${sel.op} `)
    default:
      return `${sel.key} ${sel.op} ${q(sel.value)}`
  }
}

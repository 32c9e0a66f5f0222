// Why: parse YAML keeping positions, so every problem can name its file, line and YAML path. Valid files take a
// fast path (js-yaml, about ten times faster on large files) and are parsed again with positions only when a problem
// must be located; the `yaml` library's parse stays the reference: every YAML error comes from it.
import jsyaml from 'js-yaml'
import { type Document, LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, parseDocument, visit, type Node } from 'yaml'
import type { Problem } from '../errors.js'

/** A YAML path: map keys and sequence indices. */
export type Path = readonly (string | number)[]

/** One parsed YAML document with what is needed to locate a path in it (parsed with positions on first use). */
export interface SourceDoc {
  readonly file: string
  readonly doc: Document
  readonly lines: Pick<LineCounter, 'linePos'>
}

// `merge`: YAML merge keys (`<<: *anchor`), which kubectl's loader (sigs.k8s.io/yaml over go-yaml) resolves too.
const OPTIONS = { uniqueKeys: true, prettyErrors: true, strict: true, merge: true } as const

/**
 * How many nodes alias expansion may copy, per alias, before a document is refused (the `yaml` library's
 * `maxAliasCount`, its guard against "billion laughs" alias bombs; the library's default too).
 */
const MAX_ALIAS_COUNT = 100

/** A plain scalar type for js-yaml: the first matching form converts (js-yaml keeps one implicit type per tag). */
const scalar = (tag: string, forms: readonly (readonly [RegExp, (s: string) => unknown])[]) =>
  new jsyaml.Type(tag, {
    kind: 'scalar',
    resolve: (s: unknown) => typeof s === 'string' && forms.some(([re]) => re.test(s)),
    construct: (s: string) => forms.find(([re]) => re.test(s))![1](s),
  })

/**
 * The YAML 1.2 core schema exactly as the `yaml` library resolves plain scalars (its `dist/schema/core/*.js`, same
 * regular expressions and conversions), so both parsers give the same value: js-yaml's own core schema also reads
 * `0b101` and `+0x1` as numbers and `+.5` as a string, which the `yaml` library reads otherwise.
 */
const CORE = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    scalar('tag:yaml.org,2002:null', [[/^(?:~|[Nn]ull|NULL)?$/, () => null]]),
    scalar('tag:yaml.org,2002:bool', [[/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T']]),
    scalar('tag:yaml.org,2002:int', [
      [/^0o[0-7]+$/, (s) => parseInt(s.slice(2), 8)],
      [/^[-+]?[0-9]+$/, (s) => parseInt(s, 10)],
      [/^0x[0-9a-fA-F]+$/, (s) => parseInt(s.slice(2), 16)],
    ]),
    scalar('tag:yaml.org,2002:float', [
      [
        /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
        (s) => (s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity),
      ],
      [/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, parseFloat],
      [/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, parseFloat],
    ]),
  ],
})

/**
 * Anchors, aliases, tags, merge keys and directives are left to the `yaml` library (the alias cap, its merge and tag
 * semantics). Conservative: any `&`, `*` or `!` starting a token outside quotes and comments, any `<<` or `%`.
 */
const NEEDS_REFERENCE_PARSER = /(?:^|[\s[{,:?-])[&*!]|<<|^%/m
const QUOTED_OR_COMMENT = /'[^'\n]*'|"(?:[^"\\\n]|\\.)*"|(?:^|\s)#.*$/gm

/** Every document of `text` as the fast parser reads it, or undefined when the reference parser must decide. */
function fastLoad(text: string): unknown[] | undefined {
  if (NEEDS_REFERENCE_PARSER.test(text.replace(QUOTED_OR_COMMENT, ' '))) return undefined
  try {
    // Duplicate keys throw here (js-yaml rejects them unless `json: true`), so the reference parser reports them.
    return jsyaml.loadAll(text, null, { schema: CORE })
  } catch {
    return undefined
  }
}

/** The reference parse of a whole stream, with positions. */
function parseWithPositions(text: string): { docs: Document[]; lines: LineCounter } {
  const lines = new LineCounter()
  const all = parseAllDocuments(text, { ...OPTIONS, lineCounter: lines })
  return { docs: (Array.isArray(all) ? all : [all]) as Document[], lines }
}

/** Document `index` of `text`, parsed with positions only when something asks where a path is. */
function lazySource(text: string, file: string, index: number, single: boolean): SourceDoc {
  let parsed: { doc: Document; lines: LineCounter } | undefined
  const get = () => {
    if (!parsed) {
      if (single) {
        const lines = new LineCounter()
        parsed = { doc: parseDocument(text, { ...OPTIONS, lineCounter: lines }), lines }
      } else {
        const p = parseWithPositions(text)
        parsed = { doc: p.docs[index], lines: p.lines }
      }
    }
    return parsed
  }
  return {
    file,
    get doc() {
      return get().doc
    },
    lines: { linePos: (offset) => get().lines.linePos(offset) },
  }
}

/** A document's value, or the problem of an alias bomb (more expansion than `MAX_ALIAS_COUNT` allows). */
function toValue(src: SourceDoc): { value: unknown; problems: Problem[] } {
  try {
    return { value: src.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), problems: [] }
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e
    let offset = 0
    visit(src.doc, {
      Alias(_, node) {
        offset = node.range?.[0] ?? 0
        return visit.BREAK
      },
    })
    const pos = src.lines.linePos(offset)
    const message = `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} nodes per alias): refused as a possible "billion laughs" alias bomb`
    return { value: undefined, problems: [{ file: src.file, line: pos.line, column: pos.col, message }] }
  }
}

/** Parses one document; YAML syntax errors (duplicate keys included) become problems. */
export function parseYaml(text: string, file: string): { source: SourceDoc; value: unknown; problems: Problem[] } {
  const fast = fastLoad(text)
  if (fast && fast.length <= 1) return { source: lazySource(text, file, 0, true), value: fast[0] ?? null, problems: [] }
  const lines = new LineCounter()
  const doc = parseDocument(text, { ...OPTIONS, lineCounter: lines })
  const source = { file, doc, lines }
  const problems = yamlProblems(source)
  if (problems.length) return { source, value: undefined, problems }
  return { source, ...toValue(source) }
}

/** Parses a multi-document stream (`---` separated); empty documents are skipped. */
export function parseYamlStream(
  text: string,
  file: string,
): { docs: { source: SourceDoc; value: unknown; index: number }[]; problems: Problem[] } {
  const fast = fastLoad(text)
  if (fast)
    return {
      docs: fast.flatMap((value, index) =>
        value === null || value === undefined ? [] : [{ source: lazySource(text, file, index, false), value, index }],
      ),
      problems: [],
    }
  const { docs: all, lines } = parseWithPositions(text)
  const problems: Problem[] = []
  const docs: { source: SourceDoc; value: unknown; index: number }[] = []
  for (const [index, doc] of all.entries()) {
    const source = { file, doc, lines }
    const found = yamlProblems(source)
    problems.push(...found)
    if (found.length || doc.contents === null) continue
    const v = toValue(source)
    problems.push(...v.problems)
    if (!v.problems.length) docs.push({ source, value: v.value, index })
  }
  return { docs, problems }
}

function yamlProblems(src: SourceDoc): Problem[] {
  return src.doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? src.lines.linePos(e.pos[0])
    const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
    return { file: src.file, line: pos.line, column: pos.col, message: `invalid YAML: ${message}` }
  })
}

/** `steps[1].apply[0].spec` */
export function formatPath(path: Path): string {
  let out = ''
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`
  return out
}

/** Line and column of `path` (the key of a map entry; the item of a sequence), or of its nearest existing ancestor. */
export function locate(src: SourceDoc, path: Path): { line: number; column: number } {
  let node: unknown = src.doc.contents
  let offset = (node as Node | null)?.range?.[0] ?? 0
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg))
      if (!pair) break
      offset = (pair.key as Node).range?.[0] ?? offset
      node = pair.value
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg]
      offset = (node as Node).range?.[0] ?? offset
    } else break
  }
  const pos = src.lines.linePos(offset)
  return { line: pos.line, column: pos.col }
}

/** A problem at `path` of `src`. */
export function problemAt(src: SourceDoc, path: Path, message: string, hint?: string): Problem {
  return { file: src.file, ...locate(src, path), path: formatPath(path), message, ...(hint ? { hint } : {}) }
}

/** Collects the problems the checks after the schema find: `at` a path of the scenario, `atIn` another parsed file. */
export interface ProblemSink {
  /** The scenario document. */
  readonly source: SourceDoc
  readonly problems: readonly Problem[]
  at(path: Path, message: string, hint?: string): void
  atIn(src: SourceDoc, path: Path, message: string): void
}

/** An empty sink for the scenario `source`. */
export function problemSink(source: SourceDoc): ProblemSink {
  const problems: Problem[] = []
  return {
    source,
    problems,
    at: (path, message, hint) => problems.push(problemAt(source, path, message, hint)),
    atIn: (src, path, message) => problems.push(problemAt(src, path, message)),
  }
}

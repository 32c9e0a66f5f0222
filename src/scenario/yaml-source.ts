// Why: parse YAML keeping positions, so every problem can name its file, line and YAML path.
import { type Document, LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, parseDocument, type Node } from 'yaml'
import type { Problem } from '../errors.js'

/** A YAML path: map keys and sequence indices. */
export type Path = readonly (string | number)[]

/** One parsed YAML document with what is needed to locate a path in it. */
export interface SourceDoc {
  readonly file: string
  readonly doc: Document
  readonly lines: LineCounter
}

// `merge`: YAML merge keys (`<<: *anchor`), which kubectl's loader (sigs.k8s.io/yaml over go-yaml) resolves too.
const OPTIONS = { uniqueKeys: true, prettyErrors: true, strict: true, merge: true } as const

/** Parses one document; YAML syntax errors (duplicate keys included) become problems. */
export function parseYaml(text: string, file: string): { source: SourceDoc; value: unknown; problems: Problem[] } {
  const lines = new LineCounter()
  const doc = parseDocument(text, { ...OPTIONS, lineCounter: lines })
  const source = { file, doc, lines }
  return { source, value: doc.errors.length ? undefined : doc.toJS(), problems: yamlProblems(source) }
}

/** Parses a multi-document stream (`---` separated); empty documents are skipped. */
export function parseYamlStream(
  text: string,
  file: string,
): { docs: { source: SourceDoc; value: unknown; index: number }[]; problems: Problem[] } {
  const lines = new LineCounter()
  const all = parseAllDocuments(text, { ...OPTIONS, lineCounter: lines })
  const problems: Problem[] = []
  const docs: { source: SourceDoc; value: unknown; index: number }[] = []
  for (const [index, doc] of (Array.isArray(all) ? all : [all]).entries()) {
    const source = { file, doc: doc as Document, lines }
    problems.push(...yamlProblems(source))
    if (doc.errors.length === 0 && doc.contents !== null) docs.push({ source, value: doc.toJS(), index })
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

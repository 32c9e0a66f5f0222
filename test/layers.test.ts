// The functional core imports nothing that touches the outside world (STYLE.md 1).
import t from 'tap'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const PURE = ['src/model', 'src/evaluator', 'src/compare', 'src/report', 'src/probe', 'src/lint/rules']
const PURE_FILES = ['src/drivers/local/compile-nft.ts', 'src/scenario/parse.ts', 'src/scenario/apply-actions.ts', 'src/scenario/patterns.ts', 'src/scenario/fields.ts', 'src/scenario/yaml-source.ts', 'src/scenario/policy-schema.ts', 'src/scenario/scenario-schema.ts', 'src/scenario/select.ts', 'src/lint/lint.ts', 'src/lint/model.ts', 'src/lint/scope.ts', 'src/lint/rules.ts', 'src/lint/render.ts']
const FORBIDDEN = [/from 'node:fs/, /from 'node:child_process'/, /from 'execa'/, /from '@kubernetes\/client-node'/, /drivers\//, /from 'node:net'/, /from 'node:dgram'/]
const ALLOWED_WRITERS = new Set(['src/report/write.ts', 'src/report/read.ts'])

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []
  })
}

const targets = [...PURE.flatMap(files), ...PURE_FILES].filter((f) => !ALLOWED_WRITERS.has(f))
t.ok(targets.length > 15, 'pure files found')
for (const f of targets) {
  const text = readFileSync(f, 'utf8')
  const bad = FORBIDDEN.filter((re) => re.test(text))
  t.same(bad.map(String), [], `${f} stays pure`)
}

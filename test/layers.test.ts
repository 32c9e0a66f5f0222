// The functional core imports nothing that touches the outside world (STYLE.md 1).
import t from 'tap'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const PURE = ['src/model', 'src/evaluator', 'src/compare', 'src/report', 'src/probe', 'src/lint/rules', 'src/scenario', 'src/generate']
const PURE_FILES = [
  'src/drivers/local/compile-nft.ts',
  'src/lint/lint.ts',
  'src/lint/model.ts',
  'src/lint/scope.ts',
  'src/lint/rules.ts',
  'src/lint/render.ts',
]
const FORBIDDEN = [
  /from 'node:fs/,
  /from 'node:child_process'/,
  /from 'execa'/,
  /from '@kubernetes\/client-node'/,
  /drivers\//,
  /from 'node:net'/,
  /from 'node:dgram'/,
]
// The only files of those folders that touch the world: the report writers (run files, history.json, the run
// journal) and reader, the chart library's loader, the scenario loader.
const ALLOWED_WRITERS = new Set([
  'src/report/write.ts',
  'src/report/history-file.ts',
  'src/report/write-incremental.ts',
  'src/report/read.ts',
  'src/report/assets.ts',
  'src/scenario/load.ts',
])

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

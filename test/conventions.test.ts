// Habits the code keeps (STYLE.md 9): every export says in one line why it exists, and every source file starts
// with a comment saying what it is for.
import t from 'tap'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []
  })
}

const EXPORT = /^export (async )?(function|const|class|interface|type|enum|abstract class|let)\b/
const sources = files('src')
t.ok(sources.length > 100, 'source files found')

t.test('every export has a comment right above it', async (t) => {
  const missing: string[] = []
  for (const f of sources) {
    const lines = readFileSync(f, 'utf8').split('\n')
    lines.forEach((line, i) => {
      if (!EXPORT.test(line)) return
      let j = i - 1
      while (j >= 0 && lines[j].trim() === '') j--
      const prev = j >= 0 ? lines[j].trim() : ''
      if (!(prev.endsWith('*/') || prev.startsWith('//'))) missing.push(`${f}:${i + 1}`)
    })
  }
  t.same(missing, [], 'exports without a comment')
})

t.test('every source file opens with a comment', async (t) => {
  const bare = sources.filter((f) => !/^(\/\/|\/\*|#!)/.test(readFileSync(f, 'utf8')))
  t.same(bare, [], 'files without a header comment')
})

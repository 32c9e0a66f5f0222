// history.json under concurrent writers, damage and growth: lock, atomic replace, backup, corrupt files kept, retention.
import t from 'tap'
import { execa } from 'execa'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type History, EMPTY_HISTORY, historyEntry, withRun } from '../../src/report/history.js'
import { updateHistory } from '../../src/report/history-file.js'
import { sampleReport } from '../helpers/report.js'

const DIST = resolve('dist/src/report/history-file.js')
const entry = (i: number) => historyEntry(sampleReport(`20261124-${String(i).padStart(6, '0')}-abcd`))
const add = (i: number) => (h: History) => withRun(h, entry(i))
const read = (dir: string): History => JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'))

t.test('writers in separate processes, all at once: every run lands', { skip: !existsSync(DIST) && 'needs npm run build' }, async (t) => {
  const dir = t.testdir()
  const writers = 6
  const each = 15
  // Each child adds its runs one update at a time, racing the others for the lock.
  const script = (w: number) => `
    import { updateHistory } from ${JSON.stringify(DIST)}
    for (let k = 0; k < ${each}; k++) {
      const runId = 'run-${w}-' + k
      updateHistory(${JSON.stringify(dir)}, (h) => ({ schemaVersion: 1, runs: [...h.runs, { runId, startedAt: runId }] }))
    }`
  const results = await Promise.all(
    Array.from({ length: writers }, (_, w) => execa(process.execPath, ['--input-type=module', '-e', script(w)], { reject: false })),
  )
  t.same(
    results.map((r) => r.exitCode),
    Array(writers).fill(0),
    results.map((r) => r.stderr).join(''),
  )
  const ids = read(dir).runs.map((r) => r.runId)
  t.equal(ids.length, writers * each, 'no update was lost')
  t.equal(new Set(ids).size, writers * each)
  t.notOk(existsSync(join(dir, 'history.json.lock')), 'the lock is released')
  t.same(
    readdirSync(dir).filter((f) => f.includes('.tmp-')),
    [],
    'no temporary file left',
  )
})

t.test('a truncated history.json is set aside and the backup restored, with a warning', async (t) => {
  const dir = t.testdir()
  updateHistory(dir, add(1))
  updateHistory(dir, add(2)) // history.json.bak now holds run 1
  updateHistory(dir, add(3))
  const whole = readFileSync(join(dir, 'history.json'), 'utf8')
  writeFileSync(join(dir, 'history.json'), whole.slice(0, whole.length / 2)) // a write cut short
  const warnings: string[] = []
  const h = updateHistory(dir, add(4), { warn: (l) => warnings.push(l) })
  t.same(
    h.runs.map((r) => r.runId),
    ['20261124-000001-abcd', '20261124-000002-abcd', '20261124-000004-abcd'],
    'the previous version plus the new run',
  )
  t.match(
    warnings.join('\n'),
    /history\.json could not be read .* moved to .*history\.json\.corrupt-\d{8}T\d{9}Z; restored the previous version from history\.json\.bak \(2 runs\)/,
  )
  const aside = readdirSync(dir).filter((f) => f.startsWith('history.json.corrupt-'))
  t.equal(aside.length, 1, 'the damaged file is kept for inspection')
  t.equal(readFileSync(join(dir, aside[0]), 'utf8'), whole.slice(0, whole.length / 2))
  t.same(read(dir), h)
})

t.test('a damaged history.json without a usable backup is set aside, never silently replaced', async (t) => {
  const dir = t.testdir({ 'history.json': '{"schemaVersion":1,"runs":[{"runId":"x"', 'history.json.bak': '' })
  const warnings: string[] = []
  const h = updateHistory(dir, add(1), { warn: (l) => warnings.push(l) })
  t.equal(h.runs.length, 1)
  t.match(warnings[0], /no whole history\.json\.bak, so the history starts again \(netpol-harness report .* rebuilds it/)
  t.equal(readdirSync(dir).filter((f) => f.startsWith('history.json.corrupt-')).length, 1)
})

t.test('retention: only the most recent runs are kept', async (t) => {
  const dir = t.testdir()
  for (let i = 1; i <= 7; i++) updateHistory(dir, add(i), { limit: 3 })
  t.same(
    read(dir).runs.map((r) => r.runId.slice(9, 15)),
    ['000005', '000006', '000007'],
  )
  t.equal(updateHistory(dir, (h) => h).runs.length, 3, 'the default limit keeps what is there')
  const big = Array.from({ length: 250 }, (_, i) => i + 1).reduce((h, i) => withRun(h, entry(i)), EMPTY_HISTORY)
  t.equal(updateHistory(dir, () => big).runs.length, 200, 'default retention: 200 runs')
})

t.test('a lock left by a dead process is broken; a live one is waited for, then refused', async (t) => {
  const dir = t.testdir()
  const child = execa(process.execPath, ['-e', 'process.exit(0)'])
  await child
  writeFileSync(join(dir, 'history.json.lock'), JSON.stringify({ pid: child.pid, host: (await import('node:os')).hostname(), at: 'then' }))
  t.equal(updateHistory(dir, add(1)).runs.length, 1, 'stale lock of a dead pid broken')
  writeFileSync(join(dir, 'history.json.lock'), JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), at: 'now' }))
  const t0 = Date.now()
  t.throws(() => updateHistory(dir, add(2), { lockWaitMs: 300 }), /history\.json is locked by another writer .*pid \d+/)
  t.ok(Date.now() - t0 >= 300, 'waited for the lock first')
  t.equal(read(dir).runs.length, 1, 'nothing written without the lock')
  t.ok(existsSync(join(dir, 'history.json.lock')), "another writer's lock is left alone")
  t.equal(updateHistory(dir, add(2), { staleLockMs: 0 }).runs.length, 2, 'an old lock is stale whoever holds it')
})

// Large outputs go out chunk by chunk: a slow reader makes the writer wait ('drain'), a closed pipe stops it
// quietly, any other failure is an infrastructure error; an Io without outChunks gets 64 KiB batches.
import t from 'tap'
import { Writable } from 'node:stream'
import { writeChunks, writeOut } from '../../src/cli/io.js'
import { InfraError } from '../../src/errors.js'

/** A reader that takes one write per event-loop turn, remembering the most it ever had queued. */
function slowReader(fail?: NodeJS.ErrnoException, failAfter = Infinity) {
  const received: string[] = []
  let maxQueued = 0
  const stream = new Writable({
    highWaterMark: 16 * 1024,
    decodeStrings: false,
    write(chunk: string, _enc, cb) {
      maxQueued = Math.max(maxQueued, stream.writableLength)
      if (received.length >= failAfter) return setImmediate(() => cb(fail))
      received.push(chunk)
      setImmediate(() => cb())
    },
  })
  return { stream, received, maxQueued: () => maxQueued }
}

function* chunks(n: number): Generator<string> {
  for (let i = 0; i < n; i++) yield `${String(i).padStart(8, '0')}:${'x'.repeat(1000)}\n`
}

t.test('waits for drain: the queue never holds much more than one batch', async (t) => {
  const r = slowReader()
  t.equal(await writeChunks(r.stream, chunks(5000)), true)
  t.equal(r.received.join(''), [...chunks(5000)].join(''), 'everything arrived, in order')
  t.ok(r.maxQueued() < 2 * 64 * 1024 + 1100, `at most ${r.maxQueued()} bytes queued of ${5000 * 1010}`)
})

t.test('a closed pipe (EPIPE) stops the writing without an error', async (t) => {
  const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })
  const r = slowReader(epipe, 3)
  r.stream.on('error', () => {})
  t.equal(await writeChunks(r.stream, chunks(5000)), false)
  t.ok(r.received.length <= 4, 'stopped soon after the failure')
})

t.test('any other write failure is an infrastructure error', async (t) => {
  const full = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })
  const r = slowReader(full, 2)
  r.stream.on('error', () => {})
  await t.rejects(writeChunks(r.stream, chunks(5000)), InfraError)
  await t.rejects(
    writeChunks(
      slowReader(full, 0).stream.on('error', () => {}),
      ['a'],
    ),
    /cannot write the output: no space left on device/,
  )
})

t.test('an Io without outChunks gets batches through out()', async (t) => {
  const outs: string[] = []
  t.equal(await writeOut({ out: (s) => void outs.push(s), err: () => {} }, chunks(500)), true)
  t.equal(outs.join(''), [...chunks(500)].join(''))
  t.ok(outs.length > 1 && outs.length < 20, `${outs.length} writes for 500 chunks`)
})

t.test('an Io with outChunks is handed the chunks', async (t) => {
  let got = ''
  const ok = await writeOut(
    {
      out: () => t.fail('out() is not used'),
      err: () => {},
      outChunks: async (cs) => {
        for (const c of cs) got += c
        return false
      },
    },
    ['a', 'b'],
  )
  t.equal(ok, false, "outChunks' answer is returned")
  t.equal(got, 'ab')
})

// Why: where the CLI writes, apart from main.ts so that every command module can take it without an import cycle;
// large outputs go out chunk by chunk, waiting for a slow reader, so memory does not grow with their size.
import { InfraError } from '../errors.js'
import { batched } from '../util/chunks.js'

/** Where the CLI writes; tests pass their own. */
export interface Io {
  out(text: string): void
  err(text: string): void
  /** Writes a large output chunk by chunk with backpressure; false when the reader went away. Optional: see `writeOut`. */
  outChunks?(chunks: Iterable<string>): Promise<boolean>
}

/** The part of a writable stream `writeChunks` uses (process.stdout, a file stream, a test double). */
export interface ChunkSink {
  write(chunk: string, cb?: (err?: Error | null) => void): boolean
  once(event: 'drain' | 'error', fn: (...args: unknown[]) => void): unknown
  on(event: 'error', fn: (err: Error) => void): unknown
  off(event: 'drain' | 'error', fn: (...args: unknown[]) => void): unknown
}

/**
 * Writes chunks in batches of 64 KiB, waiting for 'drain' whenever the stream's buffer is full, then for the
 * last write to complete. Returns false when the reader closed the pipe (EPIPE: `predict ... | head`), which is
 * not an error; any other write failure is an InfraError (exit 3).
 */
export async function writeChunks(stream: ChunkSink, chunks: Iterable<string>): Promise<boolean> {
  let failed: Error | undefined
  const onError = (e: Error) => void (failed ??= e)
  stream.on('error', onError)
  try {
    for (const b of batched(chunks)) {
      if (failed) break
      if (!stream.write(b))
        await new Promise<void>((resolve) => {
          const done = () => {
            stream.off('drain', done)
            stream.off('error', done)
            resolve()
          }
          stream.once('drain', done)
          stream.once('error', done)
        })
    }
    if (!failed) await new Promise<void>((resolve) => stream.write('', (e) => void ((failed ??= e ?? undefined), resolve())))
  } finally {
    stream.off('error', onError as (...args: unknown[]) => void)
  }
  if (!failed) return true
  if ((failed as NodeJS.ErrnoException).code === 'EPIPE') return false
  throw new InfraError(`cannot write the output: ${failed.message}`, { cause: failed })
}

/** Writes a large output through `io`: its `outChunks` when it has one, else `out` once per 64 KiB batch. */
export async function writeOut(io: Io, chunks: Iterable<string>): Promise<boolean> {
  if (io.outChunks) return io.outChunks(chunks)
  for (const b of batched(chunks)) io.out(b)
  return true
}

/** The process's own stdout and stderr. */
export const processIo: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  outChunks: (chunks) => writeChunks(process.stdout, chunks),
}

// Why: large outputs (predict matrices, reports) are produced as many small strings so that no single string
// grows with the input; writers group them into buffers of a sensible size.

/** Joins chunks into strings of at least `size` characters (the last may be shorter); never yields ''. */
export function* batched(chunks: Iterable<string>, size = 1 << 16): Generator<string> {
  let buf = ''
  for (const c of chunks) {
    buf += c
    if (buf.length >= size) {
      yield buf
      buf = ''
    }
  }
  if (buf) yield buf
}

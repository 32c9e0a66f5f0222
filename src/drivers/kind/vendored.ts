// Why: Calico's release manifests (calico.yaml, the API server's apiserver.yaml) are installed from a vendored copy
// pinned by the sha256 recorded beside it, else fetched from the release tag and vendored on first use: one way for both.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { InfraError } from '../../errors.js'

/** The sha256 of a text, in hex (as `sha256sum` prints it). */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** What a vendored-or-fetched manifest read gives: its text, where it came from and its sha256. */
export interface VendoredText {
  readonly text: string
  /** `vendored <path>` or `fetched <url>`. */
  readonly source: string
  readonly sha256: string
}

/**
 * The manifest vendored at `rel` under `root`, which must match the sha256 recorded beside it (`<file>.sha256`, written
 * when missing); else fetched from `url` and vendored with its sha256 (trust on first use). `check` sees the text first
 * (with the path or URL it came from) and may refuse it before anything is written; `notVendored` words the error of a
 * failed fetch.
 */
export async function vendoredManifest(
  o: { readonly root: string; readonly rel: string; readonly url: string },
  fetchText: (url: string) => Promise<string>,
  notVendored: (e: Error) => InfraError,
  check: (text: string, from: string) => void = () => {},
): Promise<VendoredText> {
  const file = join(o.root, o.rel)
  const sumFile = `${file}.sha256`
  const sumLine = (text: string) => `${sha256(text)}  ${basename(file)}\n`
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8')
    check(text, o.rel)
    if (existsSync(sumFile)) {
      const want = readFileSync(sumFile, 'utf8').trim().split(/\s+/)[0]
      if (want !== sha256(text)) throw new InfraError(`${o.rel} does not match its recorded sha256 (${want}), got ${sha256(text)}`)
    } else writeFileSync(sumFile, sumLine(text))
    return { text, source: `vendored ${o.rel}`, sha256: sha256(text) }
  }
  const text = await fetchText(o.url).catch((e: Error) => {
    throw notVendored(e)
  })
  check(text, o.url)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text)
  writeFileSync(sumFile, sumLine(text))
  return { text, source: `fetched ${o.url}`, sha256: sha256(text) }
}

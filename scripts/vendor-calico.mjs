#!/usr/bin/env zx
// Vendors a pinned Calico release's manifests into manifests/calico/<version>/ with their sha256: calico.yaml (the
// install) and apiserver.yaml (the Calico API server, which serves Calico's own policy kinds; docs/kind.md).
// Usage: npm run vendor:calico -- v3.30.7   (needs network access to GitHub)
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'

const version = process.argv.slice(2).find((a) => /^v\d+\.\d+\.\d+$/.test(a))
if (!version) {
  console.error('usage: npm run vendor:calico -- vX.Y.Z')
  process.exit(2)
}
const dir = `manifests/calico/${version}`
mkdirSync(dir, { recursive: true })
for (const name of ['calico.yaml', 'apiserver.yaml']) {
  const url = `https://raw.githubusercontent.com/projectcalico/calico/${version}/manifests/${name}`
  const res = await fetch(url)
  if (!res.ok) {
    console.error(`${url}: ${res.status} ${res.statusText}`)
    process.exit(3)
  }
  const text = await res.text()
  writeFileSync(`${dir}/${name}`, text)
  const sum = createHash('sha256').update(text).digest('hex')
  writeFileSync(`${dir}/${name}.sha256`, `${sum}  ${name}\n`)
  console.log(`${dir}/${name}: ${text.length} bytes, sha256 ${sum}`)
}

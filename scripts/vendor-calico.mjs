#!/usr/bin/env zx
// Vendors a pinned Calico release's manifest into manifests/calico/<version>/ with its sha256.
// Usage: npm run vendor:calico -- v3.30.7   (needs network access to GitHub)
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'

const version = process.argv.slice(2).find((a) => /^v\d+\.\d+\.\d+$/.test(a))
if (!version) {
  console.error('usage: npm run vendor:calico -- vX.Y.Z')
  process.exit(2)
}
const url = `https://raw.githubusercontent.com/projectcalico/calico/${version}/manifests/calico.yaml`
const res = await fetch(url)
if (!res.ok) {
  console.error(`${url}: ${res.status} ${res.statusText}`)
  process.exit(3)
}
const text = await res.text()
const dir = `manifests/calico/${version}`
mkdirSync(dir, { recursive: true })
writeFileSync(`${dir}/calico.yaml`, text)
const sum = createHash('sha256').update(text).digest('hex')
writeFileSync(`${dir}/calico.yaml.sha256`, `${sum}  calico.yaml\n`)
console.log(`${dir}/calico.yaml: ${text.length} bytes, sha256 ${sum}`)

// Why: the real @kubernetes/client-node request path (KubeConfig, generated API classes, ObjectSerializer, HTTP) tested
// against a stand-in API server on 127.0.0.1: one way to serve it, record what reaches it and name it in a kubeconfig.
import type { Test } from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** One request as it reached the stand-in server: the body parsed as JSON (undefined when empty). */
export interface WireRequest {
  readonly method: string
  readonly url: string
  readonly contentType: string
  readonly body: unknown
}

/** What the stand-in server answers: a status and a JSON body. */
export interface WireReply {
  readonly status: number
  readonly body: unknown
}

/** The Status a Kubernetes API server answers for a missing object (apimachinery metav1.Status, reason NotFound). */
export const NOT_FOUND = { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 } as const

/** A discovery request: GET of an API group version (`/apis/<group>/<version>`), which client-node sends on its own. */
const isDiscovery = (r: WireRequest) => r.method === 'GET' && /^\/apis\/[^/]+\/[^/?]+$/.test(r.url)

/**
 * A stand-in API server on 127.0.0.1 answering every request with `answer`, closed when `t` ends: its URL, a kubeconfig
 * file naming it (context `wire`, a token, TLS unchecked) and `seen`, every request in order but discovery.
 */
export async function wireServer(
  t: Test,
  answer: (req: WireRequest) => WireReply,
): Promise<{ url: string; kubeconfig: string; seen: WireRequest[] }> {
  const seen: WireRequest[] = []
  const server = createServer((req, res) => {
    let text = ''
    req.on('data', (c) => (text += c))
    req.on('end', () => {
      const r: WireRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        contentType: String(req.headers['content-type'] ?? ''),
        body: text ? JSON.parse(text) : undefined,
      }
      if (!isDiscovery(r)) seen.push(r)
      const { status, body } = answer(r)
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    })
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  t.teardown(() => new Promise<void>((ok) => server.close(() => ok())))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const kubeconfig = join(t.testdir(), 'config')
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'wire', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'wire', user: { token: 'test' } }],
      contexts: [{ name: 'wire', context: { cluster: 'wire', user: 'wire' } }],
      'current-context': 'wire',
    }),
  )
  return { url, kubeconfig, seen }
}

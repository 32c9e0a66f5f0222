// A dual-stack kind cluster (--ip-family dual) as kind and Calico's docs configure one, and what it can run: a
// scenario needing a family the cluster lacks is unsupported, not failed.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { parse, parseAllDocuments } from 'yaml'
import { calicoRelease, felixEnv, patchCalicoManifest, reuseMismatch } from '../../../src/drivers/kind/calico.js'
import { kindConfig } from '../../../src/drivers/kind/config.js'
import { KindCluster, KindDriver, type KindDriverOptions } from '../../../src/drivers/kind/index.js'
import { placedManifest } from '../../../src/drivers/kube/pods.js'
import { defaultExec } from '../../../src/drivers/exec.js'
import { parseScenario } from '../../../src/scenario/parse.js'
import type { Scenario } from '../../../src/model/scenario.js'

/** The calico-config ConfigMap as calico.yaml carries it (its CNI config's ipam block, abridged). */
const CNI_CONFIG = `---
kind: ConfigMap
apiVersion: v1
metadata: {name: calico-config, namespace: kube-system}
data:
  cni_network_config: |-
    {
      "name": "k8s-pod-network",
      "plugins": [
        {
          "type": "calico",
          "ipam": {
              "type": "calico-ipam"
          },
          "policy": {"type": "k8s"}
        }
      ]
    }
`
const MINI = readFileSync('test/fixtures/calico-mini.yaml', 'utf8') + CNI_CONFIG
const release = calicoRelease('v3.30.7')!

function scenario(text: string): Scenario {
  const r = parseScenario(text, 's.yaml', () => undefined)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.scenario
}

t.test('kind config: ipFamily dual with both pod subnets and kind default service subnets', async (t) => {
  const doc = parse(kindConfig({ workers: 2, dataplane: 'iptables', ipFamily: 'dual' }))
  t.same(doc.networking, {
    disableDefaultCNI: true,
    ipFamily: 'dual',
    podSubnet: '10.244.0.0/16,fd00:10:244::/56',
    serviceSubnet: '10.96.0.0/16,fd00:10:96::/112',
    kubeProxyMode: 'iptables',
  })
  t.notOk(parse(kindConfig({ workers: 2, dataplane: 'iptables' })).networking.ipFamily, 'IPv4 by default, as before')
})

t.test('Calico: both families assigned by the CNI, IP6 autodetected, Felix IPv6 support on', async (t) => {
  const patched = patchCalicoManifest(MINI, release, { dataplane: 'iptables', ipFamily: 'dual' })
  const docs = parseAllDocuments(patched)
    .map((d) => d.toJS())
    .filter(Boolean)
  const cni = JSON.parse(docs.find((d) => d.kind === 'ConfigMap').data.cni_network_config)
  t.same(cni.plugins[0].ipam, { type: 'calico-ipam', assign_ipv4: 'true', assign_ipv6: 'true' })
  const env = docs.find((d) => d.kind === 'DaemonSet').spec.template.spec.containers[0].env as { name: string; value: string }[]
  t.same(
    env.filter((e) => e.name === 'IP6' || e.name === 'FELIX_IPV6SUPPORT'),
    [
      { name: 'IP6', value: 'autodetect' },
      { name: 'FELIX_IPV6SUPPORT', value: 'true' },
    ],
  )
  const v4 = patchCalicoManifest(MINI, release, { dataplane: 'iptables' })
  t.notMatch(v4, /assign_ipv6|FELIX_IPV6SUPPORT/, 'an IPv4 cluster is patched as before')
  t.throws(
    () => patchCalicoManifest(readFileSync('test/fixtures/calico-mini.yaml', 'utf8'), release, { dataplane: 'iptables', ipFamily: 'dual' }),
    /no calico-config ConfigMap/,
  )
})

t.test('a reused cluster must have the family asked for', async (t) => {
  const ds = (v6: boolean) => ({
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'calico-node',
              image: 'docker.io/calico/node:v3.30.7',
              env: Object.entries(felixEnv({ dataplane: 'iptables', ...(v6 ? { ipFamily: 'dual' as const } : {}) })).map(
                ([name, value]) => ({
                  name,
                  value,
                }),
              ),
            },
          ],
        },
      },
    },
  })
  t.same(reuseMismatch(ds(true), release, { dataplane: 'iptables', ipFamily: 'dual' }), [])
  t.match(reuseMismatch(ds(false), release, { dataplane: 'iptables', ipFamily: 'dual' }), [/IPv4 only, this run asks for --ip-family dual/])
  t.match(reuseMismatch(ds(true), release, { dataplane: 'iptables' }), [/runs dual-stack/])
})

t.test('a family the cluster lacks, or IPv6 externals, is unsupported on kind', async (t) => {
  const o = (ipFamily?: 'dual'): KindDriverOptions => ({
    name: 'nph',
    workers: 2,
    calicoVersion: 'v3.30.7',
    dataplane: 'iptables',
    ...(ipFamily ? { ipFamily } : {}),
    waitSeconds: 5,
    root: '.',
    exec: defaultExec,
    api: () => {
      throw new Error('not used')
    },
    runId: 'r',
    keep: false,
  })
  const dual = scenario('name: s\nipFamilies: [IPv4, IPv6]\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one}]\n')
  const v4 = new KindDriver(o(), new KindCluster(o()))
  t.match(v4.scenarioUnsupported(dual), /IPv4 only; the scenario needs IPv6 \(--ip-family dual/)
  const d = new KindDriver(o('dual'), new KindCluster(o('dual')))
  t.equal(d.scenarioUnsupported(dual), undefined)
  const ext6 = scenario(
    'name: s\nipFamilies: [IPv4, IPv6]\nnamespaces: {x: {pods: {a: {}}}}\nexternals: {e: {ip: "2001:db8::1"}}\nsteps: [{name: one}]\n',
  )
  t.match(d.scenarioUnsupported(ext6), /external hosts with IPv4 addresses only \(e has IPv6\)/)
})

t.test('a dual-stack pod asks Calico for both of its addresses', async (t) => {
  const [p] = scenario('name: s\nipFamilies: [IPv4, IPv6]\nnamespaces: {x: {pods: {a: {}}}}\nsteps: [{name: one}]\n').pods
  const at = { api: {} as never, runId: 'r', pools: ['10.244.0.0/16', 'fd00:10:244::/56'], serves: [] }
  t.same(placedManifest(p, at).metadata.annotations, { 'cni.projectcalico.org/ipAddrs': '["10.244.0.10","fd00:10:244::a"]' })
  t.same(placedManifest(p, { ...at, pools: ['10.244.0.0/16'] }).metadata.annotations, undefined, 'not both in a pool: ask for none')
})

// Why: the kube driver as its tests build it over the in-memory API, one way: what the tests share is set here, what a
// test is about is passed in.
import { KubeDriver, type KubeDriverOptions } from '../../src/drivers/kube/index.js'
import { DEFAULT_POD_CIDR } from '../../src/scenario/parse-cluster.js'
import type { FakeKube } from './fake-kube.js'

/**
 * The kube driver of run `r1` over `api`: a cluster it did not create, allowed (`allowExisting`), pods ready within 5 s,
 * the scenario's addresses asked of Calico in kind's pod subnet; `extra` sets anything else or overrides.
 */
export function kubeDriver(api: FakeKube, extra: Partial<KubeDriverOptions> = {}): KubeDriver {
  return new KubeDriver({
    api,
    runId: 'r1',
    createdByUs: false,
    allowExisting: true,
    podReadyTimeoutMs: 5000,
    requestIpsIn: DEFAULT_POD_CIDR,
    ...extra,
  })
}

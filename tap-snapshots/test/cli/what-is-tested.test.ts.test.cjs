/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/cli/what-is-tested.test.ts > TAP > kind: the first line from kind version and the flags; no cluster created > the first line 1`] = `
netpol-harness X: driver kind (--driver kind); CNI: calico v3.30.7 (nftables); versions: kind v0.32.0 go1.24 linux/amd64, kubernetes v1.34.0, calico v3.30.7, dataplane nftables; cluster netpol-harness: 2 workers, node image kindest/node:v1.34.0@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
`

exports[`test/cli/what-is-tested.test.ts > TAP > kube: the first line names the context; no cluster reached > the first line 1`] = `
netpol-harness X: driver kube (--driver kube); CNI: unknown; versions: known once the cluster answers; context ctx-a
`

exports[`test/cli/what-is-tested.test.ts > TAP > local, chosen by auto: the first line, the options and the scenarios; nothing created > the first line 1`] = `
netpol-harness X: driver local (chosen by auto: kind not usable here (\`kind version\` failed)); CNI: netpol-harness local nftables dataplane; versions: nftables vX, kernel X, python3 X; 3 nodes, faults: packet-loss=10
`

exports[`test/cli/what-is-tested.test.ts > TAP > local, chosen by auto: the first line, the options and the scenarios; nothing created > the plan on stdout 1`] = `
options:
  driver requested: auto
  settle:           30s
  re-probes:        3
  round interval:   250ms
  enforce within:   5s
  adaptive timeout: 4 x p99, at least 250ms
  parallel:         1
  hairpin:          allowed
  tags:             all
  faults:           packet-loss=10
  nodes:            3
  resync:           2s
scenarios (1, in the order they would run):
  allow-web-to-customer  scenarios/basics/allow-web-to-customer.yaml  3 steps  tags: ingress, egress, ipblock, seed
dry run: nothing created, no report written (reports would go to {CWD}/.tap/fixtures/test-cli-what-is-tested.test.ts-local-chosen-by-auto-the-first-line-the-options-and-the-scenarios-nothing-created/deep/reports)

`

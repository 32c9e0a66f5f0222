/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/report/run-options.test.ts > TAP > the first line names driver, why, CNI, versions and what is specific to the driver > kind 1`] = `
netpol-harness 0.1.0: driver kind (--driver kind); CNI: calico v3.30.7 (nftables); versions: kind v0.32.0 go1.24 linux/amd64, kubernetes v1.34.0, calico v3.30.7, dataplane nftables; cluster nph: 2 workers, node image kindest/node:v1.34.0
`

exports[`test/report/run-options.test.ts > TAP > the first line names driver, why, CNI, versions and what is specific to the driver > kube 1`] = `
netpol-harness 0.1.0: driver kube (--driver kube); CNI: unknown; versions: known once the cluster answers; context prod-a
`

exports[`test/report/run-options.test.ts > TAP > the first line names driver, why, CNI, versions and what is specific to the driver > local, chosen by auto, with a fault 1`] = `
netpol-harness 0.1.0: driver local (chosen by auto: kind not usable here (\`kind version\` failed)); CNI: netpol-harness local nftables dataplane; versions: nftables v1.0.6, kernel 6.1; 2 nodes, faults: packet-loss=10
`

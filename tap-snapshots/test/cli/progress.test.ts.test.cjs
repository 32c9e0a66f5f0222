/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/cli/progress.test.ts > TAP > plain: one line per event, each step once, no terminal codes > plain output of a two-scenario run 1`] = `
[1/2] start a (a.yaml)
  topology up
  step 1 open: ok, 1 rounds, enforced after 2 ms
  step 2 isolate: ok, 1 rounds, enforced after 2 ms
[1/2] a: done in 2.5 s
[2/2] start b (b.yaml)
  step 1 open: ok, 1 rounds, enforced after 2 ms
  step 2 isolate: 2 disagreeing, 4 rounds, enforced after 2 ms
    fail-open: x/b -> x/a 80/TCP: predicted deny, observed allowed -- egress of x/b: not isolated; ingress of x/a: isolated by x/deny; no rule allows it
      why: netpol-harness explain b.yaml --step 2 --from x/b --to x/a --port 80 --protocol TCP
    intent-violation: ext -> x/b 81/TCP: predicted allow, observed allowed, intent deny but policies allow -- egress of ext: external, no policy applies; ingress of x/b: not isolated
      why: netpol-harness explain b.yaml --step 2 --from ext --to x/b --port 81 --protocol TCP
[2/2] b: done in 3.1 s
FAIL: 0 cells: 0 match, 0 fail-open, 0 fail-closed, 0 intent violations, 0 flaky, 0 slow, 0 probe errors, 0 unsupported, 0 skipped; 6.0 s
reports: reports/x/

`

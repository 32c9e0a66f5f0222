/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/report/render-markdown.test.ts > TAP > the sample run as Markdown > must match snapshot 1`] = `
# netpol-harness run 20261124-010203-abcd: FAIL (disagreements)

Driver: local; CNI: netpol-harness local nftables dataplane; nftables v1.0.6, kernel 6.1

Options: settle 30s; re-probes 3; round interval 250ms

Harness 0.1.0 on Node v20.20.2; 1 scenarios, 2 steps, 32 cells in 7.0 s (42 probes/s).

| match | fail-open | fail-closed | intent-violation | flaky | slow | probe-error | unsupported | skipped |
|---|---|---|---|---|---|---|---|---|
| 14 | 1 | 0 | 1 | 0 | 0 | 0 | 0 | 0 |

Glyphs: \`.\` allowed, \`X\` blocked, \`R\` refused, \`!\` error, \`-\` skipped, \`?\` unsupported; \`*\` marks a cell that disagrees.

## sample

scenarios/sample.yaml: a <sample> & more

### Step 1: baseline

2 rounds, converged; time to enforce 2 ms; 2 disagreeing cells.

\`\`\`
80/TCP
-    x/a  x/b  ext
x/a  .    .    .
x/b  .*   .    .
ext  .    .

81/TCP
-    x/a  x/b  ext
x/a  .    .    .
x/b  .    .    .
ext  .    .*

\`\`\`

- fail-open: x/b -> x/a 80/TCP: predicted deny, observed allowed -- egress of x/b: not isolated; ingress of x/a: isolated by x/deny; no rule allows it
- intent-violation: ext -> x/b 81/TCP: predicted allow, observed allowed, intent deny but policies allow -- egress of ext: external, no policy applies; ingress of x/b: not isolated

### Step 2: restart the agent

2 rounds, **did not converge**; 2 disagreeing cells.

\`\`\`
80/TCP
-    x/a  x/b  ext
x/a  .    .    .
x/b  .*   .    .
ext  .    .

81/TCP
-    x/a  x/b  ext
x/a  .    .    .
x/b  .    .    .
ext  .    .*

\`\`\`

- chaos restart-agent on n1 at 100-900 ms: fail-open 300-700 ms (4 cells), fail-closed 900-1000 ms (2 cells); recovery 250 ms
  - maxFailOpen <= 0 ms: observed 400 ms, **violated**

- fail-open: x/b -> x/a 80/TCP: predicted deny, observed allowed -- egress of x/b: not isolated; ingress of x/a: isolated by x/deny; no rule allows it
- intent-violation: ext -> x/b 81/TCP: predicted allow, observed allowed, intent deny but policies allow -- egress of ext: external, no policy applies; ingress of x/b: not isolated

`

exports[`test/report/render-markdown.test.ts > TAP > the top names driver, how it was chosen, CNI, versions and every option; a fault-injected run says so (issue 15) > must match snapshot 1`] = `
# netpol-harness run 20261124-010203-abcd: FAIL (disagreements)

Driver: local (chosen by auto: kind not usable here (\`kind version\` failed)); CNI: netpol-harness local nftables dataplane; nftables v1.0.6, kernel 6.1

Options: driver requested auto; settle 30s; re-probes 3; round interval 250ms; enforce within 5s; adaptive timeout 4 x p99, at least 250ms; parallel 1; tags t; skip tags slow; faults packet-loss=10; nodes 2; resync 2s

**Fault-injected run** (--fault packet-loss=10): disagreements were provoked on purpose to prove they are caught; not a regression of the CNI.

Harness 0.1.0 on Node v20.20.2; 1 scenarios, 2 steps, 32 cells in 7.0 s (42 probes/s).
`

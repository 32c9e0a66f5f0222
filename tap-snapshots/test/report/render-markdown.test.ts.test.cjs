/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/report/render-markdown.test.ts > TAP > the sample run as Markdown > must match snapshot 1`] = `
# netpol-harness run 20261124-010203-abcd: FAIL (disagreements)

Driver: local (netpol-harness local nftables dataplane); nftables v1.0.6, kernel 6.1
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

/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/report/render-table.test.ts > TAP > predict table for an upstream case > must match snapshot 1`] = `
scenario upstream-egress-denied-client-side (scenarios/upstream/egress-denied-client-side.yaml)
legend: . allow   X deny   * contradicts the step's expect

step 1: baseline
80/TCP
-    x/a  x/b  x/c  y/a  y/b  y/c  z/a  z/b  z/c
x/a  .    .    .    .    .    .    .    .    .
x/b  .    .    .    .    .    .    .    .    .
x/c  .    .    .    .    .    .    .    .    .
y/a  .    .    .    .    .    .    .    .    .
y/b  .    .    .    .    .    .    .    .    .
y/c  .    .    .    .    .    .    .    .    .
z/a  .    .    .    .    .    .    .    .    .
z/b  .    .    .    .    .    .    .    .    .
z/c  .    .    .    .    .    .    .    .    .

81/TCP
-    x/a  x/b  x/c  y/a  y/b  y/c  z/a  z/b  z/c
x/a  .    .    .    .    .    .    .    .    .
x/b  .    .    .    .    .    .    .    .    .
x/c  .    .    .    .    .    .    .    .    .
y/a  .    .    .    .    .    .    .    .    .
y/b  .    .    .    .    .    .    .    .    .
y/c  .    .    .    .    .    .    .    .    .
z/a  .    .    .    .    .    .    .    .    .
z/b  .    .    .    .    .    .    .    .    .
z/c  .    .    .    .    .    .    .    .    .

step 2: x/a to y/a only; y allows x/a
80/TCP
-    x/a  x/b  x/c  y/a  y/b  y/c  z/a  z/b  z/c
x/a  .    X    X    .    X    X    X    X    X
x/b  .    .    .    X    X    .    .    .    .
x/c  .    .    .    X    X    .    .    .    .
y/a  .    .    .    .    X    .    .    .    .
y/b  .    .    .    X    .    .    .    .    .
y/c  .    .    .    X    X    .    .    .    .
z/a  .    .    .    X    X    .    .    .    .
z/b  .    .    .    X    X    .    .    .    .
z/c  .    .    .    X    X    .    .    .    .

81/TCP
-    x/a  x/b  x/c  y/a  y/b  y/c  z/a  z/b  z/c
x/a  .    X    X    .    X    X    X    X    X
x/b  .    .    .    X    X    .    .    .    .
x/c  .    .    .    X    X    .    .    .    .
y/a  .    .    .    .    X    .    .    .    .
y/b  .    .    .    X    .    .    .    .    .
y/c  .    .    .    X    X    .    .    .    .
z/a  .    .    .    X    X    .    .    .    .
z/b  .    .    .    X    X    .    .    .    .
z/c  .    .    .    X    X    .    .    .    .

`

exports[`test/report/render-table.test.ts > TAP > predict table for the seed scenario > must match snapshot 1`] = `
scenario allow-web-to-customer (scenarios/basics/allow-web-to-customer.yaml)
legend: . allow   X deny   * contradicts the step's expect

step 1: baseline
80/TCP
-              prod/web  prod/customer  dev/tester  orders-db
prod/web       .         .              .           .
prod/customer  .         .              .           .
dev/tester     .         .              .           .
orders-db      .         .              .

3306/TCP
-              prod/web  prod/customer  dev/tester  orders-db
prod/web       .         .              .           .
prod/customer  .         .              .           .
dev/tester     .         .              .           .
orders-db      .         .              .

step 2: isolate customer
80/TCP
-              prod/web  prod/customer  dev/tester  orders-db
prod/web       .         .              .           .
prod/customer  .         .              .           .
dev/tester     .         X              .           .
orders-db      .         X              .

3306/TCP
-              prod/web  prod/customer  dev/tester  orders-db
prod/web       .         X              .           .
prod/customer  .         .              .           .
dev/tester     .         X              .           .
orders-db      .         X              .

step 3: database only from customer
80/TCP
-              prod/web  prod/customer  dev/tester  orders-db
prod/web       .         .              X           X
prod/customer  .         .              X           X
dev/tester     .         X              .           .
orders-db      .         X              .

3306/TCP
-              prod/web  prod/customer  dev/tester  orders-db
prod/web       .         X              X           .
prod/customer  .         .              X           .
dev/tester     .         X              .           .
orders-db      .         X              .

`

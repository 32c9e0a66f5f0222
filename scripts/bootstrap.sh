#!/usr/bin/env bash
# Makes a fresh clone runnable: system packages the local driver needs (when root and missing), npm
# dependencies (when node_modules is missing or older than package-lock.json), and the build.
# With --test (npm test): also Chromium (the report page is checked in a real browser) and xmllint (junit.xml
# is checked against the JUnit schema).
# Plain bash, not zx: it runs before any npm dependency exists. Safe to run again; quick when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v nft >/dev/null 2>&1 || missing+=(nftables)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
# The local driver's per-node agents are Python 3 (standard library only; >= 3.8).
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ "${1:-}" = "--test" ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing ${missing[*]} (needed by the local driver and the tests)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: missing ${missing[*]} (apt-get install ${missing[*]}, as root): the local driver needs nftables, iproute2 and python3; the browser and JUnit-schema tests skip without chromium and libxml2-utils" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
npx --no-install tsc -p tsconfig.json

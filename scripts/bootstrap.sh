#!/usr/bin/env bash
# Makes a fresh clone runnable: system packages the local driver needs (when root and missing), npm
# dependencies (when node_modules is missing or older than package-lock.json), and the build.
# Plain bash, not zx: it runs before any npm dependency exists. Safe to run again; quick when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v nft >/dev/null 2>&1 || missing+=(nftables)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing ${missing[*]} (needed by the local driver)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: the local driver needs: ${missing[*]} (apt-get install ${missing[*]}, as root)" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
npx --no-install tsc -p tsconfig.json

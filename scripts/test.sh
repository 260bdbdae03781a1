#!/usr/bin/env bash
# README's test command: installs what a fresh machine lacks, then runs every test (`npm test`).
# The tests of several replicas start their own redis-server on a loopback port: it is the one system package
# they need. Everything else comes from npm.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing redis-server (Debian's package) for the tests of several replicas" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo "test.sh: installing redis-server (Debian's package) for the tests of several replicas" >&2
    sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  else
    echo "test.sh: redis-server is missing and cannot be installed from here: install it" \
      "(Debian/Ubuntu: apt-get install redis-server, macOS: brew install redis);" \
      "the tests of several replicas start their own on a loopback port" >&2
    exit 1
  fi
fi

# npm ci when node_modules is missing or older than the lock file (a pull that changed dependencies).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm test

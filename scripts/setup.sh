#!/usr/bin/env bash
# Installs what actorkube needs on a fresh Debian machine: nats-server and etcd-server (apt) and the
# npm packages.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

if ! command -v nats-server >/dev/null 2>&1; then
  echo "setup: installing nats-server (Debian package)"
  apt_install nats-server
fi

# Only the store benchmark (`npm run bench -- etcd`) needs etcd; the tests do not.
if ! command -v etcd >/dev/null 2>&1; then
  echo "setup: installing etcd-server (Debian package, for the store benchmark)"
  apt_install etcd-server
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  if ! npm ci --no-audit --no-fund --loglevel=error; then
    # npm 11 behind some registries leaves other platforms' optional packages (deno, msgpackr-extract
    # builds) out of the lock file, and npm ci then refuses it (npm/cli#8320, #9342). npm install
    # still takes every version the lock names.
    echo "setup: npm ci refused the lock file; installing with npm install (same locked versions)"
    npm install --no-audit --no-fund --loglevel=error
  fi
fi
echo "setup: ready ($(nats-server --version), node $(node --version))"

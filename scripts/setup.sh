#!/usr/bin/env bash
# Set-up on a fresh machine (Debian, Node.js >= 20 with npm): Debian's etcd (server + etcdctl), a kubectl
# if none is on PATH, qemu-user for the arm64 executable's test, the npm packages, and the pinned Node.js
# packages the release build injects the plugin into. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
SECONDS=0
step() { echo "--- $* (${SECONDS}s)"; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  # A policy-rc.d that answers 101 stops invoke-rc.d/deb-systemd-invoke from starting the packaged service.
  local policy_added=0
  if [ ! -e /usr/sbin/policy-rc.d ] && [ -z "$SUDO" ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; policy_added=1
  fi
  # A failing service start in postinst (no systemd in a container) must not fail CI: configure again, and
  # judge success by the binaries being there.
  $SUDO apt-get install -y -qq -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" \
    || $SUDO dpkg --configure -a || true
  if [ "$policy_added" -eq 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
}

# pids of processes named etcd (from /proc: procps may be missing on a minimal image)
etcd_pids() {
  local d
  for d in /proc/[0-9]*; do
    [ "$(cat "$d/comm" 2>/dev/null)" = etcd ] && echo "${d#/proc/}"
  done
  return 0
}

if ! command -v etcd >/dev/null 2>&1 || ! command -v etcdctl >/dev/null 2>&1; then
  step "installing etcd-server etcd-client"
  apt_install etcd-server etcd-client
  # If the package started its own etcd (127.0.0.1:2379) anyway, stop it: the simulator runs its own.
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now etcd >/dev/null 2>&1 || true
  fi
  $SUDO service etcd stop >/dev/null 2>&1 || true
  # Nothing else of ours runs yet, so any etcd now is the distro's: end it by its pid.
  for pid in $(etcd_pids); do
    echo "stopping the distro-started etcd (pid $pid)"
    $SUDO kill "$pid" 2>/dev/null || true
  done
  for _ in 1 2 3 4 5 6 7 8 9 10; do [ -n "$(etcd_pids)" ] || break; sleep 0.5; done
  for pid in $(etcd_pids); do $SUDO kill -9 "$pid" 2>/dev/null || true; done
fi
command -v etcd >/dev/null && command -v etcdctl >/dev/null || { echo "error: etcd/etcdctl could not be installed"; exit 1; }

if ! command -v kubectl >/dev/null 2>&1; then
  step "installing kubernetes-client (kubectl)"
  apt_install kubernetes-client
fi
command -v kubectl >/dev/null || { echo "error: kubectl could not be installed"; exit 1; }

# `ip` (iproute2) lets the test runner give each simulator test its own network namespace and run them side by side;
# without it they run one at a time, so a failed install is not fatal.
if ! command -v ip >/dev/null 2>&1 && [ -z "$SUDO" ]; then
  step "installing iproute2 (parallel simulator tests)"
  apt_install iproute2 || true
fi

# The linux/arm64 executable is tested under qemu-user (test/e2e/binary.test.ts): qemu-aarch64 and the arm64
# C/C++ runtime it loads the executable with (~10 s, ~25 MB download). Without them that test fails.
if ! command -v qemu-aarch64 >/dev/null 2>&1 || [ ! -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] \
   || [ ! -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6 ]; then
  step "installing qemu-user and the arm64 C/C++ runtime (for the linux/arm64 executable's test)"
  apt_install --no-install-recommends qemu-user libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross \
    || echo "warning: qemu-user could not be installed: the linux/arm64 executable's test will fail"
fi

step "etcd $(etcd --version 2>/dev/null | head -1 | awk '{print $3}'), $(kubectl version --client 2>/dev/null | head -1), node $(node --version), npm $(npm --version)"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The release build (test/e2e/binary.test.ts runs it) reads the official Node.js binaries from its cache
# ($ETCD_REPLACE_NODE_CACHE, else $XDG_CACHE_HOME or ~/.cache, then kubectl-etcd_replace/node). The test runner
# puts that test in a network namespace with loopback only, where npm cannot reach the registry: fetch them
# now, with the build's own code (same pinned versions, same sha512 check, same folder). Cached ones are kept.
step "Node.js packages for the release build"
if ! node --import tsx scripts/build-binary.ts --fetch-only >/dev/null; then
  echo "error: the pinned Node.js packages could not be fetched from the npm registry (above); the release build and test/e2e/binary.test.ts need them: check npm's registry access and run bash scripts/setup.sh again"
  exit 1
fi

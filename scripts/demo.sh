#!/usr/bin/env bash
# The demo on a fresh machine: set up, then start a simulated cluster with a stopped master and repair it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npm run --silent demo

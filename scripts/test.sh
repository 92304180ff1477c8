#!/usr/bin/env bash
# The tests on a fresh machine: set up, type-check, run every suite (unit, simulator, end-to-end against
# real etcd and the real kubectl). The last line printed is the runner's `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "--- npm run typecheck"
typecheck=0
npm run --silent typecheck || typecheck=$?
[ "$typecheck" -eq 0 ] || echo "typecheck FAILED (exit $typecheck)"
echo "--- npm test"
tests=0
npm test --silent || tests=$?
# Nothing may be printed after the runner's `N passed, N failed` line.
if [ "$tests" -ne 0 ]; then exit "$tests"; fi
exit "$typecheck"

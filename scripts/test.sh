#!/usr/bin/env bash
# The tests on a fresh machine: set up, then the runner type-checks and runs every suite (unit, simulator, end-to-end against
# real etcd and the real kubectl). The last line printed is the runner's `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "--- npm test (type check first: TEST_TYPECHECK=1 counts it in the runner's last line and exit code)"
# Nothing may be printed after the runner's `N passed, N failed` line.
TEST_TYPECHECK=1 exec npm test --silent

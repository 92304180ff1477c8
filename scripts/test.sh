#!/usr/bin/env bash
# The tests on a fresh machine: set up, type-check, run every suite. Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent typecheck
exec npm test --silent

#!/usr/bin/env bash
# The README's test command: installs what a fresh machine lacks (Node >= 22, pnpm, the
# workspace's packages, a running PostgreSQL, Debian's Chromium), builds and type-checks every
# package and runs every test suite, ending with one "tests: N passed, N failed" line.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/bootstrap.sh
bash scripts/ensure-postgres.sh
bash scripts/ensure-chromium.sh
pnpm -r build
pnpm typecheck
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
pnpm test 2>&1 | tee "$log"
node scripts/test-summary.mjs "$log"

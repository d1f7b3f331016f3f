#!/usr/bin/env bash
# The README's test command: installs what a fresh machine lacks (Node >= 22, pnpm, the
# workspace's packages, a running PostgreSQL), builds every package and runs every test suite.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/bootstrap.sh
bash scripts/ensure-postgres.sh
bash scripts/ensure-chromium.sh
pnpm -r build
pnpm test

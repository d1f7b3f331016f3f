#!/usr/bin/env bash
# The README's run command: installs what a fresh machine lacks, builds, and starts the demo
# with everything embedded (Postgres, streams, and a local model server when no provider is set).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/bootstrap.sh
# Only what changed since the last build (scripts/build-if-changed.mjs).
node scripts/build-if-changed.mjs
# Not `pnpm start`: pnpm would print ELIFECYCLE noise when Ctrl+C ends the demo.
exec node apps/demo/dist/main.js

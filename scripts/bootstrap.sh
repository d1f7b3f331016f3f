#!/usr/bin/env bash
# Source this file: it puts Node >= 22 and pnpm 10 on PATH, installing both from the npm
# registry into .tools/ when the machine lacks them (no prompts, safe to re-run), and then
# installs the workspace's dependencies from the lockfile.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 22 ] || ! command -v pnpm >/dev/null 2>&1; then
  if [ ! -x "$TOOLS/node_modules/.bin/node" ] || [ ! -x "$TOOLS/node_modules/.bin/pnpm" ]; then
    echo "bootstrap: installing Node 24 and pnpm 10 into .tools/ (machine has node $(node --version 2>/dev/null || echo none))"
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error node@24 pnpm@10 >/dev/null
  fi
  export PATH="$TOOLS/node_modules/.bin:$PATH"
fi
echo "bootstrap: node $(node --version), pnpm $(pnpm --version)"

# CI has no TTY; --frozen-lockfile keeps every machine on the committed versions. Skipped when
# the lockfile, the manifests and Node are what the last install saw (a restart costs nothing).
INSTALL_STAMP="$ROOT/node_modules/.open-chat-install"
install_inputs() {
  (cd "$ROOT" && node --version && cat pnpm-lock.yaml pnpm-workspace.yaml package.json packages/*/package.json apps/*/package.json) | sha256sum | cut -d' ' -f1
}
if [ -f "$INSTALL_STAMP" ] && [ "$(cat "$INSTALL_STAMP")" = "$(install_inputs)" ]; then
  echo "bootstrap: dependencies up to date"
else
  (cd "$ROOT" && pnpm install --frozen-lockfile --reporter=append-only 2>&1 | grep -v '^Progress' | tail -n 5)
  install_inputs > "$INSTALL_STAMP"
fi

#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (test tools never download a browser of their own).
# Installs it from Debian when /usr/bin/chromium (or $CHROME_PATH) is missing.
set -euo pipefail
CHROME="${CHROME_PATH:-/usr/bin/chromium}"
[ -x "$CHROME" ] && exit 0
echo "ensure-chromium: installing chromium from Debian"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
[ -x "$CHROME" ] || { echo "ensure-chromium: $CHROME still missing" >&2; exit 1; }

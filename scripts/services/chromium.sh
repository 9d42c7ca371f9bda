#!/usr/bin/env bash
# Installs Debian's Chromium for the wallboard's browser tests. Idempotent: does nothing when
# /usr/bin/chromium is already there. Playwright's own browser download cannot be used (no network
# beyond the package registries), so the tests drive this system build through playwright-core.
#
# Usage: chromium.sh [--best-effort]
#   --best-effort  (npm's pretest) when Chromium cannot be installed here, warn and exit 0, so the
#                  rest of the suite still runs; the browser test then fails saying what is missing.
set -euo pipefail

best_effort=0
[ "${1:-}" = "--best-effort" ] && best_effort=1

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

give_up() {
  echo "chromium.sh: $1" >&2
  [ "$best_effort" -eq 1 ] && exit 0
  exit 1
}

if ! command -v apt-get >/dev/null 2>&1; then
  give_up "/usr/bin/chromium is missing and apt-get is not available; install Chromium by hand"
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || give_up "/usr/bin/chromium is missing; run this script as root to install it"
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update || give_up "apt-get update failed"
$SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core || give_up "apt-get install chromium failed"

if [ ! -x /usr/bin/chromium ]; then
  give_up "apt-get finished but /usr/bin/chromium is still missing"
fi
echo "chromium.sh: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium installed')"

#!/usr/bin/env bash
# Installs Debian's Chromium for the wallboard's browser tests. Idempotent: does nothing when
# /usr/bin/chromium is already there. Playwright's own browser download cannot be used (no network
# beyond the package registries), so the tests drive this system build through playwright-core.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium.sh: /usr/bin/chromium is missing and apt-get is not available; install Chromium by hand" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core

if [ ! -x /usr/bin/chromium ]; then
  echo "chromium.sh: apt-get finished but /usr/bin/chromium is still missing" >&2
  exit 1
fi
echo "chromium.sh: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium installed')"

#!/usr/bin/env bash
# Installs Debian's redis-server for the tests that need a real Redis (the shared quota, store,
# leases and fleet). Idempotent: does nothing when redis-server is already on the PATH. The tests
# start their own servers on free loopback ports (test/helpers/redisServer.ts); nothing is left
# running and no system service is used.
#
# Usage: redis.sh [--best-effort]
#   --best-effort  (npm's pretest) when redis-server cannot be installed here, warn and exit 0, so
#                  the rest of the suite still runs; the Redis tests then fail saying what is missing.
set -euo pipefail

best_effort=0
[ "${1:-}" = "--best-effort" ] && best_effort=1

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi

give_up() {
  echo "redis.sh: $1" >&2
  [ "$best_effort" -eq 1 ] && exit 0
  exit 1
}

if ! command -v apt-get >/dev/null 2>&1; then
  give_up "redis-server is missing and apt-get is not available; install Redis 7 by hand"
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || give_up "redis-server is missing; run this script as root to install it"
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update || give_up "apt-get update failed"
# The package's own service is not needed (tests start their servers); policy-rc.d may refuse to
# start it in a container, which is fine.
$SUDO apt-get install -y --no-install-recommends redis-server || give_up "apt-get install redis-server failed"

command -v redis-server >/dev/null 2>&1 || give_up "apt-get finished but redis-server is still missing"
echo "redis.sh: $(redis-server --version)"

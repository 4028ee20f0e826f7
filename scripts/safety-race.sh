#!/bin/sh
# SAFETY.md S3 at length: the race hammer of tests/e2e/test_safety_race.py, run for
# SECONDS per mode (default 300) instead of CI's 10, printing runs, swaps and why runs
# stopped. Run as root after scripts/build.sh.
set -eu
cd "$(dirname "$0")/.."
SECONDS_PER_MODE=${1:-300}
EXCISE_BIN=${EXCISE_BIN:-$PWD/${BUILD_DIR:-build}/excise} \
EXCISE_RACE_SECONDS=$SECONDS_PER_MODE \
  exec /usr/bin/python3 tests/e2e/test_safety_race.py -v

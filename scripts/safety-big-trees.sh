#!/bin/sh
# SAFETY.md S9 at full size: tests/e2e/test_safety_big_trees.py with a 1,000,000-entry
# directory (CI uses 100,000) and a 100,000-level tree, RLIMIT_NOFILE 64. Prints the time
# and maximum RSS of every command. Needs root and a few GB of RAM (the trees live on
# tmpfs). Usage: scripts/safety-big-trees.sh [WIDE [DEEP]]
set -eu
cd "$(dirname "$0")/.."
EXCISE_BIN=${EXCISE_BIN:-$PWD/${BUILD_DIR:-build}/excise} \
EXCISE_S9_WIDE=${1:-1000000} \
EXCISE_S9_DEEP=${2:-100000} \
  exec /usr/bin/python3 tests/e2e/test_safety_big_trees.py -v

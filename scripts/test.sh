#!/bin/sh
# Builds excise and runs the whole test suite (unit and end-to-end). Run as root: the
# end-to-end tests install packages into generated roots and use namespaces.
# Extra arguments go to ctest, e.g. `scripts/test.sh -L unit`.
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
./scripts/build.sh
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 900 "$@"

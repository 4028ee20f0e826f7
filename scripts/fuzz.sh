#!/bin/sh
# Builds the libFuzzer targets (clang, ASan, UBSan) in build-fuzz/ and runs each for a
# time budget over its seeds (tests/fuzz/run-fuzzer.sh); exits non-zero on any finding.
#   scripts/fuzz.sh [SECONDS] [TARGET...]    default 60 s each; targets: fuzz_playbook,
#                                            fuzz_journal, fuzz_dpkg_status
#   scripts/fuzz.sh --ctest                  build, then the fuzz tests (ctest -L fuzz: each
#                                            target for EXCISE_FUZZ_SECONDS), as CI does
# The corpora grow in build-fuzz/fuzz-work/<target>/corpus across runs; findings are left
# there as crash-*, leak-*, timeout-* files. CI runs `ctest -L fuzz` in build-fuzz instead
# (each target for EXCISE_FUZZ_SECONDS, 25 s).
set -eu
cd "$(dirname "$0")/.."
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DEXCISE_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target fuzz_targets
if [ "${1:-}" = "--ctest" ]; then
  cd "$BUILD"
  exec ctest --output-on-failure -L fuzz
fi
SECONDS_TO_RUN=${1:-60}
[ $# -gt 0 ] && shift
TARGETS=${*:-fuzz_playbook fuzz_journal fuzz_dpkg_status}
status=0
for t in $TARGETS; do
  tests/fuzz/run-fuzzer.sh "$BUILD/tests/fuzz/$t" "$SECONDS_TO_RUN" "$BUILD/fuzz-work/$t" || status=1
done
exit $status

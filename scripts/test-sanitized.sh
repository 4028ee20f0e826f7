#!/bin/sh
# Builds excise with AddressSanitizer and UndefinedBehaviorSanitizer (-DEXCISE_SANITIZE=ON)
# in build-asan/ (or $ASAN_BUILD_DIR) and runs the whole test suite on that build: the
# unit tests, and the end-to-end tests with EXCISE_BIN pointing at the sanitized binary
# (ctest sets it per build directory). Extra arguments go to ctest.
# A sanitizer report aborts the process (SIGABRT), so no test can mistake it for one of
# excise's own exit codes. Runs under strace turn leak detection off (LeakSanitizer
# cannot ptrace a traced process); see excise_e2e/sweep.py.
set -eu
cd "$(dirname "$0")/.."
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:abort_on_error=1}"
BUILD_DIR=${ASAN_BUILD_DIR:-build-asan} ./scripts/build.sh -DEXCISE_SANITIZE=ON
cd "${ASAN_BUILD_DIR:-build-asan}"
ctest --output-on-failure --timeout 1800 "$@"

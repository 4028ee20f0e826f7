#!/bin/sh
# Builds the playbook loader fuzzer (clang, libFuzzer, ASan, UBSan) and runs it.
#   scripts/fuzz-playbook.sh [SECONDS]      default 60; the corpus starts from the fixtures
# toml++ comes from the Debian shared library, as in the real build (built with NDEBUG:
# no assertion aborts; its U+0361 unreachable path is compiled as a plain return there).
set -eu
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-60}
OUT=${FUZZ_DIR:-build/fuzz}
mkdir -p "$OUT/corpus"
cp tests/fixtures/playbooks/good/*.toml tests/fixtures/playbooks/bad/*.toml "$OUT/corpus/"
clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -DTOML_HEADER_ONLY=0 -DTOML_SHARED_LIB=1 -DEXCISE_SOURCE_CATALOGUE='"/nonexistent"' \
  -Iinclude -Isrc \
  tests/fuzz/fuzz_playbook.cpp \
  src/playbook/document.cpp src/playbook/field_reader.cpp src/playbook/glob.cpp \
  src/playbook/ordering.cpp src/playbook/protected_paths.cpp src/playbook/regex_check.cpp \
  src/playbook/toml_guard.cpp src/kinds/*.cpp \
  src/core/bytes.cpp src/core/diagnostics.cpp src/core/phase.cpp \
  -ltomlplusplus -lcrypto -o "$OUT/fuzz_playbook"
exec "$OUT/fuzz_playbook" -max_total_time="$SECONDS_TO_RUN" -max_len=4096 \
  -artifact_prefix="$OUT/" "$OUT/corpus"

#!/bin/sh
# Runs one libFuzzer target for a time budget over its seeds, keeping its corpus in WORK.
#   tests/fuzz/run-fuzzer.sh BINARY SECONDS WORK
# Seeds by target (the binary's name): fuzz_playbook gets every playbook of the project;
# fuzz_journal the real journals in tests/fuzz/seeds/journal, each twice (raw, and as
# JSON lines to be framed by the target); fuzz_dpkg_status the status files in
# tests/fuzz/seeds/dpkg_status and this machine's /var/lib/dpkg/status cut in pieces of
# 8 stanzas. Exits non-zero on any finding (the crashing input is left in WORK/).
# Prints the executions done ("stat::number_of_executed_units").
set -eu
BIN=$1
SECONDS_TO_RUN=$2
WORK=$3
NAME=$(basename "$BIN")
SEEDS="$WORK/seeds"
rm -rf "$SEEDS"
mkdir -p "$SEEDS" "$WORK/corpus"
case "$NAME" in
  fuzz_playbook)
    i=0
    for f in tests/fixtures/playbooks/*/*.toml playbooks/*.toml playbooks/*/*.toml; do
      [ -f "$f" ] || continue
      i=$((i + 1)); cp "$f" "$SEEDS/$i.toml"
    done
    MAXLEN=8192 ;;
  fuzz_journal)
    for f in tests/fuzz/seeds/journal/*; do
      n=$(basename "$f")
      { printf '\000'; cat "$f"; } > "$SEEDS/raw-$n"
      { printf '\001'; cut -c10- "$f"; } > "$SEEDS/lines-$n"
    done
    MAXLEN=16384 ;;
  fuzz_dpkg_status)
    cp tests/fuzz/seeds/dpkg_status/* "$SEEDS/"
    if [ -r /var/lib/dpkg/status ]; then
      awk -v dir="$SEEDS" 'BEGIN { RS = ""; ORS = "\n\n" }
        { file = sprintf("%s/host-%04d", dir, int((NR - 1) / 8)); print > file }' /var/lib/dpkg/status
    fi
    MAXLEN=16384 ;;
  *) echo "run-fuzzer.sh: unknown target $NAME" >&2; exit 2 ;;
esac
DICT=""
[ -f "tests/fuzz/$NAME.dict" ] && DICT="-dict=tests/fuzz/$NAME.dict"
LOG="$WORK/log"
status=0
"$BIN" -max_total_time="$SECONDS_TO_RUN" -max_len="$MAXLEN" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$WORK/" $DICT "$WORK/corpus" "$SEEDS" > "$LOG" 2>&1 || status=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$LOG" | tail -1)
echo "$NAME: ${execs:-?} executions in ${SECONDS_TO_RUN} s, corpus $(ls "$WORK/corpus" | wc -l) inputs, exit $status"
if [ "$status" -ne 0 ]; then
  tail -60 "$LOG"
  ls "$WORK" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | sed "s|^|finding: $WORK/|" || true
fi
exit "$status"

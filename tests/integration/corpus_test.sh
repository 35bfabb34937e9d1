#!/usr/bin/env bash
# Runs `egressmon analyze --json` on every capture in a corpus directory, one process per file
# (two at a time). A file passes when egressmon exits 0, or exits 2 because libpcap itself
# cannot read the file; it fails on any other exit (a crash, an abort) or any sanitizer report.
set -uo pipefail
bin=$1
dir=$2
[ -d "$dir" ] || { echo "corpus directory $dir not found" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
  local f=$1
  local name rc
  name=$(basename "$f")
  "$bin" analyze --json --top 0 -q "$f" >"$out/$name.json" 2>"$out/$name.err"
  rc=$?
  if grep -qE "runtime error|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer" "$out/$name.err"; then
    echo "FAIL sanitizer: $name"; sed 's/^/    /' "$out/$name.err" | head -30; return 1
  fi
  if [ "$rc" -eq 0 ]; then
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out/$name.json" 2>/dev/null \
      || { echo "FAIL invalid JSON: $name"; return 1; }
    echo "ok $name"; return 0
  fi
  if [ "$rc" -eq 2 ] && grep -q "cannot read capture" "$out/$name.err"; then
    echo "unreadable-by-libpcap $name: $(head -c 200 "$out/$name.err")"; return 0
  fi
  echo "FAIL exit $rc: $name"; sed 's/^/    /' "$out/$name.err" | head -30
  return 1
}
export -f run_one
export bin out

find "$dir" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' \) -print0 | sort -z |
  xargs -0 -n 1 -P 2 bash -c 'run_one "$0"' >"$out/results.txt"
total=$(wc -l <"$out/results.txt")
ok=$(grep -c '^ok ' "$out/results.txt")
unreadable=$(grep -c '^unreadable-by-libpcap ' "$out/results.txt")
failed=$(grep -c '^FAIL' "$out/results.txt")
grep -A30 '^FAIL' "$out/results.txt" | head -200
echo "corpus: $total files: $ok analysed, $unreadable unreadable by libpcap (exit 2, clean message), $failed failed"
[ "$total" -gt 0 ] && [ "$failed" -eq 0 ]

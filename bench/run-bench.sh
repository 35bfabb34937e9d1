#!/usr/bin/env bash
# Throughput and memory benchmark of `egressmon analyze` against `tcpdump -r F -w /dev/null`,
# on the same synthetic capture, one core each. See docs/benchmarks.md.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/run-bench.sh [options]
  --build-dir DIR      CMake build directory (default build/release); configured as Release
                       if it does not exist; egressmon and egressmon-gen-capture are built there
  --packets N          packets in the throughput capture (default 5000000)
  --runs R             runs of each measurement; the median is reported (default 3)
  --work DIR           where captures and logs go (default BUILD/bench-out)
  --memory-flows N     flows alive at the end of the memory capture (default 1000000)
  --egressmon PATH     measure this egressmon binary instead of building one
  --names              also measure a capture with names in it (DNS lookups, TLS and QUIC
                       ClientHellos, HTTP requests; egressmon-gen-capture --names): egressmon
                       analyze on it with naming and the app catalog on, with them off, and on
                       the plain capture, to give what name parsing and app matching add
Environment: EGRESSMON_COUNTRY_DB, when set, is passed to egressmon as --country-db.
EOF
}

die() {
  echo "run-bench: error: $*" >&2
  exit 1
}
note() { echo "run-bench: $*" >&2; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=build/release
PACKETS=5000000
RUNS=3
WORK=
MEM_FLOWS=1000000
EGRESSMON=
CPU=0
NAMES=0

while [[ $# -gt 0 ]]; do
  case $1 in
    --build-dir) BUILD=${2:?--build-dir needs a value}; shift 2 ;;
    --packets) PACKETS=${2:?--packets needs a value}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --work) WORK=${2:?--work needs a value}; shift 2 ;;
    --memory-flows) MEM_FLOWS=${2:?--memory-flows needs a value}; shift 2 ;;
    --egressmon) EGRESSMON=${2:?--egressmon needs a value}; shift 2 ;;
    --names) NAMES=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
  esac
done
for v in PACKETS RUNS MEM_FLOWS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "--$(tr 'A-Z_' 'a-z-' <<<"$v" | sed 's/mem-/memory-/') must be a positive whole number, got '${!v}'"
done
[[ $BUILD = /* ]] || BUILD=$REPO/$BUILD
WORK=${WORK:-$BUILD/bench-out}
[[ $WORK = /* ]] || WORK=$PWD/$WORK

# --- tools -------------------------------------------------------------------------------------
need_pkg() {  # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    note "installing the Debian package '$2' (for $1)"
    apt-get install -y -qq "$2" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$2" >/dev/null 2>&1; } ||
      die "could not install '$2'; install it and rerun"
  else
    die "$1 is missing: install the Debian package '$2'"
  fi
}
need_pkg tcpdump tcpdump
need_pkg taskset util-linux
[[ -x /usr/bin/time ]] || need_pkg /usr/bin/time time
need_pkg cmake cmake
command -v git >/dev/null || die "git is missing"

# Checked before building, so that the load is other people's.
LOAD=$(cut -d' ' -f1 /proc/loadavg)
awk -v l="$LOAD" 'BEGIN {exit !(l > 1)}' &&
  note "warning: load average is $LOAD; the machine is busy and wall times will be noisy (compare the CPU times)"

# --- build -------------------------------------------------------------------------------------
mkdir -p "$WORK"
LOG=$WORK/build.log
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  gen=()
  command -v ninja >/dev/null && gen=(-G Ninja)
  note "configuring $BUILD (Release)"
  cmake -S "$REPO" -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DEGRESSMON_TESTS=OFF -DEGRESSMON_BENCH=ON \
    >"$LOG" 2>&1 || die "cmake configure of $BUILD failed; see $LOG"
fi
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
[[ $BUILD_TYPE == Release ]] || note "warning: $BUILD is a '$BUILD_TYPE' build, not Release: figures are not comparable"
note "building egressmon-gen-capture in $BUILD"
cmake --build "$BUILD" --target egressmon-gen-capture >>"$LOG" 2>&1 ||
  die "building egressmon-gen-capture failed; see $LOG"
GEN=$(find "$BUILD" -type f -name egressmon-gen-capture -perm -u+x | head -n1)
[[ -n $GEN ]] || die "egressmon-gen-capture not found under $BUILD after building it"
BIN_NOTE="$BUILD_TYPE build"
if [[ -n $EGRESSMON ]]; then
  BIN_NOTE="given with --egressmon; the commit is the checkout's"
else
  note "building egressmon in $BUILD"
  cmake --build "$BUILD" --target egressmon >>"$LOG" 2>&1 ||
    die "the egressmon binary could not be built in $BUILD (target 'egressmon'; see $LOG). Build it, or pass --egressmon PATH."
  EGRESSMON=$(find "$BUILD" -type f -name egressmon -perm -u+x | head -n1)
  [[ -n $EGRESSMON ]] || die "egressmon binary not found under $BUILD after building it"
fi
[[ -x $EGRESSMON ]] || die "egressmon binary '$EGRESSMON' is missing or not executable"
DB_ARGS=()
[[ -n ${EGRESSMON_COUNTRY_DB:-} ]] && DB_ARGS=(--country-db "$EGRESSMON_COUNTRY_DB")

# --- helpers -----------------------------------------------------------------------------------
# measure NAME CMD...: runs CMD pinned to one CPU under /usr/bin/time; sets T (wall seconds),
# M (peak RSS KiB) and C (user + system CPU seconds). Stdout goes to /dev/null, stderr to
# WORK/NAME.stderr.
measure() {
  local name=$1 tf=$WORK/time.out err=$WORK/$1.stderr
  shift
  if ! taskset -c "$CPU" /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" >/dev/null 2>"$err"; then
    tail -n 20 "$err" >&2
    die "$name failed: $* (stderr in $err)"
  fi
  local u s
  read -r T M u s < <(tail -n 1 "$tf")
  C=$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# gen FILE ARGS...: (re)generates FILE unless it exists and is newer than the generator.
gen() {
  local file=$1
  shift
  if [[ -f $file && $file -nt $GEN ]]; then
    note "reusing $file"
  else
    note "generating $file"
    "$GEN" --out "$file" "$@" 2>"$file.summary" || { cat "$file.summary" >&2; die "generating $file failed"; }
  fi
  sed 's/^/  /' "$file.summary" >&2
}
mib() { awk -v k="$1" 'BEGIN {printf "%.0f", k / 1024}'; }
# pct A B: how much longer A is than B, in per cent ("+12.3%").
pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.1f%%", (a / b - 1) * 100}'; }

# --- throughput --------------------------------------------------------------------------------
CAP=$WORK/synthetic-$PACKETS.pcap
gen "$CAP" --packets "$PACKETS"
cat "$CAP" >/dev/null  # page cache: both readers start warm
declare -a TD_T TD_C EM_T EM_C EM_M
for ((r = 1; r <= RUNS; r++)); do
  measure tcpdump tcpdump -r "$CAP" -w /dev/null
  TD_T+=("$T"); TD_C+=("$C")
  note "run $r/$RUNS  tcpdump:           $T s (CPU $C s), peak RSS $(mib "$M") MiB"
  measure egressmon "$EGRESSMON" analyze "$CAP" --top 5 "${DB_ARGS[@]}"
  EM_T+=("$T"); EM_C+=("$C"); EM_M+=("$M")
  note "run $r/$RUNS  egressmon analyze: $T s (CPU $C s), peak RSS $(mib "$M") MiB"
done
TD_MED=$(printf '%s\n' "${TD_T[@]}" | median)
EM_MED=$(printf '%s\n' "${EM_T[@]}" | median)
EM_RSS=$(printf '%s\n' "${EM_M[@]}" | median)
TD_CPU=$(printf '%s\n' "${TD_C[@]}" | median)
EM_CPU=$(printf '%s\n' "${EM_C[@]}" | median)
awk -v a="$TD_MED" -v b="$EM_MED" 'BEGIN {exit !(a > 0 && b > 0)}' ||
  die "a run took under 10 ms, too short to time: use more --packets"
read -r TD_MPPS EM_MPPS RATIO < <(awk -v n="$PACKETS" -v a="$TD_MED" -v b="$EM_MED" \
  'BEGIN {printf "%.2f %.2f %.2f\n", n / a / 1e6, n / b / 1e6, a / b}')

# --- names -------------------------------------------------------------------------------------
# The same traffic model with names in it, read three ways, interleaved run by run:
#   (a) names capture, egressmon as shipped (DNS answers cached, ClientHellos reassembled, QUIC
#       Initials decrypted, app catalog);
#   (b) names capture, naming mostly off: no DNS port, no reassembly slots (so no split
#       ClientHellos and no QUIC), no app catalog. Single-segment ClientHellos and HTTP
#       requests are still parsed: egressmon has no switch for that;
#   (c) the plain capture (no names) of the same packet count, egressmon as shipped.
# (a) vs (b) is what name parsing and app matching add; (a) vs (c) what a names-heavy
# capture costs over one whose parsers find nothing (more flows too: each lookup is one).
if [[ $NAMES -eq 1 ]]; then
  NCAP=$WORK/synthetic-names-$PACKETS.pcap
  gen "$NCAP" --packets "$PACKETS" --names
  NAMES_OFF=$WORK/names-off.toml
  cat >"$NAMES_OFF" <<'TOML'
# bench/run-bench.sh --names, run (b): DNS, reassembly (split ClientHellos, QUIC) and apps off.
[names]
dns_ports = []
inspection_slots = 0

[apps]
enabled = false
TOML
  cat "$NCAP" "$CAP" >/dev/null
  declare -a NT_T NA_T NA_C NA_M NB_T NB_C NC_T NC_C
  for ((r = 1; r <= RUNS; r++)); do
    measure tcpdump-names tcpdump -r "$NCAP" -w /dev/null
    NT_T+=("$T")
    measure egressmon-names "$EGRESSMON" analyze "$NCAP" --top 5 "${DB_ARGS[@]}"
    NA_T+=("$T"); NA_C+=("$C"); NA_M+=("$M")
    measure egressmon-names-off "$EGRESSMON" analyze "$NCAP" --top 5 --config "$NAMES_OFF" "${DB_ARGS[@]}"
    NB_T+=("$T"); NB_C+=("$C")
    measure egressmon-plain "$EGRESSMON" analyze "$CAP" --top 5 "${DB_ARGS[@]}"
    NC_T+=("$T"); NC_C+=("$C")
    note "run $r/$RUNS  names: tcpdump ${NT_T[-1]} s; egressmon (a) ${NA_T[-1]} s (CPU ${NA_C[-1]} s), (b) ${NB_T[-1]} s (CPU ${NB_C[-1]} s), (c) ${NC_T[-1]} s (CPU ${NC_C[-1]} s)"
  done
  NT_MED=$(printf '%s\n' "${NT_T[@]}" | median)
  NA_MED=$(printf '%s\n' "${NA_T[@]}" | median)
  NB_MED=$(printf '%s\n' "${NB_T[@]}" | median)
  NC_MED=$(printf '%s\n' "${NC_T[@]}" | median)
  NA_CPU=$(printf '%s\n' "${NA_C[@]}" | median)
  NB_CPU=$(printf '%s\n' "${NB_C[@]}" | median)
  NC_CPU=$(printf '%s\n' "${NC_C[@]}" | median)
  NA_RSS=$(printf '%s\n' "${NA_M[@]}" | median)
  awk -v t="$NT_MED" -v a="$NA_MED" -v b="$NB_MED" -v c="$NC_MED" 'BEGIN {exit !(t > 0 && a > 0 && b > 0 && c > 0)}' ||
    die "a run took under 10 ms, too short to time: use more --packets"
  read -r NT_MPPS NA_MPPS NB_MPPS NC_MPPS N_RATIO < <(awk -v n="$PACKETS" -v t="$NT_MED" -v a="$NA_MED" \
    -v b="$NB_MED" -v c="$NC_MED" 'BEGIN {printf "%.2f %.2f %.2f %.2f %.2f\n", n / t / 1e6, n / a / 1e6, n / b / 1e6, n / c / 1e6, t / a}')
  # What egressmon named (one more run, untimed), beside what the generator put in.
  "$EGRESSMON" analyze "$NCAP" --top 1 "${DB_ARGS[@]}" >"$WORK/egressmon-names.report" 2>/dev/null ||
    die "egressmon analyze $NCAP failed"
  stat_of() { awk -v k="$1" '$1 == k {gsub(",", "", $2); print $2; exit}' "$WORK/egressmon-names.report"; }
  NAMED="sni $(stat_of names_sni), quic $(stat_of names_quic), http $(stat_of names_http), dns at flow start $(stat_of names_dns_at_start), dns later $(stat_of names_dns_later); dns_responses $(stat_of dns_responses), inspections $(stat_of inspections) ($(stat_of inspections_dropped) dropped), ech $(stat_of names_ech)"
  SENT=$(sed -n 's/^egressmon-gen-capture: names: //p' "$NCAP.summary")
  NCAP_MB=$(awk -v s="$(stat -c %s "$NCAP")" 'BEGIN {printf "%.0f", s / 1e6}')
fi

# --- memory per flow ---------------------------------------------------------------------------
MEMCAP=$WORK/memory-$MEM_FLOWS.pcap
TINY=$WORK/one-flow.pcap
gen "$MEMCAP" --concurrent "$MEM_FLOWS" --flows "$MEM_FLOWS" --packets $((3 * MEM_FLOWS))
gen "$TINY" --concurrent 1 --flows 1 --packets 16
declare -a MEM_M BASE_M
for ((r = 1; r <= RUNS; r++)); do
  measure egressmon-memory "$EGRESSMON" analyze "$MEMCAP" --top 5 "${DB_ARGS[@]}"
  MEM_M+=("$M")
  measure egressmon-baseline "$EGRESSMON" analyze "$TINY" --top 5 "${DB_ARGS[@]}"
  BASE_M+=("$M")
  note "run $r/$RUNS  memory: peak RSS $(mib "${MEM_M[-1]}") MiB at $MEM_FLOWS flows, $(mib "$M") MiB at 1 flow"
done
MEM_RSS=$(printf '%s\n' "${MEM_M[@]}" | median)
BASE_RSS=$(printf '%s\n' "${BASE_M[@]}" | median)
read -r PER_FLOW RAW_PER_FLOW < <(awk -v m="$MEM_RSS" -v b="$BASE_RSS" -v n="$MEM_FLOWS" \
  'BEGIN {printf "%.0f %.0f\n", (m - b) * 1024 / n, m * 1024 / n}')

# --- summary -----------------------------------------------------------------------------------
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n $(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null) ]] && COMMIT="$COMMIT+uncommitted"
TCPDUMP_VER=$(tcpdump --version 2>&1 | head -n1)
CAP_MB=$(awk -v s="$(stat -c %s "$CAP")" 'BEGIN {printf "%.0f", s / 1e6}')
cat <<EOF

egressmon benchmark ($(date -u +%Y-%m-%d), bench/run-bench.sh)
machine: ${CPU_MODEL:-unknown CPU}, nproc $(nproc), Linux $(uname -r); each process pinned to CPU $CPU
egressmon: commit $COMMIT, $EGRESSMON ($BIN_NOTE); $TCPDUMP_VER
capture: $CAP ($CAP_MB MB, snaplen 128); median of $RUNS runs, /usr/bin/time wall clock
packets: $PACKETS  tcpdump: $TD_MPPS Mpps  egressmon analyze: $EM_MPPS Mpps  ratio: $RATIO
  (wall: tcpdump $TD_MED s, egressmon analyze $EM_MED s; CPU user+sys: tcpdump $TD_CPU s, egressmon analyze $EM_CPU s; egressmon peak RSS $(mib "$EM_RSS") MiB)
memory at $MEM_FLOWS flows: $PER_FLOW bytes/flow (peak RSS $(mib "$MEM_RSS") MiB, 1-flow baseline $(mib "$BASE_RSS") MiB; raw $RAW_PER_FLOW bytes/flow)
EOF
[[ $NAMES -eq 1 ]] || exit 0
cat <<EOF

names capture: $NCAP ($NCAP_MB MB; packets carrying names captured whole, the rest at 128 bytes)
  sent: $SENT
  egressmon named: $NAMED
  packets: $PACKETS  tcpdump: $NT_MPPS Mpps  egressmon analyze: $NA_MPPS Mpps  ratio: $N_RATIO  (egressmon peak RSS $(mib "$NA_RSS") MiB)
  (a) names capture, naming and apps on:  $NA_MED s, $NA_MPPS Mpps (CPU $NA_CPU s)
  (b) names capture, naming mostly off:   $NB_MED s, $NB_MPPS Mpps (CPU $NB_CPU s)
  (c) plain capture, naming and apps on:  $NC_MED s, $NC_MPPS Mpps (CPU $NC_CPU s)
  name parsing and app matching add  (a vs b): $(pct "$NA_MED" "$NB_MED") time, $(pct "$NA_CPU" "$NB_CPU") CPU  (goal: at most +20%)
  names capture over plain capture   (a vs c): $(pct "$NA_MED" "$NC_MED") time, $(pct "$NA_CPU" "$NC_CPU") CPU
  naming off over plain capture      (b vs c): $(pct "$NB_MED" "$NC_MED") time, $(pct "$NB_CPU" "$NC_CPU") CPU

For the README (Performance table):
| $PACKETS packets with names (\`--names\`, $NCAP_MB MB) | $NT_MED s, $NT_MPPS Mpps | $NA_MED s, $NA_MPPS Mpps | **ratio $N_RATIO** |
| name parsing and app matching (same capture, naming off: $NB_MED s) | | $(pct "$NA_MED" "$NB_MED") time | goal ≤ +20% |
EOF

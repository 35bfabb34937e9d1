#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds egressmon with ASan+UBSan and runs every test:
# unit and integration tests, the tcpdump corpus, and each fuzz target (clang/libFuzzer) for
# EGRESSMON_FUZZ_SECONDS (default 20) seconds over its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${EGRESSMON_FUZZ_SECONDS:-20}

echo "== build: gcc, ASan+UBSan (build/asan)"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEGRESSMON_SANITIZE=ON \
  -DEGRESSMON_WERROR=ON >/dev/null
cmake --build build/asan -j "$JOBS"

echo "== build: clang, libFuzzer+ASan+UBSan (build/fuzz)"
CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEGRESSMON_FUZZ=ON -DEGRESSMON_BENCH=OFF -DEGRESSMON_FUZZ_SECONDS="$FUZZ_SECONDS" >/dev/null
cmake --build build/fuzz -j "$JOBS"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== tests (build/asan)"
status=0
ctest --test-dir build/asan --output-on-failure -j "$JOBS" --timeout 900 || status=1

echo "== fuzz targets, ${FUZZ_SECONDS}s each (build/fuzz)"
ctest --test-dir build/fuzz --output-on-failure -L fuzz -j "$JOBS" --timeout 600 || status=1

exit $status

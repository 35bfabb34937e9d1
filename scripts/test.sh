#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds egressmon with ASan+UBSan and runs every test:
# unit and integration tests, the tcpdump corpus, and each fuzz target (clang/libFuzzer) for
# EGRESSMON_FUZZ_SECONDS (default 20) seconds over its seed corpus. The unit and integration
# tests run once more on a Release build (optimised code; the allocation-counting tests).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${EGRESSMON_FUZZ_SECONDS:-20}

echo "== build: gcc, ASan+UBSan (build/asan)"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEGRESSMON_SANITIZE=ON \
  -DEGRESSMON_WERROR=ON >/dev/null
cmake --build build/asan -j "$JOBS"

echo "== build: gcc, Release (build/release-tests): the optimised code, and the tests that count"
echo "   allocations, which cannot run under ASan"
# No -Werror here: g++ 12 at -O3 reports known false positives (-Warray-bounds, -Wrestrict)
# inside libstdc++ for some test code; the ASan build above is the -Werror gate.
cmake -S . -B build/release-tests -G Ninja -DCMAKE_BUILD_TYPE=Release -DEGRESSMON_WERROR=OFF >/dev/null
cmake --build build/release-tests -j "$JOBS"

echo "== build: clang, libFuzzer+ASan+UBSan (build/fuzz)"
CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEGRESSMON_FUZZ=ON -DEGRESSMON_BENCH=OFF -DEGRESSMON_FUZZ_SECONDS="$FUZZ_SECONDS" >/dev/null
cmake --build build/fuzz -j "$JOBS"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== tests (build/asan)"
status=0
ctest --test-dir build/asan --output-on-failure -j "$JOBS" --timeout 900 || status=1

echo "== unit and integration tests, Release (build/release-tests)"
ctest --test-dir build/release-tests --output-on-failure -j "$JOBS" --timeout 900 -L 'unit|integration' -E corpus_tcpdump || status=1

echo "== fuzz targets, ${FUZZ_SECONDS}s each (build/fuzz)"
ctest --test-dir build/fuzz --output-on-failure -L fuzz -j "$JOBS" --timeout 600 || status=1

exit $status

#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is needed, build egressmon (Release),
# make a sample capture and analyse it against an example region policy. Pass your own capture
# files to analyse those instead (add --config to judge them against your policy):
#   scripts/demo.sh [FILE.pcap ...]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DEGRESSMON_TESTS=OFF >/dev/null
cmake --build build/release -j "$(nproc)" --target egressmon egressmon-gen-capture

files=("$@")
if [ "${#files[@]}" -eq 0 ]; then
  # A deterministic synthetic capture: local clients talking to public servers worldwide, with
  # names in it (DNS answers, TLS and QUIC ClientHellos, HTTP requests), judged against the
  # example region policy (config/policy-example.toml): the report starts with its alerts.
  sample=build/release/sample.pcap
  build/release/bench/egressmon-gen-capture --packets 200000 --concurrent 5000 --names --out "$sample"
  exec build/release/src/app/egressmon analyze --top 15 --config config/policy-example.toml "$sample"
fi
exec build/release/src/app/egressmon analyze --top 15 "${files[@]}"

#!/usr/bin/env bash
# Installs everything egressmon needs to build, test and run on Debian 12, then the default
# IP-to-country database. Idempotent and non-interactive; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: run as root or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi

PACKAGES=(
  # build
  g++ cmake ninja-build pkg-config git
  # libraries (all from Debian 12)
  libpcap-dev libmaxminddb-dev libspdlog-dev libfmt-dev libboost1.81-dev libtomlplusplus-dev
  libssl-dev libpsl-dev libsystemd-dev
  # tests, fuzzing and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev
  libmaxmind-db-writer-perl mmdb-bin tcpdump iproute2 openssl curl dnsutils python3 time
  util-linux
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v npm >/dev/null; then missing+=(npm); fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

scripts/install-geodb.sh

#!/usr/bin/env bash
# Installs the default, redistributable IP-to-country database: ip-location-db's
# geo-whois-asn-country (GeoFeed + RIR whois + ASN data; NRO data under CC BY 4.0, package
# CC0), from the npm registry. Idempotent: re-running replaces it only with a newer version.
#   EGRESSMON_GEO_DIR  where to put it (default /var/lib/egressmon, or ~/.local/share/egressmon
#                      when that is not writable)
set -euo pipefail

PKG="@ip-location-db/geo-whois-asn-country-mmdb"
FILE="geo-whois-asn-country.mmdb"

dir="${EGRESSMON_GEO_DIR:-/var/lib/egressmon}"
if ! mkdir -p "$dir" 2>/dev/null || [ ! -w "$dir" ]; then
  dir="${XDG_DATA_HOME:-$HOME/.local/share}/egressmon"
  mkdir -p "$dir"
  echo "install-geodb: $dir (set EGRESSMON_GEO_DIR=$dir for egressmon to find it)"
fi

command -v npm >/dev/null || { echo "install-geodb: npm is needed (apt-get install npm)" >&2; exit 1; }
latest=$(npm view "$PKG" version 2>/dev/null || true)
if [ -z "$latest" ]; then
  if [ -s "$dir/$FILE" ]; then
    echo "install-geodb: registry not reachable; keeping $dir/$FILE"
    exit 0
  fi
  echo "install-geodb: cannot reach the npm registry for $PKG" >&2
  exit 1
fi
if [ -s "$dir/$FILE" ] && [ "$(cat "$dir/VERSION" 2>/dev/null)" = "$latest" ]; then
  echo "install-geodb: $dir/$FILE is current ($PKG $latest)"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$PKG@$latest" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp"
[ -s "$tmp/package/$FILE" ] || { echo "install-geodb: $FILE missing from $PKG $latest" >&2; exit 1; }
install -m 0644 "$tmp/package/$FILE" "$dir/$FILE.new"
mv -f "$dir/$FILE.new" "$dir/$FILE"
cp "$tmp/package/README.md" "$dir/README.ip-location-db.md" 2>/dev/null || true
cp "$tmp/package/NRO_LICENSE" "$dir/NRO_LICENSE" 2>/dev/null || true
echo "$latest" > "$dir/VERSION"
echo "install-geodb: installed $dir/$FILE ($PKG $latest)"

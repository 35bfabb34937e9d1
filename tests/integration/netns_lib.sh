# Shared by the netns_*_test.sh end-to-end tests (sourced, not run): a lab of two network
# namespaces made by the test, a client (192.0.2.10) and a server side, joined by a veth pair
# with a 576-byte MTU and no segmentation offload, so that captures show real wire-sized
# segments. Everything is removed on exit. Documentation addresses only; no route leaves the
# pair.
#   netns_lab_require TOOL...   exits 77 (skipped, reason printed) without root or ip netns,
#                               1 when a tool is missing
#   netns_lab_up NAME SERVER_ADDR...
#                               makes the pair; sets CLI, SRV (namespace names), CLI_IF (the
#                               client's interface), WORK (a temporary directory) and pids (to
#                               which background processes are added for clean-up)
#   wait_for TENTHS CMD...      polls CMD every 0.1 s, at most TENTHS times

netns_lab_require() {
  if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
    echo "SKIP: needs root and ip netns to create the test's own network namespaces"
    exit 77
  fi
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (scripts/setup.sh installs it)"; exit 1; }
  done
}

netns_lab_cleanup() {
  local p
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  ip netns del "$CLI" 2>/dev/null || true
  ip netns del "$SRV" 2>/dev/null || true
  rm -rf "$WORK"
}

netns_lab_up() {
  local name=$1 tag=$$ a
  shift
  CLI=em-$name-c-$tag
  SRV=em-$name-s-$tag
  CLI_IF=em${name:0:4}c$tag
  local srv_if=em${name:0:4}s$tag
  WORK=$(mktemp -d)
  pids=()
  trap netns_lab_cleanup EXIT
  ip netns add "$CLI"
  ip netns add "$SRV"
  ip link add "$CLI_IF" type veth peer name "$srv_if"
  ip link set "$CLI_IF" netns "$CLI"
  ip link set "$srv_if" netns "$SRV"
  ip -n "$CLI" link set lo up
  ip -n "$SRV" link set lo up
  ip -n "$CLI" link set "$CLI_IF" mtu 576 gso_max_segs 1 up
  ip -n "$SRV" link set "$srv_if" mtu 576 gso_max_segs 1 up
  ip -n "$CLI" addr add 192.0.2.10/24 dev "$CLI_IF"
  for a in "$@"; do ip -n "$SRV" addr add "$a/24" dev "$srv_if"; done
  ip -n "$CLI" route add 198.51.100.0/24 dev "$CLI_IF"
  ip -n "$SRV" route add 192.0.2.0/24 dev "$srv_if"
}

wait_for() {
  local n=$1 _
  shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
  echo "FAIL: timed out waiting for: $*"
  return 1
}

# netns_lab_tls_server CN: openssl s_server on port 443 of every server address, with a
# self-signed certificate for CN; returns once it listens.
netns_lab_tls_server() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=$1" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
  ip netns exec "$SRV" timeout 60 openssl s_server -accept 443 -www -cert "$WORK/cert.pem" \
    -key "$WORK/key.pem" >"$WORK/server.log" 2>&1 &
  pids+=($!)
  wait_for 50 sh -c "ip netns exec $SRV ss -ltn | grep -q ':443 '"
}

# netns_lab_capture FILTER: tcpdump on the client's interface into $WORK/capture.pcap, whole
# packets, until netns_lab_capture_stop.
netns_lab_capture() {
  ip netns exec "$CLI" timeout 60 tcpdump -i "$CLI_IF" -n -U --immediate-mode -s 0 \
    -w "$WORK/capture.pcap" "$1" 2>"$WORK/tcpdump.log" &
  capture_pid=$!
  pids+=("$capture_pid")
  wait_for 50 grep -q "listening on" "$WORK/tcpdump.log"
}
netns_lab_capture_stop() {
  sleep 1
  kill -INT "$capture_pid"
  wait "$capture_pid" 2>/dev/null || true
}

# in_cli CMD...: runs a client in the client namespace (15 s at most; failures are the
# checks' business), its output in $WORK/clients.log.
in_cli() { ip netns exec "$CLI" timeout 15 "$@" </dev/null >>"$WORK/clients.log" 2>&1 || true; }

# netns_lab_analyze BIN SOURCE_DIR: egressmon analyze --json of the capture into
# $WORK/report.json, the client's network local and the server addresses in Germany (the
# fixture country DB, documentation addresses looked up).
netns_lab_analyze() {
  perl "$2/tests/fixtures/make-mmdb.pl" --schema maxmind-country --out "$WORK/country.mmdb"
  cat >"$WORK/lab.toml" <<TOML
[network]
local_networks = ["192.0.2.0/24"]
[geo]
country_db = "$WORK/country.mmdb"
lookup_special = ["documentation"]
TOML
  "$1" analyze --json --top 0 -q --config "$WORK/lab.toml" "$WORK/capture.pcap" >"$WORK/report.json"
}

#!/usr/bin/env bash
# End to end with real clients: two network namespaces made here (a lab client 192.0.2.10 and
# a "German" server 198.51.100.20, both documentation addresses mapped by the fixture DB),
# joined by a veth pair with a 576-byte MTU. openssl s_server serves TLS; openssl s_client and
# curl connect, one with a ClientHello larger than one MSS (so it is split into several
# segments); tcpdump captures on the client's side; egressmon analyze must report each
# connection with its SNI, the country DE, the local initiator and exactly the IP bytes the
# capture holds. No traffic leaves the namespaces. Needs root; exits 77 (skipped, with the
# reason printed) without it.
#   netns_tls_test.sh EGRESSMON_BIN SOURCE_DIR
set -euo pipefail
bin=$1
src=$2

if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "SKIP: needs root and ip netns to create the test's own network namespaces"
  exit 77
fi
for tool in openssl curl tcpdump python3 perl; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (scripts/setup.sh installs it)"; exit 1; }
done

tag=$$
CLI=em-cli-$tag
SRV=em-srv-$tag
WORK=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  ip netns del "$CLI" 2>/dev/null || true
  ip netns del "$SRV" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_for() {  # wait_for <tenths of a second> <command...>
  local n=$1
  shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
  echo "FAIL: timed out waiting for: $*"
  return 1
}

ip netns add "$CLI"
ip netns add "$SRV"
ip link add "em-c$tag" type veth peer name "em-s$tag"
ip link set "em-c$tag" netns "$CLI"
ip link set "em-s$tag" netns "$SRV"
ip -n "$CLI" link set lo up
ip -n "$SRV" link set lo up
# A small MTU and no segmentation offload, so the capture shows real wire-sized segments.
ip -n "$CLI" link set "em-c$tag" mtu 576 gso_max_segs 1 up
ip -n "$SRV" link set "em-s$tag" mtu 576 gso_max_segs 1 up
ip -n "$CLI" addr add 192.0.2.10/24 dev "em-c$tag"
ip -n "$SRV" addr add 198.51.100.20/24 dev "em-s$tag"
ip -n "$CLI" route add 198.51.100.0/24 dev "em-c$tag"
ip -n "$SRV" route add 192.0.2.0/24 dev "em-s$tag"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=www.example.de" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
ip netns exec "$SRV" timeout 60 openssl s_server -accept 443 -www -cert "$WORK/cert.pem" \
  -key "$WORK/key.pem" >"$WORK/server.log" 2>&1 &
pids+=($!)
wait_for 50 sh -c "ip netns exec $SRV ss -ltn | grep -q ':443 '"

ip netns exec "$CLI" timeout 60 tcpdump -i "em-c$tag" -n -U --immediate-mode -s 0 -w "$WORK/capture.pcap" \
  "tcp port 443" 2>"$WORK/tcpdump.log" &
tcpdump_pid=$!
pids+=("$tcpdump_pid")
wait_for 50 grep -q "listening on" "$WORK/tcpdump.log"

long=segmented.$(printf 'label%02d.' $(seq 1 12))example.de
alpn=$(printf 'proto-%02d,' $(seq 1 40))h2
in_cli() { ip netns exec "$CLI" timeout 15 "$@" </dev/null >>"$WORK/clients.log" 2>&1 || true; }
in_cli openssl s_client -connect 198.51.100.20:443 -servername www.example.de
in_cli curl -sk --resolve shop.example.de:443:198.51.100.20 https://shop.example.de/
# A ClientHello larger than one MSS (536 bytes here): long name, many ALPN protocols.
in_cli openssl s_client -connect 198.51.100.20:443 -servername "$long" -alpn "$alpn"
sleep 1
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null || true

perl "$src/tests/fixtures/make-mmdb.pl" --schema maxmind-country --out "$WORK/country.mmdb"
cat >"$WORK/lab.toml" <<EOF
[network]
local_networks = ["192.0.2.0/24"]
[geo]
country_db = "$WORK/country.mmdb"
lookup_special = ["documentation"]
EOF
"$bin" analyze --json --top 0 -q --config "$WORK/lab.toml" "$WORK/capture.pcap" >"$WORK/report.json"

python3 - "$WORK/capture.pcap" "$WORK/report.json" "$long" <<'PY'
import json, struct, sys
pcap, report, long_name = sys.argv[1:4]
# Independent byte count: sum of IPv4 total lengths per client port, from the capture itself.
data = open(pcap, "rb").read()
magic = struct.unpack("<I", data[:4])[0]
end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
off, per_port = 24, {}
while off + 16 <= len(data):
    _, _, caplen, _ = struct.unpack(end + "IIII", data[off:off + 16])
    frame = data[off + 16: off + 16 + caplen]
    off += 16 + caplen
    ip = frame[14:]
    total = struct.unpack("!H", ip[2:4])[0]
    ihl = (ip[0] & 15) * 4
    sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
    client_port, out = (sport, True) if dport == 443 else (dport, False)
    b = per_port.setdefault(client_port, [0, 0])
    b[0 if out else 1] += total
doc = json.load(open(report))
flows = [f for f in doc["flows"] if f["remote"]["port"] == 443]
names = sorted(f["hostname"] or "" for f in flows)
want = sorted(["www.example.de", "shop.example.de", long_name])
ok = True
def check(cond, msg):
    global ok
    print(("ok   " if cond else "FAIL ") + msg)
    ok = ok and cond
check(names == want, "SNI of every connection: %s" % names)
for f in flows:
    port = f["local"]["port"]
    check(f["hostname_source"] == "sni", "%s: name from the ClientHello" % f["hostname"])
    check(f["remote"]["country"] == "DE" and f["initiator"] == "local" and not f["initiator_guessed"],
          "%s: DE, opened by the local side" % f["hostname"])
    check([f["bytes_out"], f["bytes_in"]] == per_port.get(port),
          "%s: bytes out/in %s equal the capture's IP lengths %s" % (f["hostname"], [f["bytes_out"], f["bytes_in"]], per_port.get(port)))
check(doc["stats"]["inspections"] >= 1, "the large ClientHello was reassembled from several segments")
check(len(flows) == 3, "three TLS connections seen")
sys.exit(0 if ok else 1)
PY

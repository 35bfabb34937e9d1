#!/usr/bin/env bash
# Captures real TLS ClientHellos for tests/fixtures/tls/ (see the README there).
#
# Everything runs inside a private network namespace that has nothing but its own loopback, so
# no packet can leave the machine: a throw-away self-signed cert, `openssl s_server` on
# 127.0.0.1, tcpdump on that namespace's lo, and one client per fixture (openssl s_client,
# curl). For the multi-segment fixture the namespace's lo MTU is lowered so the ClientHello
# spans several TCP segments; the host's lo is never touched. Needs root (ip netns), openssl,
# curl, tcpdump, python3 and an iproute2 that can set gso_max_segs. Every wait is bounded.
#
# Usage: scripts/make-tls-fixtures.sh [output-dir]   (default: tests/fixtures/tls)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/tests/fixtures/tls}
PORT=4433
NS=egressmon-tlsfix-$$
WORK=$(mktemp -d)
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

in_ns() { ip netns exec "$NS" "$@"; }

# wait_for <tries> <command...>: polls every 0.1 s.
wait_for() {
  local n=$1
  shift
  for ((i = 0; i < n; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for: $*" >&2
  return 1
}

mkdir -p "$OUT"
ip netns add "$NS"
in_ns ip link set lo up

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=example.test -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

# capture <name> <lo-mtu> <client command...>
capture() {
  local name=$1 mtu=$2
  shift 2
  echo "== $name (lo mtu $mtu): $*"
  # Loopback offloads would hand tcpdump one super-packet; one segment per skb is the wire view.
  in_ns ip link set lo mtu "$mtu" gso_max_segs 1
  in_ns timeout 30 openssl s_server -accept "127.0.0.1:$PORT" -cert "$WORK/cert.pem" \
    -key "$WORK/key.pem" -www -quiet >"$WORK/server.log" 2>&1 &
  local spid=$!
  PIDS+=("$spid")
  wait_for 50 sh -c "ip netns exec $NS ss -ltn | grep -q ':$PORT '"
  : >"$WORK/tcpdump.log"
  in_ns timeout 30 tcpdump -i lo -n -U -s 0 -w "$WORK/$name.pcap" "tcp port $PORT" \
    2>"$WORK/tcpdump.log" &
  local tpid=$!
  PIDS+=("$tpid")
  wait_for 50 grep -q "listening on" "$WORK/tcpdump.log"
  in_ns timeout 15 "$@" </dev/null >"$WORK/$name.client.log" 2>&1 || true
  sleep 0.5
  kill -INT "$tpid" 2>/dev/null || true
  wait "$tpid" 2>/dev/null || true
  kill "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
  PIDS=()
  python3 - "$WORK/$name.pcap" "$OUT" "$name" "$PORT" <<'PY'
# Pulls the client->server TCP payload out of a pcap (stdlib only) and writes
#   <name>.bin       the TLS record(s) carrying the ClientHello, exactly as sent
#   <name>.segments  "isn <seq>" then "seg <seq> <hex>" for each client data segment that
#                    carries ClientHello bytes, in capture order
#   <name>.pcap      the capture itself, when it is under 10 KB
import shutil, struct, sys

path, out, name, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
raw = open(path, "rb").read()
magic = raw[:4]
endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
linktype = struct.unpack(endian + "I", raw[20:24])[0]
pos, isn, segs = 24, None, []
while pos + 16 <= len(raw):
    _, _, incl, _ = struct.unpack(endian + "IIII", raw[pos:pos + 16])
    pkt = raw[pos + 16:pos + 16 + incl]
    pos += 16 + incl
    if linktype == 1:            # Ethernet
        if struct.unpack(">H", pkt[12:14])[0] != 0x0800: continue
        ip = pkt[14:]
    elif linktype == 113:        # Linux cooked v1
        ip = pkt[16:]
    elif linktype == 276:        # Linux cooked v2
        ip = pkt[20:]
    else:
        sys.exit(f"unsupported linktype {linktype}")
    if ip[0] >> 4 != 4 or ip[9] != 6: continue
    ihl = (ip[0] & 15) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    tcp = ip[ihl:total]
    sport, dport, seq = struct.unpack(">HHI", tcp[:8])
    flags = tcp[13]
    payload = tcp[(tcp[12] >> 4) * 4:]
    if dport != port: continue
    if flags & 0x02:             # SYN: payload starts at seq + 1
        isn = (seq + 1) & 0xffffffff
    if payload:
        segs.append((seq, payload))
assert isn is not None, "no SYN from the client"
# Reassemble (the capture is in order on loopback) and find the ClientHello's records.
stream = bytearray()
for seq, p in segs:
    off = (seq - isn) & 0xffffffff
    if off + len(p) > len(stream):
        stream[len(stream):] = p[len(stream) - off:]
hs, rec_end, p = bytearray(), 0, 0
while True:
    assert stream[p] == 22, "first client record is not a handshake"
    rlen = struct.unpack(">H", stream[p + 3:p + 5])[0]
    hs += stream[p + 5:p + 5 + rlen]
    p += 5 + rlen
    if len(hs) >= 4 and len(hs) >= 4 + int.from_bytes(hs[1:4], "big"):
        break
record = bytes(stream[:p])
assert hs[0] == 1, "not a ClientHello"
open(f"{out}/{name}.bin", "wb").write(record)
used = [(s, d) for s, d in segs if ((s - isn) & 0xffffffff) < len(record)]
with open(f"{out}/{name}.segments", "w") as f:
    f.write(f"isn {isn}\n")
    for s, d in used:
        f.write(f"seg {s} {d.hex()}\n")
size = len(raw)
if size < 10 * 1024:
    shutil.copyfile(path, f"{out}/{name}.pcap")
print(f"   ClientHello: {len(record)} bytes of records in {len(used)} segment(s); pcap {size} bytes"
      + ("" if size < 10 * 1024 else " (too big, not kept)"))
PY
}

S_CLIENT=(openssl s_client -connect "127.0.0.1:$PORT")

# 1. OpenSSL client, TLS 1.3, SNI and two ALPN protocols.
capture openssl_tls13_sni_alpn 65536 "${S_CLIENT[@]}" -servername example.test -alpn h2,http/1.1
# 2. curl's ClientHello (libcurl + OpenSSL, ALPN h2 and http/1.1).
capture curl_tls13 65536 curl -sS -k --max-time 10 -o /dev/null \
  --resolve "www.example.test:$PORT:127.0.0.1" "https://www.example.test:$PORT/"
# 3. TLS 1.2 only: no supported_versions extension.
capture openssl_tls12 65536 "${S_CLIENT[@]}" -tls1_2 -servername tls12.example.test
# 4. No SNI at all.
capture openssl_no_sni 65536 "${S_CLIENT[@]}" -noservername
# 5. A ClientHello larger than one MSS: lo MTU 576 (MSS 536), a long mixed-case SNI with a
#    trailing dot, and many ALPN names (far more than ClientHelloInfo::kMaxAlpn keeps).
LONG_SNI="Segmented-ClientHello-Test-Host-Name-Label-One.Second-Label-Making-The-Name-Longer"
LONG_SNI="$LONG_SNI.Third-Label-For-Good-Measure.Example.TEST."
ALPN="h2,http/1.1"
for i in $(seq -w 1 40); do ALPN="$ALPN,x-egressmon-padding-protocol-$i"; done
capture openssl_multiseg 576 "${S_CLIENT[@]}" -servername "$LONG_SNI" -alpn "$ALPN"

echo "fixtures written to $OUT"

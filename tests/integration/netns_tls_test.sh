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

# shellcheck source=netns_lib.sh
. "$(dirname "$0")/netns_lib.sh"
netns_lab_require openssl curl tcpdump python3 perl
netns_lab_up tls 198.51.100.20

netns_lab_tls_server www.example.de
netns_lab_capture "tcp port 443"

long=segmented.$(printf 'label%02d.' $(seq 1 12))example.de
alpn=$(printf 'proto-%02d,' $(seq 1 40))h2
in_cli openssl s_client -connect 198.51.100.20:443 -servername www.example.de
in_cli curl -sk --resolve shop.example.de:443:198.51.100.20 https://shop.example.de/
# A ClientHello larger than one MSS (536 bytes here): long name, many ALPN protocols.
in_cli openssl s_client -connect 198.51.100.20:443 -servername "$long" -alpn "$alpn"
netns_lab_capture_stop
netns_lab_analyze "$bin" "$src"

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

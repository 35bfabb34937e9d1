#!/usr/bin/env bash
# End to end, DNS over TCP with a real client: two network namespaces made here (a lab client
# 192.0.2.10; a "German" resolver 198.51.100.53 and web server 198.51.100.20/.21, documentation
# addresses mapped by the fixture DB), joined by a veth pair with a 576-byte MTU. A small
# resolver written here answers over TCP; dig asks it for two names on one connection (+tcp
# +keepopen), the first answer large enough to span several segments; openssl s_client then
# connects to each answered address without SNI, so only the DNS answers can name the
# connections. egressmon analyze must read both responses from the capture (the split one
# reassembled) and name each connection from them. No traffic leaves the namespaces. Needs
# root; exits 77 (skipped, with the reason printed) without it.
#   netns_dns_tcp_test.sh EGRESSMON_BIN SOURCE_DIR
set -euo pipefail
bin=$1
src=$2

# shellcheck source=netns_lib.sh
. "$(dirname "$0")/netns_lib.sh"
netns_lab_require openssl dig tcpdump python3 perl
netns_lab_up dns 198.51.100.53 198.51.100.20 198.51.100.21

# The resolver: answers A queries over TCP, several on one connection. big.example.de gets
# 198.51.100.20 and 39 more addresses (a ~700-byte response: two segments at this MTU),
# small.example.de gets 198.51.100.21; anything else NXDOMAIN.
cat >"$WORK/resolver.py" <<'PY'
import socket, struct, sys
ANSWERS = {
    "big.example.de": ["198.51.100.20"] + ["198.51.100.%d" % (100 + i) for i in range(39)],
    "small.example.de": ["198.51.100.21"],
}
def recv_exact(c, n):
    b = b""
    while len(b) < n:
        chunk = c.recv(n - len(b))
        if not chunk:
            return None
        b += chunk
    return b
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("198.51.100.53", 53))
srv.listen(4)
srv.settimeout(60)
for _ in range(4):  # bounded: a few connections, then exit
    conn, _ = srv.accept()
    conn.settimeout(20)
    while True:
        head = recv_exact(conn, 2)
        if head is None:
            break
        q = recv_exact(conn, struct.unpack("!H", head)[0])
        if q is None:
            break
        qid = q[:2]
        pos, labels = 12, []
        while q[pos] != 0:
            labels.append(q[pos + 1:pos + 1 + q[pos]].decode())
            pos += 1 + q[pos]
        question = q[12:pos + 5]
        addrs = ANSWERS.get(".".join(labels).lower(), [])
        flags = 0x8580 if addrs else 0x8583  # QR AA RD RA, NOERROR or NXDOMAIN
        msg = qid + struct.pack("!HHHHH", flags, 1, len(addrs), 0, 0) + question
        for a in addrs:
            msg += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + socket.inet_aton(a)
        conn.sendall(struct.pack("!H", len(msg)) + msg)
    conn.close()
PY
ip netns exec "$SRV" timeout 60 python3 "$WORK/resolver.py" >"$WORK/resolver.log" 2>&1 &
pids+=($!)
wait_for 50 sh -c "ip netns exec $SRV ss -ltn | grep -q '198.51.100.53:53 '"
netns_lab_tls_server example.de
netns_lab_capture "tcp port 53 or tcp port 443"

ip netns exec "$CLI" timeout 20 dig +tcp +keepopen +tries=1 +time=5 @198.51.100.53 \
  big.example.de A small.example.de A >"$WORK/dig.out" 2>&1 || true
in_cli openssl s_client -connect 198.51.100.20:443 -noservername
in_cli openssl s_client -connect 198.51.100.21:443 -noservername
netns_lab_capture_stop
netns_lab_analyze "$bin" "$src"

python3 - "$WORK/capture.pcap" "$WORK/report.json" "$WORK/dig.out" <<'PY'
import json, struct, sys
pcap, report, dig = sys.argv[1:4]
ok = True
def check(cond, msg):
    global ok
    print(("ok   " if cond else "FAIL ") + msg)
    ok = ok and cond
dig_out = open(dig).read()
check("198.51.100.20" in dig_out and "198.51.100.21" in dig_out,
      "dig got both answers over one TCP connection")
# Independently of egressmon: the resolver's payload segments and the responses they carry.
data = open(pcap, "rb").read()
end = "<" if struct.unpack("<I", data[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else ">"
off, segments, stream = 24, 0, b""
while off + 16 <= len(data):
    caplen = struct.unpack(end + "IIII", data[off:off + 16])[2]
    ip = data[off + 16 + 14: off + 16 + caplen]
    off += 16 + caplen
    ihl = (ip[0] & 15) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    sport = struct.unpack("!H", ip[ihl:ihl + 2])[0]
    doff = (ip[ihl + 12] >> 4) * 4
    payload = ip[ihl + doff: total]
    if sport == 53 and payload:
        segments += 1
        stream += payload  # in order on a quiet veth
responses, pos = 0, 0
while pos + 2 <= len(stream):
    pos += 2 + struct.unpack("!H", stream[pos:pos + 2])[0]
    responses += 1
check(responses == 2, "the capture holds two responses (%d)" % responses)
check(segments > responses, "...in more segments than responses (%d): one was split" % segments)
doc = json.load(open(report))
st = doc["stats"]
check(st["dns_responses"] == 2, "egressmon read both responses (%d)" % st["dns_responses"])
check(st["dns_malformed"] == 0 and st["dns_tcp_skipped"] == 0, "nothing misread or skipped")
tls = {f["remote"]["ip"]: f for f in doc["flows"] if f["remote"]["port"] == 443}
for addr, name in (("198.51.100.20", "big.example.de"), ("198.51.100.21", "small.example.de")):
    f = tls.get(addr)
    check(f is not None and f["hostname"] == name and f["hostname_source"] == "dns",
          "%s named %s from the DNS answer (%s)" % (addr, name, f and (f["hostname"], f["hostname_source"])))
    check(f is not None and f["remote"]["country"] == "DE", "%s: DE" % addr)
sys.exit(0 if ok else 1)
PY

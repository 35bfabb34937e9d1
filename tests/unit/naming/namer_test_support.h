#pragma once
// Flows and TCP segments for FlowNamer tests, fed the way the engine feeds them: counters first
// (the flow table counts every packet), then wants(), then onPacket().
#include <algorithm>
#include <cstdint>
#include <string>

#include "egressmon/naming/flow_namer.h"
#include "tls_fixture_segments.h"

namespace egressmon::namer_test {

using tls_fixtures::Bytes;
using tls_fixtures::Capture;
using tls_fixtures::readBin;
using tls_fixtures::readSegments;
using tls_fixtures::Segment;

/// The server_name in openssl_multiseg (4 segments of 524, 524, 524 and 157 bytes).
inline const std::string kMultisegName =
    "segmented-clienthello-test-host-name-label-one.second-label-making-the-name-longer"
    ".third-label-for-good-measure.example.test";

/// A TCP flow opened by the local client 10.0.0.2:40000 to 198.51.100.7:443. `guessed`: picked
/// up mid-way (no handshake seen), the initiator inferred.
inline Flow tcpFlow(uint64_t id, bool guessed = false) {
  Flow f;
  f.key.a = IpAddress::fromV4(0x0a000002u);
  f.key.b = IpAddress::fromV4(0xc6336407u);
  f.key.portA = 40000;
  f.key.portB = 443;
  f.key.proto = kProtoTcp;
  f.id = id;
  f.bits = Flow::kInUse | Flow::kLocalIsA | Flow::kInitiatorLocal;
  if (guessed) f.bits |= Flow::kInitiatorGuessed;
  f.state = guessed ? FlowState::TcpEstablished : FlowState::TcpOpening;
  return f;
}

/// A packet of `f` from the client (`out`) or to it.
inline PacketView tcpPacket(const Flow& f, bool out, uint8_t flags, uint32_t seq,
                            const uint8_t* data = nullptr, size_t len = 0) {
  PacketView p;
  p.src = out ? f.key.a : f.key.b;
  p.dst = out ? f.key.b : f.key.a;
  p.ipVersion = 4;
  p.proto = kProtoTcp;
  p.hasPorts = true;
  p.sport = out ? f.key.portA : f.key.portB;
  p.dport = out ? f.key.portB : f.key.portA;
  p.tcpFlags = flags;
  p.tcpSeq = seq;
  p.payload = data;
  p.payloadLen = uint32_t(len);
  p.payloadWireLen = uint32_t(len);
  p.ipLen = uint32_t(40 + len);
  p.wireLen = p.capLen = p.ipLen + 14;
  return p;
}

/// What the engine does with one packet of the flow.
inline void feed(FlowNamer& namer, Flow& f, const PacketView& p, bool out) {
  if (out) {
    ++f.pktsOut;
    f.bytesOut += p.ipLen;
  } else {
    ++f.pktsIn;
    f.bytesIn += p.ipLen;
  }
  if (namer.wants(f, p)) namer.onPacket(f, p, out);
}

inline void feedSyn(FlowNamer& namer, Flow& f, uint32_t isn) {
  feed(namer, f, tcpPacket(f, true, kTcpSyn, isn - 1), true);
}

inline void feedData(FlowNamer& namer, Flow& f, uint32_t seq, const Bytes& data) {
  feed(namer, f, tcpPacket(f, true, kTcpAck | kTcpPsh, seq, data.data(), data.size()), true);
}

inline void feedSegment(FlowNamer& namer, Flow& f, const Segment& s) {
  feedData(namer, f, s.seq, s.data);
}

/// The server's acknowledgement (no payload): counts toward the packet bound only.
inline void feedAck(FlowNamer& namer, Flow& f) {
  feed(namer, f, tcpPacket(f, false, kTcpAck, 7), false);
}

inline void put16(Bytes& b, size_t v) {
  b.push_back(uint8_t(v >> 8));
  b.push_back(uint8_t(v));
}

inline void putName(Bytes& b, const std::string& name) {
  size_t start = 0;
  while (start < name.size()) {
    const size_t dot = std::min(name.find('.', start), name.size());
    b.push_back(uint8_t(dot - start));
    b.insert(b.end(), name.begin() + long(start), name.begin() + long(dot));
    start = dot + 1;
  }
  b.push_back(0);
}

/// A DNS response to "A? name" with `answers` A records 203.0.113.(first + i), TTL 300, each owner a
/// pointer to the question; as sent over TCP, after its 2-byte length.
inline Bytes dnsTcpResponse(const std::string& name, size_t answers, uint8_t first = 1) {
  Bytes m;
  put16(m, 0x1234);
  put16(m, 0x8180);  // response, RD, RA, NOERROR
  put16(m, 1);
  put16(m, answers);
  put16(m, 0);
  put16(m, 0);
  putName(m, name);
  put16(m, 1);
  put16(m, 1);
  for (size_t i = 0; i < answers; ++i) {
    m.insert(m.end(), {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 203, 0, 113,
                       uint8_t(first + i % 200)});
  }
  Bytes out;
  put16(out, m.size());
  out.insert(out.end(), m.begin(), m.end());
  return out;
}

}  // namespace egressmon::namer_test

#pragma once
// Byte-by-byte frame builders for the decoder tests. Each builder wraps a payload, so frames
// read inside out: eth(kEthIpv4, ipv4({.proto = kProtoTcp, .payload = tcp({})})).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

#include "egressmon/decode/packet.h"

namespace egressmon::test {

using Bytes = std::vector<uint8_t>;
using V4 = std::array<uint8_t, 4>;
using V6 = std::array<uint8_t, 16>;

inline constexpr V4 kV4A = {192, 0, 2, 1};
inline constexpr V4 kV4B = {198, 51, 100, 7};
inline constexpr V4 kV4C = {10, 1, 2, 3};
inline constexpr V4 kV4D = {10, 9, 8, 7};
inline constexpr V6 kV6A = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
inline constexpr V6 kV6B = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};
inline constexpr V6 kV6C = {0xfd, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0c};
inline constexpr V6 kV6D = {0xfd, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0d};

inline constexpr uint16_t kEthIpv4 = 0x0800;
inline constexpr uint16_t kEthIpv6 = 0x86dd;
inline constexpr uint16_t kEthArp = 0x0806;
inline constexpr uint16_t kEthLldp = 0x88cc;
inline constexpr uint16_t kEthMpls = 0x8847;
inline constexpr uint16_t kEthPppoeDiscovery = 0x8863;
inline constexpr uint16_t kEthPppoeSession = 0x8864;
inline constexpr uint16_t kTpid8021Q = 0x8100;
inline constexpr uint16_t kTpid8021ad = 0x88a8;
inline constexpr uint16_t kTpid9100 = 0x9100;

inline void put16(Bytes& b, uint16_t v) {
  b.push_back(uint8_t(v >> 8));
  b.push_back(uint8_t(v));
}
inline void put32(Bytes& b, uint32_t v) {
  put16(b, uint16_t(v >> 16));
  put16(b, uint16_t(v));
}
inline void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }
template <size_t N>
void append(Bytes& b, const std::array<uint8_t, N>& more) {
  b.insert(b.end(), more.begin(), more.end());
}
inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes b;
  for (const auto& p : parts) append(b, p);
  return b;
}
/// n bytes counting up from `first` (payloads whose bytes tell where they came from).
inline Bytes pattern(size_t n, uint8_t first = 0xa0) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(first + i);
  return b;
}

// ---- transport ----------------------------------------------------------------------------

struct TcpSpec {
  uint16_t sport = 40000;
  uint16_t dport = 443;
  uint8_t flags = kTcpAck;
  uint32_t seq = 0x01020304;
  uint32_t ack = 0x0a0b0c0d;
  Bytes options{};  // padded with NOPs to a multiple of 4
  Bytes payload{};
  int dataOffsetWords = -1;  // -1: computed from the options
};
inline Bytes tcp(const TcpSpec& s) {
  Bytes opts = s.options;
  while (opts.size() % 4 != 0) opts.push_back(0x01);
  const int words = s.dataOffsetWords >= 0 ? s.dataOffsetWords : int(5 + opts.size() / 4);
  Bytes b;
  put16(b, s.sport);
  put16(b, s.dport);
  put32(b, s.seq);
  put32(b, s.ack);
  b.push_back(uint8_t(words << 4));
  b.push_back(s.flags);
  put16(b, 64240);  // window
  put16(b, 0);      // checksum (not checked)
  put16(b, 0);      // urgent
  append(b, opts);
  append(b, s.payload);
  return b;
}

inline Bytes udp(uint16_t sport, uint16_t dport, const Bytes& payload = {}) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put16(b, uint16_t(8 + payload.size()));
  put16(b, 0);
  append(b, payload);
  return b;
}

/// ICMP or ICMPv6 message with the usual 8-byte header (id/seq or 4 type-specific bytes).
inline Bytes icmp(uint8_t type, uint8_t code, uint16_t id = 0, uint16_t seq = 0,
                  const Bytes& payload = {}) {
  Bytes b{type, code, 0, 0};
  put16(b, id);
  put16(b, seq);
  append(b, payload);
  return b;
}

/// GRE with the optional checksum (C), key (K) and sequence (S) words when their flag is set.
inline Bytes gre(uint16_t flagsAndVersion, uint16_t protocol, const Bytes& payload) {
  Bytes b;
  put16(b, flagsAndVersion);
  put16(b, protocol);
  if (flagsAndVersion & 0x8000) put32(b, 0xcccc0000);
  if (flagsAndVersion & 0x2000) put32(b, 0x6b657931);
  if (flagsAndVersion & 0x1000) put32(b, 7);
  append(b, payload);
  return b;
}

// ---- IP -----------------------------------------------------------------------------------

struct Ipv4Spec {
  uint8_t proto = kProtoTcp;
  Bytes payload{};
  V4 src = kV4A;
  V4 dst = kV4B;
  uint16_t id = 0x1234;
  bool df = false;
  bool mf = false;
  uint16_t fragOffset = 0;  // 8-byte units
  Bytes options{};          // padded with EOL to a multiple of 4
  int totalLength = -1;     // -1: header + payload
  int ihlWords = -1;        // -1: computed from the options
  uint8_t version = 4;
};
inline Bytes ipv4(const Ipv4Spec& s) {
  Bytes opts = s.options;
  while (opts.size() % 4 != 0) opts.push_back(0x00);
  const int ihl = s.ihlWords >= 0 ? s.ihlWords : int(5 + opts.size() / 4);
  const int total = s.totalLength >= 0 ? s.totalLength : int(20 + opts.size() + s.payload.size());
  Bytes b;
  b.push_back(uint8_t((s.version << 4) | (ihl & 0x0f)));
  b.push_back(0);
  put16(b, uint16_t(total));
  put16(b, s.id);
  put16(b, uint16_t((s.df ? 0x4000 : 0) | (s.mf ? 0x2000 : 0) | (s.fragOffset & 0x1fff)));
  b.push_back(64);
  b.push_back(s.proto);
  put16(b, 0);
  append(b, s.src);
  append(b, s.dst);
  append(b, opts);
  append(b, s.payload);
  return b;
}

struct Ipv6Spec {
  uint8_t next = kProtoTcp;
  Bytes payload{};  // extension headers included
  V6 src = kV6A;
  V6 dst = kV6B;
  int payloadLength = -1;  // -1: payload size
  uint8_t version = 6;
};
inline Bytes ipv6(const Ipv6Spec& s) {
  Bytes b;
  put32(b, uint32_t(s.version) << 28 | 0x000abcde);  // traffic class 0, some flow label
  put16(b, uint16_t(s.payloadLength >= 0 ? s.payloadLength : int(s.payload.size())));
  b.push_back(s.next);
  b.push_back(64);
  append(b, s.src);
  append(b, s.dst);
  append(b, s.payload);
  return b;
}

/// Hop-by-hop / routing / destination options / mobility header of (units + 1) * 8 bytes,
/// followed by `rest`. The body is zeros (Pad1 options; a type-0 routing header).
inline Bytes v6ext(uint8_t next, uint8_t units, const Bytes& rest = {}) {
  Bytes b(size_t(units + 1) * 8, 0);
  b[0] = next;
  b[1] = units;
  append(b, rest);
  return b;
}
inline Bytes v6frag(uint8_t next, uint16_t offset, bool more, uint32_t id, const Bytes& rest = {}) {
  Bytes b{next, 0};
  put16(b, uint16_t((offset << 3) | (more ? 1 : 0)));
  put32(b, id);
  append(b, rest);
  return b;
}
/// Authentication header: (lenField + 2) * 4 bytes (lenField 4: the usual 96-bit ICV).
inline Bytes v6ah(uint8_t next, uint8_t lenField, const Bytes& rest = {}) {
  Bytes b(size_t(lenField + 2) * 4, 0x5a);
  b[0] = next;
  b[1] = lenField;
  b[2] = 0;
  b[3] = 0;
  append(b, rest);
  return b;
}

// ---- link ---------------------------------------------------------------------------------

struct VlanTag {
  uint16_t tpid;
  uint16_t tci;
};
/// Ethernet II with optional 802.1Q/802.1ad tags (outermost first).
inline Bytes eth(uint16_t type, const Bytes& payload, std::initializer_list<VlanTag> tags = {}) {
  Bytes b{0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
  for (const auto& t : tags) {
    put16(b, t.tpid);
    put16(b, t.tci);
  }
  put16(b, type);
  append(b, payload);
  return b;
}
inline Bytes sll(uint16_t protocol, const Bytes& payload) {
  Bytes b;
  put16(b, 0);  // packet type: to us
  put16(b, 1);  // ARPHRD_ETHER
  put16(b, 6);  // address length
  append(b, Bytes{0x02, 0, 0, 0, 0, 0x09, 0, 0});
  put16(b, protocol);
  append(b, payload);
  return b;
}
inline Bytes sll2(uint16_t protocol, const Bytes& payload) {
  Bytes b;
  put16(b, protocol);
  put16(b, 0);     // reserved
  put32(b, 3);     // interface index
  put16(b, 1);     // ARPHRD_ETHER
  b.push_back(4);  // packet type: outgoing
  b.push_back(6);  // address length
  append(b, Bytes{0x02, 0, 0, 0, 0, 0x09, 0, 0});
  append(b, payload);
  return b;
}
inline Bytes nullHeader(uint32_t af, bool littleEndian, const Bytes& payload) {
  Bytes b;
  if (littleEndian) {
    for (int i = 0; i < 4; ++i) b.push_back(uint8_t(af >> (8 * i)));
  } else {
    put32(b, af);
  }
  append(b, payload);
  return b;
}
inline Bytes loopHeader(uint32_t af, const Bytes& payload) {
  return nullHeader(af, false, payload);
}

/// MPLS label stack entries (bottom-of-stack set on the last), then the payload.
inline Bytes mpls(std::initializer_list<uint32_t> labels, const Bytes& payload) {
  Bytes b;
  size_t i = 0;
  for (const uint32_t l : labels) {
    const bool bottom = ++i == labels.size();
    put32(b, (l << 12) | (bottom ? 0x100u : 0u) | 64u);
  }
  append(b, payload);
  return b;
}
inline Bytes pppoe(uint16_t pppProtocol, const Bytes& payload) {
  Bytes b{0x11, 0x00};
  put16(b, 0x2a2a);  // session id
  put16(b, uint16_t(2 + payload.size()));
  put16(b, pppProtocol);
  append(b, payload);
  return b;
}

// ---- decoding -----------------------------------------------------------------------------

/// A decode over an exactly-sized heap copy of the captured bytes, so AddressSanitizer
/// catches any read past capLen. Keeps the copy alive for the view's pointers.
struct Decoded {
  std::unique_ptr<uint8_t[]> buf;
  uint32_t capLen = 0;
  DecodeStatus status = DecodeStatus::kCount;
  PacketView v;

  /// Offset of the payload pointer into the frame.
  ptrdiff_t payloadOffset() const { return v.payload - buf.get(); }
  Bytes payloadBytes() const { return Bytes(v.payload, v.payload + v.payloadLen); }
};

/// Decodes the first `capLen` bytes of `frame` (all by default) with wire length `wireLen`
/// (the frame size by default).
inline Decoded decode(LinkType link, const Bytes& frame, int capLen = -1, int wireLen = -1) {
  Decoded d;
  d.capLen = capLen >= 0 ? uint32_t(capLen) : uint32_t(frame.size());
  d.buf.reset(new uint8_t[d.capLen]);  // zero-sized when capLen is 0: any read is caught
  std::copy(frame.begin(), frame.begin() + d.capLen, d.buf.get());
  const uint32_t wire = wireLen >= 0 ? uint32_t(wireLen) : uint32_t(frame.size());
  d.status = decodePacket(link, d.buf.get(), d.capLen, wire, d.v);
  return d;
}

inline IpAddress addr(const V4& a) { return IpAddress::fromV4(a.data()); }
inline IpAddress addr(const V6& a) { return IpAddress::fromV6(a.data()); }

}  // namespace egressmon::test

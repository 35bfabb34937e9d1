// decodePacket(): link layer -> (VLAN/MPLS/PPPoE) -> IP (with tunnels peeled) -> transport.
// Every step works on a Span (bytes captured from here, bytes on the wire from here), checks
// the captured length before each read and reports a named status instead of throwing.
#include <array>

#include "egressmon/core/bytes.h"
#include "egressmon/decode/packet.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <type_traits>

namespace egressmon {
namespace {

inline constexpr uint32_t kMaxVlanTags = 8;
inline constexpr uint8_t kMaxTunnelDepth = 4;
inline constexpr uint32_t kMaxIpv6Ext = 8;

// The rest of the frame from some offset: `cap` bytes captured at p, `wire` bytes on the wire.
// Invariant: cap <= wire, so subtracting a header length checked against cap never wraps.
struct Span {
  const uint8_t* p;
  uint32_t cap;
  uint32_t wire;
};

inline Span advance(Span s, uint32_t n) { return Span{s.p + n, s.cap - n, s.wire - n}; }
inline uint32_t minU32(uint32_t a, uint32_t b) { return a < b ? a : b; }

enum class Net : uint8_t { V4, V6 };

// Dispatch on a link layer's "what follows" field. Ok means `net` names the next header.
struct Next {
  DecodeStatus status;
  Net net;
};

inline Next byVersionNibble(Span s) {
  if (s.cap == 0) return {DecodeStatus::TruncatedLink, Net::V4};
  const uint8_t v = s.p[0] >> 4;
  if (v == 4) return {DecodeStatus::Ok, Net::V4};
  if (v == 6) return {DecodeStatus::Ok, Net::V6};
  return {DecodeStatus::UnknownIpVersion, Net::V4};
}

// BSD address families as they appear in DLT_NULL / DLT_LOOP headers.
inline Next byAddressFamily(uint32_t af) {
  if (af == 2) return {DecodeStatus::Ok, Net::V4};
  // AF_INET6: 24 on NetBSD/OpenBSD, 28 on FreeBSD/DragonFly, 30 on Darwin.
  if (af == 24 || af == 28 || af == 30) return {DecodeStatus::Ok, Net::V6};
  return {DecodeStatus::UnknownIpVersion, Net::V4};
}

// MPLS label stack up to bottom-of-stack, then IPv4/IPv6 by version nibble. The stack is
// bounded by the captured bytes (4 per label), so no separate depth limit is needed.
inline Next mpls(Span& s) {
  for (;;) {
    if (s.cap < 4) return {DecodeStatus::TruncatedLink, Net::V4};
    const bool bottom = (s.p[2] & 0x01) != 0;
    s = advance(s, 4);
    if (bottom) break;
  }
  const Next n = byVersionNibble(s);
  // A payload that is not IP (pseudowire control word, Ethernet over MPLS) is not ours.
  return n.status == DecodeStatus::UnknownIpVersion ? Next{DecodeStatus::NotIp, Net::V4} : n;
}

// PPPoE session header (6 bytes) + PPP protocol (2 bytes).
inline Next pppoe(Span& s) {
  if (s.cap < 8) return {DecodeStatus::TruncatedLink, Net::V4};
  const uint16_t ppp = readBe16(s.p + 6);
  s = advance(s, 8);
  if (ppp == 0x0021) return {DecodeStatus::Ok, Net::V4};
  if (ppp == 0x0057) return {DecodeStatus::Ok, Net::V6};
  return {DecodeStatus::NotIp, Net::V4};
}

inline bool isVlanTpid(uint16_t t) { return t == 0x8100 || t == 0x88a8 || t == 0x9100; }

// Ethertype dispatch shared by Ethernet and the Linux cooked headers; `s` starts after the
// ethertype field.
inline Next etherType(uint16_t type, Span& s, PacketView& out) {
  while (isVlanTpid(type)) {
    if (out.vlanCount == kMaxVlanTags) return {DecodeStatus::TooManyVlanTags, Net::V4};
    if (s.cap < 4) return {DecodeStatus::TruncatedVlan, Net::V4};
    const uint16_t tci = readBe16(s.p);
    out.vlanId = out.vlanCount == 0 ? uint16_t(tci & 0x0fff) : out.vlanId;
    ++out.vlanCount;
    type = readBe16(s.p + 2);
    s = advance(s, 4);
  }
  switch (type) {
    case 0x0800: return {DecodeStatus::Ok, Net::V4};
    case 0x86dd: return {DecodeStatus::Ok, Net::V6};
    case 0x8847:  // MPLS unicast
    case 0x8848:  // MPLS multicast: same label format
      return mpls(s);
    case 0x8864: return pppoe(s);
    default: return {DecodeStatus::NotIp, Net::V4};  // ARP, LLDP, 802.3 length/LLC, ...
  }
}

inline Next linkLayer(LinkType link, Span& s, PacketView& out) {
  switch (link) {
    case LinkType::Ethernet: {
      if (s.cap < 14) return {DecodeStatus::TruncatedLink, Net::V4};
      const uint16_t type = readBe16(s.p + 12);
      s = advance(s, 14);
      return etherType(type, s, out);
    }
    case LinkType::LinuxSll: {
      if (s.cap < 16) return {DecodeStatus::TruncatedLink, Net::V4};
      const uint16_t type = readBe16(s.p + 14);
      s = advance(s, 16);
      return etherType(type, s, out);
    }
    case LinkType::LinuxSll2: {
      if (s.cap < 20) return {DecodeStatus::TruncatedLink, Net::V4};
      const uint16_t type = readBe16(s.p);
      s = advance(s, 20);
      return etherType(type, s, out);
    }
    case LinkType::Raw: return byVersionNibble(s);
    case LinkType::Ipv4: return {DecodeStatus::Ok, Net::V4};
    case LinkType::Ipv6: return {DecodeStatus::Ok, Net::V6};
    case LinkType::Null: {
      if (s.cap < 4) return {DecodeStatus::TruncatedLink, Net::V4};
      // Host order of the capturing machine: families are small, so a value with high bits
      // set was written by a machine of the other byte order.
      uint32_t af = readLe32(s.p);
      af = af > 0xffff ? readBe32(s.p) : af;
      s = advance(s, 4);
      return byAddressFamily(af);
    }
    case LinkType::Loop: {
      if (s.cap < 4) return {DecodeStatus::TruncatedLink, Net::V4};
      const uint32_t af = readBe32(s.p);
      s = advance(s, 4);
      return byAddressFamily(af);
    }
  }
  return {DecodeStatus::TruncatedLink, Net::V4};  // not a LinkType value: treat as unusable
}

// What an IP header leaves for the next layer.
struct IpNext {
  Span l4;             // the IP payload after the header (and IPv6 extension headers)
  uint8_t proto;       // next protocol
  bool fragment;       // any fragment: payload may be partial, tunnels are not peeled
  bool laterFragment;  // offset != 0: the payload holds no transport header
};

inline DecodeStatus ipv4(Span s, PacketView& out, IpNext& next) {
  if (s.cap < 20) return DecodeStatus::TruncatedIpv4;
  const uint8_t* p = s.p;
  if ((p[0] >> 4) != 4) return DecodeStatus::BadIpv4Version;
  const uint32_t ihl = uint32_t(p[0] & 0x0f) * 4;
  if (ihl < 20 || ihl > s.cap) return DecodeStatus::BadIpv4HeaderLength;
  uint32_t total = readBe16(p + 2);
  // Total length 0 appears in captures of TSO/GSO super-packets: the wire length tells.
  total = total == 0 ? s.wire : total;
  if (total < ihl) return DecodeStatus::BadIpv4TotalLength;

  const uint16_t frag = readBe16(p + 6);
  const uint16_t offset = frag & 0x1fff;
  const bool more = (frag & 0x2000) != 0;
  const bool isFrag = more || offset != 0;
  out.src = IpAddress::fromV4(p + 12);
  out.dst = IpAddress::fromV4(p + 16);
  out.ipLen = total;
  out.ipVersion = 4;
  out.isFragment = isFrag;
  out.moreFragments = more;
  out.fragOffset = offset;
  out.fragId = isFrag ? readBe16(p + 4) : 0;

  // Beyond `total` lies link padding (or an FCS), not IP payload.
  const uint32_t cap = minU32(s.cap, total);
  next.l4 = Span{p + ihl, cap - ihl, total - ihl};
  next.proto = p[9];
  next.fragment = isFrag;
  next.laterFragment = offset != 0;
  return DecodeStatus::Ok;
}

// How the IPv6 extension-header walk treats each next-header value.
enum class Ext : uint8_t { None, Generic, Fragment, Ah };

constexpr std::array<Ext, 256> makeExtTable() {
  std::array<Ext, 256> t{};
  // RFC 7045's list of extension headers sharing the (next, len in 8-octet units - 1) layout:
  // hop-by-hop, routing, destination options, mobility, HIP, shim6, experimental.
  for (const int v : {0, 43, 60, 135, 139, 140, 253, 254}) t[size_t(v)] = Ext::Generic;
  t[44] = Ext::Fragment;
  t[51] = Ext::Ah;
  // ESP (50) and No Next Header (59) end the chain like a transport protocol.
  return t;
}
inline constexpr std::array<Ext, 256> kExtTable = makeExtTable();

inline DecodeStatus ipv6(Span s, PacketView& out, IpNext& next) {
  if (s.cap < 40) return DecodeStatus::TruncatedIpv6;
  const uint8_t* p = s.p;
  if ((p[0] >> 4) != 6) return DecodeStatus::BadIpv6Version;
  uint8_t nh = p[6];
  const uint32_t plen = readBe16(p + 4);
  // Payload length 0 with something to carry is a jumbogram (or a Linux BIG TCP capture,
  // which drops the jumbo option): the wire length tells.
  const uint32_t total = (plen == 0 && nh != 59) ? s.wire : 40 + plen;
  out.src = IpAddress::fromV6(p + 8);
  out.dst = IpAddress::fromV6(p + 24);
  out.ipLen = total;
  out.ipVersion = 6;
  out.isFragment = false;
  out.moreFragments = false;
  out.fragOffset = 0;
  out.fragId = 0;

  const uint32_t cap = minU32(s.cap, total);
  uint32_t off = 40;
  bool later = false;
  for (uint32_t n = 0;; ++n) {
    const Ext kind = kExtTable[nh];
    if (kind == Ext::None) break;
    if (n == kMaxIpv6Ext) return DecodeStatus::TooManyIpv6Ext;
    if (cap - off < 8) return DecodeStatus::TruncatedIpv6Ext;  // every kind is >= 8 bytes
    const uint8_t* e = p + off;
    uint32_t len = 8;
    if (kind == Ext::Generic) {
      len = (uint32_t(e[1]) + 1) * 8;
    } else if (kind == Ext::Ah) {
      len = (uint32_t(e[1]) + 2) * 4;
    } else {  // Fragment
      const uint16_t fo = readBe16(e + 2);
      const bool more = (fo & 0x0001) != 0;
      out.fragOffset = uint16_t(fo >> 3);
      out.moreFragments = more;
      out.isFragment = more || out.fragOffset != 0;
      out.fragId = out.isFragment ? readBe32(e + 4) : 0;
      later = out.fragOffset != 0;
    }
    if (cap - off < len) return DecodeStatus::TruncatedIpv6Ext;
    nh = e[0];
    off += len;
    // Past a later fragment's header come payload bytes, not more headers.
    if (later) break;
  }
  next.l4 = Span{p + off, cap - off, total - off};
  next.proto = nh;
  next.fragment = out.isFragment;
  next.laterFragment = later;
  return DecodeStatus::Ok;
}

// GRE version 0 carrying IPv4/IPv6 is a tunnel: `inner` and `net` describe what it carries.
// Anything else (PPTP's version 1, Ethernet bridging, ERSPAN, source routing) stays the flow.
inline DecodeStatus gre(Span s, bool& peel, Span& inner, Net& net) {
  peel = false;
  if (s.cap < 4) return DecodeStatus::TruncatedGre;
  const uint16_t flags = readBe16(s.p);
  const uint16_t type = readBe16(s.p + 2);
  const bool ip = type == 0x0800 || type == 0x86dd;
  // Version 0 without routing (R, 0x4000): fixed header of 4 bytes plus optional words.
  if (!ip || (flags & 0x4007) != 0) return DecodeStatus::Ok;
  const uint32_t len = 4 + ((flags & 0x8000) ? 4u : 0u)  // checksum + reserved
                       + ((flags & 0x2000) ? 4u : 0u)    // key
                       + ((flags & 0x1000) ? 4u : 0u);   // sequence number
  if (s.cap < len) return DecodeStatus::TruncatedGre;
  inner = advance(s, len);
  net = type == 0x0800 ? Net::V4 : Net::V6;
  peel = true;
  return DecodeStatus::Ok;
}

inline bool isEcho(uint8_t proto, uint8_t type) {
  return proto == kProtoIcmp ? (type == 8 || type == 0) : (type == 128 || type == 129);
}

inline DecodeStatus transport(const IpNext& n, PacketView& out) {
  const Span s = n.l4;
  out.proto = n.proto;
  // Without a transport header here (later fragment, or a protocol we do not parse) the flow
  // is (src, dst, proto) and the payload is everything after the IP headers.
  uint32_t hl = 0;
  if (!n.laterFragment) {
    switch (n.proto) {
      case kProtoTcp: {
        if (s.cap < 20) return DecodeStatus::TruncatedTcp;
        hl = uint32_t(s.p[12] >> 4) * 4;
        if (hl < 20) return DecodeStatus::BadTcpDataOffset;
        if (hl > s.cap) return DecodeStatus::TruncatedTcp;
        out.sport = readBe16(s.p);
        out.dport = readBe16(s.p + 2);
        out.tcpSeq = readBe32(s.p + 4);
        out.tcpAck = readBe32(s.p + 8);
        out.tcpFlags = s.p[13];
        out.hasPorts = true;
        break;
      }
      case kProtoUdp: {
        if (s.cap < 8) return DecodeStatus::TruncatedUdp;
        hl = 8;
        out.sport = readBe16(s.p);
        out.dport = readBe16(s.p + 2);
        out.hasPorts = true;
        break;
      }
      case kProtoIcmp:
      case kProtoIcmpv6: {
        if (s.cap < 4) return DecodeStatus::TruncatedIcmp;
        const uint8_t type = s.p[0];
        const uint8_t code = s.p[1];
        out.icmpType = type;
        out.icmpCode = code;
        if (isEcho(n.proto, type)) {
          if (s.cap < 8) return DecodeStatus::TruncatedIcmp;
          const uint16_t id = readBe16(s.p + 4);
          out.sport = id;
          out.dport = id;
        } else {
          out.sport = type;
          out.dport = code;
        }
        out.hasPorts = true;
        // Every ICMP message has an 8-byte header (type, code, checksum, 4 type-specific
        // bytes); the payload (echo data, quoted datagram) follows it. Only its first 4
        // bytes are needed, so the header itself may be cut short.
        hl = 8;
        break;
      }
      default: break;
    }
  }
  out.payload = s.p + minU32(hl, s.cap);
  out.payloadLen = s.cap > hl ? s.cap - hl : 0;
  out.payloadWireLen = s.wire > hl ? s.wire - hl : 0;
  return DecodeStatus::Ok;
}

inline DecodeStatus network(Net net, Span s, PacketView& out) {
  for (;;) {
    IpNext n{};
    const DecodeStatus st = net == Net::V4 ? ipv4(s, out, n) : ipv6(s, out, n);
    if (st != DecodeStatus::Ok) return st;
    // A fragment's payload is partial, so a tunnel inside stays the flow; the fragments of
    // one packet then share (src, dst, proto, fragId) whatever they carry.
    bool peel = false;
    Span inner{};
    if (!n.fragment) {
      if (n.proto == kProtoIpIp || n.proto == kProtoIpv6) {
        peel = true;
        inner = n.l4;
        net = n.proto == kProtoIpIp ? Net::V4 : Net::V6;
      } else if (n.proto == kProtoGre) {
        const DecodeStatus g = gre(n.l4, peel, inner, net);
        if (g != DecodeStatus::Ok) return g;
      }
    }
    if (!peel) return transport(n, out);
    if (out.tunnelDepth == kMaxTunnelDepth) return DecodeStatus::TunnelTooDeep;
    ++out.tunnelDepth;
    s = inner;
  }
}

constexpr std::array<const char*, size_t(DecodeStatus::kCount)> kStatusNames = {
    "ok",
    "not_ip",
    "truncated_link",
    "truncated_vlan",
    "too_many_vlan_tags",
    "truncated_ipv4",
    "bad_ipv4_version",
    "bad_ipv4_header_length",
    "bad_ipv4_total_length",
    "truncated_ipv6",
    "bad_ipv6_version",
    "truncated_ipv6_ext",
    "too_many_ipv6_ext",
    "truncated_tcp",
    "bad_tcp_data_offset",
    "truncated_udp",
    "truncated_icmp",
    "tunnel_too_deep",
    "unknown_ip_version",
    "truncated_gre",
};
static_assert(kStatusNames.back() != nullptr, "every DecodeStatus needs a name");

}  // namespace

const char* decodeStatusName(DecodeStatus s) {
  const auto i = size_t(s);
  return i < kStatusNames.size() ? kStatusNames[i] : "unknown";
}

namespace {
// Zeroes a PacketView (all-zero is its value-initialised state). `out = PacketView{}` compiles
// to `rep stos`, whose start-up cost was a third of decode time in perf; unrolled 16-byte
// stores cost a few cycles.
static_assert(std::is_trivially_copyable_v<PacketView>);
inline void clearView(PacketView& v) {
#if defined(__SSE2__)
  auto* p = reinterpret_cast<unsigned char*>(&v);
  const __m128i z = _mm_setzero_si128();
  constexpr size_t kVec = sizeof(PacketView) / 16;
#pragma GCC unroll 16
  for (size_t i = 0; i < kVec; ++i) _mm_storeu_si128(reinterpret_cast<__m128i*>(p + 16 * i), z);
  if constexpr (sizeof(PacketView) % 16 != 0) {
    constexpr size_t kTail = sizeof(PacketView) - 16;  // overlapping last store
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + kTail), z);
  }
#else
  v = PacketView{};
#endif
}
}  // namespace

DecodeStatus decodePacket(LinkType link, const uint8_t* data, uint32_t capLen, uint32_t wireLen,
                          PacketView& out) {
  const TimeUs ts = out.ts;
  clearView(out);
  out.ts = ts;
  out.wireLen = wireLen;
  out.capLen = capLen;
  // A wire length below the captured length is a broken record; trust the bytes we hold.
  Span s{data, capLen, wireLen > capLen ? wireLen : capLen};
  const Next next = linkLayer(link, s, out);
  if (next.status != DecodeStatus::Ok) return next.status;
  return network(next.net, s, out);
}

}  // namespace egressmon

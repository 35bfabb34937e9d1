// Special-purpose address classification.
//
// Sources:
//  - IANA IPv4 Special-Purpose Address Registry
//    https://www.iana.org/assignments/iana-ipv4-special-registry/ (RFC 6890, RFC 8190)
//  - IANA IPv6 Special-Purpose Address Registry
//    https://www.iana.org/assignments/iana-ipv6-special-registry/ (RFC 6890, RFC 8190)
//  - IANA IPv4 Multicast Address Space (224.0.0.0/4) and IPv6 Multicast Address Space (ff00::/8)
//  - IANA IPv6 Address Space https://www.iana.org/assignments/ipv6-address-space/: only 2000::/3
//    is allocated for global unicast; fc00::/7, fe80::/10 and ff00::/8 are classified below, and
//    everything else is "Reserved by IETF" and classified Reserved here.
//
// Choices where the registries leave room:
//  - Entries the IPv4 registry marks globally reachable (192.31.196.0/24 AS112-v4,
//    192.52.193.0/24 AMT, 192.175.48.0/24 AS112 direct delegation) and the IPv6 ones
//    (2620:4f:8000::/48) are Public: they are real Internet destinations.
//  - 192.0.0.0/24 (IETF protocol assignments, incl. DS-Lite 192.0.0.0/29 and the PCP/TURN
//    anycast /32s) is Reserved as a whole; so is 192.88.99.0/24 (deprecated 6to4 relay anycast,
//    RFC 7526).
//  - 2001::/23 (IETF protocol assignments) is Reserved as a whole, including Teredo 2001::/32,
//    AMT 2001:3::/32, AS112-v6 2001:4:112::/48, ORCHIDv2 2001:20::/28 and DRIP 2001:30::/28;
//    only its 2001:2::/48 Benchmarking entry gets its own class.
//  - 2002::/16 (6to4) is Public: it embeds a public IPv4 address, and databases written with
//    alias_ipv6_to_ipv4 answer it from that address's record.
//  - fec0::/10 (deprecated site-local) falls in fe00::/9, "Reserved by IETF": Reserved.
//  - ::/96 IPv4-compatible addresses (deprecated, RFC 4291) and the rest of ::/8: Reserved.
#include "egressmon/geo/special.h"

namespace egressmon {

std::string_view addrClassName(AddrClass c) {
  switch (c) {
    case AddrClass::Public: return "public";
    case AddrClass::Unspecified: return "unspecified";
    case AddrClass::Private: return "private";
    case AddrClass::Cgnat: return "cgnat";
    case AddrClass::Loopback: return "loopback";
    case AddrClass::LinkLocal: return "link_local";
    case AddrClass::Multicast: return "multicast";
    case AddrClass::Broadcast: return "broadcast";
    case AddrClass::Documentation: return "documentation";
    case AddrClass::Benchmarking: return "benchmarking";
    case AddrClass::Reserved: return "reserved";
    case AddrClass::Translation: return "translation";
    case AddrClass::kCount: break;
  }
  return "unknown";
}

namespace {

AddrClass classifyV4(const uint8_t* b) {
  switch (b[0]) {
    case 0: return AddrClass::Unspecified;  // 0.0.0.0/8 "this network"
    case 10: return AddrClass::Private;     // 10.0.0.0/8
    case 100:                                // 100.64.0.0/10 shared address space (RFC 6598)
      return (b[1] & 0xc0) == 64 ? AddrClass::Cgnat : AddrClass::Public;
    case 127: return AddrClass::Loopback;  // 127.0.0.0/8
    case 169: return b[1] == 254 ? AddrClass::LinkLocal : AddrClass::Public;  // 169.254.0.0/16
    case 172: return (b[1] & 0xf0) == 16 ? AddrClass::Private : AddrClass::Public;  // 172.16/12
    case 192:
      if (b[1] == 168) return AddrClass::Private;                             // 192.168.0.0/16
      if (b[1] == 0 && b[2] == 0) return AddrClass::Reserved;                 // 192.0.0.0/24
      if (b[1] == 0 && b[2] == 2) return AddrClass::Documentation;            // 192.0.2.0/24
      if (b[1] == 88 && b[2] == 99) return AddrClass::Reserved;               // 192.88.99.0/24
      return AddrClass::Public;
    case 198:
      if ((b[1] & 0xfe) == 18) return AddrClass::Benchmarking;                // 198.18.0.0/15
      if (b[1] == 51 && b[2] == 100) return AddrClass::Documentation;         // 198.51.100.0/24
      return AddrClass::Public;
    case 203:
      return b[1] == 0 && b[2] == 113 ? AddrClass::Documentation : AddrClass::Public;
    default: break;
  }
  if (b[0] >= 240) {  // 240.0.0.0/4 reserved, 255.255.255.255/32 limited broadcast
    return (b[0] & b[1] & b[2] & b[3]) == 255 ? AddrClass::Broadcast : AddrClass::Reserved;
  }
  if (b[0] >= 224) return AddrClass::Multicast;  // 224.0.0.0/4
  return AddrClass::Public;
}

bool allZero(const uint8_t* b, int from, int to) {
  uint8_t acc = 0;
  for (int i = from; i < to; ++i) acc = uint8_t(acc | b[i]);
  return acc == 0;
}

AddrClass classifyV6(const uint8_t* b) {
  switch (b[0]) {
    case 0x00:
      if (b[1] == 0) {
        if (allZero(b, 2, 15)) {
          if (b[15] == 0) return AddrClass::Unspecified;  // ::/128
          if (b[15] == 1) return AddrClass::Loopback;     // ::1/128
        }
        return AddrClass::Reserved;  // IPv4-compatible and the rest of ::/16
      }
      if (b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) {
        if (allZero(b, 4, 12)) return AddrClass::Translation;         // 64:ff9b::/96 (RFC 6052)
        if (b[4] == 0 && b[5] == 1) return AddrClass::Translation;    // 64:ff9b:1::/48 (RFC 8215)
      }
      return AddrClass::Reserved;
    case 0x20:
      if (b[1] == 0x01) {
        if ((b[2] & 0xfe) == 0) {  // 2001::/23 IETF protocol assignments
          if (b[2] == 0 && b[3] == 2 && b[4] == 0 && b[5] == 0) return AddrClass::Benchmarking;
          return AddrClass::Reserved;
        }
        if (b[2] == 0x0d && b[3] == 0xb8) return AddrClass::Documentation;  // 2001:db8::/32
      }
      return AddrClass::Public;
    case 0x3f:  // 3fff::/20 documentation (RFC 9637)
      return b[1] == 0xff && (b[2] & 0xf0) == 0 ? AddrClass::Documentation : AddrClass::Public;
    case 0xfc:
    case 0xfd: return AddrClass::Private;  // fc00::/7 unique local
    case 0xfe: return (b[1] & 0xc0) == 0x80 ? AddrClass::LinkLocal : AddrClass::Reserved;
    case 0xff: return AddrClass::Multicast;  // ff00::/8
    default: break;
  }
  // 2000::/3 is global unicast; 100::/64 (discard) and all other space is not allocated.
  return (b[0] & 0xe0) == 0x20 ? AddrClass::Public : AddrClass::Reserved;
}

}  // namespace

AddrClass classifyAddress(const IpAddress& a) {
  if (a.isV4()) return classifyV4(a.v4Bytes());
  return classifyV6(a.data());
}

}  // namespace egressmon

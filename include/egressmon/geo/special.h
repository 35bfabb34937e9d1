#pragma once
// Special-purpose address classification from the IANA IPv4 and IPv6 Special-Purpose Address
// Registries (RFC 6890 and successors). Such addresses are never looked up in a geo database.
#include <cstdint>
#include <string_view>

#include "egressmon/core/ip_address.h"

namespace egressmon {

enum class AddrClass : uint8_t {
  Public,         // not special: geolocate it
  Unspecified,    // 0.0.0.0/8 "this network", ::/128
  Private,        // RFC 1918, fc00::/7 (unique local)
  Cgnat,          // 100.64.0.0/10 shared address space
  Loopback,       // 127.0.0.0/8, ::1
  LinkLocal,      // 169.254.0.0/16, fe80::/10
  Multicast,      // 224.0.0.0/4, ff00::/8
  Broadcast,      // 255.255.255.255
  Documentation,  // 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20
  Benchmarking,   // 198.18.0.0/15, 2001:2::/48
  Reserved,       // 240.0.0.0/4, 192.0.0.0/24 protocol assignments, 100::/64 discard, ...
  Translation,    // 64:ff9b::/96 and 64:ff9b:1::/48 NAT64 (embeds an IPv4 address)
  kCount
};

/// Stable snake_case name ("private", "documentation", ...), used in reports and JSON.
std::string_view addrClassName(AddrClass c);

/// Classifies an address. Pure function; thread-safe.
AddrClass classifyAddress(const IpAddress& a);

}  // namespace egressmon

#pragma once
// The set of prefixes that count as "local". Small (tens of prefixes) and consulted once per
// new flow, so a linear scan is the fastest structure here.
#include <vector>

#include "egressmon/core/ip_address.h"

namespace egressmon {

class LocalNetworks {
public:
  /// RFC 1918, 100.64.0.0/10, loopback, link-local, fc00::/7, fe80::/10, ::1.
  static std::vector<IpPrefix> defaults();

  LocalNetworks() : prefixes_(defaults()) {}
  explicit LocalNetworks(std::vector<IpPrefix> prefixes) : prefixes_(std::move(prefixes)) {}

  bool contains(const IpAddress& a) const {
    for (const auto& p : prefixes_)
      if (p.contains(a)) return true;
    return false;
  }
  /// Adds host addresses (the daemon adds the machine's own addresses).
  void add(const IpPrefix& p) { prefixes_.push_back(p); }
  const std::vector<IpPrefix>& prefixes() const { return prefixes_; }

private:
  std::vector<IpPrefix> prefixes_;
};

}  // namespace egressmon

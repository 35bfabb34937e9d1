#pragma once
// An IPv4 or IPv6 address in one 16-byte form (IPv4 is stored IPv4-mapped, ::ffff:a.b.c.d),
// so flow keys, caches and prefix tables handle both families with one code path.
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace egressmon {

class IpAddress {
public:
  IpAddress() = default;

  /// From 4 bytes in network order.
  static IpAddress fromV4(const uint8_t* b) {
    IpAddress a;
    a.bytes_[10] = 0xff;
    a.bytes_[11] = 0xff;
    std::memcpy(a.bytes_.data() + 12, b, 4);
    return a;
  }
  /// From a host-order IPv4 value (tests and generators).
  static IpAddress fromV4(uint32_t hostOrder) {
    const uint8_t b[4] = {uint8_t(hostOrder >> 24), uint8_t(hostOrder >> 16),
                          uint8_t(hostOrder >> 8), uint8_t(hostOrder)};
    return fromV4(b);
  }
  /// From 16 bytes in network order. A v4-mapped address becomes an IPv4 address.
  static IpAddress fromV6(const uint8_t* b) {
    IpAddress a;
    std::memcpy(a.bytes_.data(), b, 16);
    return a;
  }
  /// Parses dotted-quad or RFC 4291 text; nullopt when it is neither.
  static std::optional<IpAddress> parse(std::string_view text);

  bool isV4() const {
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(bytes_.data(), kMapped, 12) == 0;
  }
  /// The four IPv4 bytes; only meaningful when isV4().
  const uint8_t* v4Bytes() const { return bytes_.data() + 12; }
  uint32_t v4HostOrder() const {
    const uint8_t* b = v4Bytes();
    return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | b[3];
  }
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  const uint8_t* data() const { return bytes_.data(); }

  std::string toString() const;

  friend bool operator==(const IpAddress& a, const IpAddress& b) { return a.bytes_ == b.bytes_; }
  friend auto operator<=>(const IpAddress& a, const IpAddress& b) { return a.bytes_ <=> b.bytes_; }

private:
  std::array<uint8_t, 16> bytes_{};
};

/// An address prefix such as 10.0.0.0/8 or fe80::/10. IPv4 prefixes are stored v4-mapped.
class IpPrefix {
public:
  IpPrefix() = default;
  IpPrefix(IpAddress base, uint8_t bits128);
  /// Parses "a.b.c.d/n", "x::/n" or a bare address (a host prefix).
  static std::optional<IpPrefix> parse(std::string_view text);

  bool contains(const IpAddress& a) const;
  /// Prefix length counted over 128 bits (an IPv4 /8 is 104 here).
  uint8_t bits128() const { return bits_; }
  const IpAddress& base() const { return base_; }
  std::string toString() const;

  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;

private:
  IpAddress base_;
  uint8_t bits_ = 0;
};

}  // namespace egressmon

#include "egressmon/core/ip_address.h"

#include <arpa/inet.h>

#include <charconv>

namespace egressmon {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  uint8_t b[16];
  if (inet_pton(AF_INET, buf, b) == 1) return fromV4(b);
  if (inet_pton(AF_INET6, buf, b) == 1) return fromV6(b);
  return std::nullopt;
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN];
  if (isV4()) {
    inet_ntop(AF_INET, v4Bytes(), buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
  }
  return buf;
}

IpPrefix::IpPrefix(IpAddress base, uint8_t bits128) : bits_(bits128 > 128 ? 128 : bits128) {
  // Zero the host bits so equal prefixes compare equal.
  auto bytes = base.bytes();
  for (size_t i = 0; i < 16; ++i) {
    const int keep = int(bits_) - int(i * 8);
    if (keep >= 8) continue;
    bytes[i] = keep <= 0 ? uint8_t{0} : uint8_t(bytes[i] & uint8_t(0xff << (8 - keep)));
  }
  base_ = IpAddress::fromV6(bytes.data());
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const unsigned maxBits = addr->isV4() ? 32 : 128;
  unsigned bits = maxBits;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (digits.empty() || ec != std::errc{} || p != digits.data() + digits.size() || bits > maxBits)
      return std::nullopt;
  }
  return IpPrefix(*addr, uint8_t(addr->isV4() ? bits + 96 : bits));
}

namespace {
uint64_t wordBe(const uint8_t* b) {
  uint64_t v;
  std::memcpy(&v, b, 8);
  return __builtin_bswap64(v);
}
}  // namespace

bool IpPrefix::contains(const IpAddress& a) const {
  // Two masked 64-bit compares; runs for every new flow against every local prefix.
  const uint64_t hiMask = bits_ >= 64 ? ~0ull : (bits_ == 0 ? 0 : ~0ull << (64 - bits_));
  const uint64_t loMask = bits_ <= 64 ? 0 : ~0ull << (128 - bits_);
  return ((wordBe(a.data()) ^ wordBe(base_.data())) & hiMask) == 0 &&
         ((wordBe(a.data() + 8) ^ wordBe(base_.data() + 8)) & loMask) == 0;
}

std::string IpPrefix::toString() const {
  if (base_.isV4() && bits_ >= 96) return base_.toString() + "/" + std::to_string(bits_ - 96);
  return base_.toString() + "/" + std::to_string(bits_);
}

}  // namespace egressmon

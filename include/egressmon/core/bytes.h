#pragma once
// Big-endian reads over untrusted bytes. Callers check lengths first; these never allocate.
#include <cstdint>
#include <cstring>

namespace egressmon {

inline uint16_t readBe16(const uint8_t* p) { return uint16_t((p[0] << 8) | p[1]); }
inline uint32_t readBe24(const uint8_t* p) {
  return (uint32_t(p[0]) << 16) | (uint32_t(p[1]) << 8) | p[2];
}
inline uint32_t readBe32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}
inline uint64_t readBe64(const uint8_t* p) {
  return (uint64_t(readBe32(p)) << 32) | readBe32(p + 4);
}
inline uint16_t readLe16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
inline uint32_t readLe32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

/// A non-owning view of bytes; the parsers' common currency.
struct ByteView {
  const uint8_t* data = nullptr;
  uint32_t size = 0;
};

}  // namespace egressmon

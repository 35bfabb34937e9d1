#pragma once
// Non-cryptographic hashing for the engine's own in-memory tables (never persisted, never a
// security boundary): MurmurHash3's 64-bit finalizer, a multiply-xorshift word mixer, a
// word-at-a-time byte-string hash built on it, and wyhash's folded 64x64->128 multiply.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace egressmon {

/// MurmurHash3's fmix64: every input bit affects every output bit.
inline uint64_t fmix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

/// Absorbs one 64-bit word into a running hash.
inline uint64_t mixWord(uint64_t h, uint64_t w) {
  h ^= w;
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 31);
}

/// A byte string absorbed into `seed` eight bytes at a time, its length with the last word (so
/// strings differing only by trailing zero bytes differ). Finish with fmix64 where the low bits
/// index a table.
inline uint64_t hashBytes(std::string_view s, uint64_t seed) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = seed;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = mixWord(h, w);
  }
  uint64_t w = 0;
  if (n != 0) std::memcpy(&w, p, n);  // an empty view may have a null data()
  return mixWord(h, w ^ (uint64_t(s.size()) << 56));
}

__extension__ typedef unsigned __int128 Uint128;  // GCC and Clang on 64-bit targets

/// wyhash's mum: the 128-bit product of a and b, its halves xored.
inline uint64_t mum(uint64_t a, uint64_t b) {
  const Uint128 r = static_cast<Uint128>(a) * b;
  return uint64_t(r) ^ uint64_t(r >> 64);
}

}  // namespace egressmon

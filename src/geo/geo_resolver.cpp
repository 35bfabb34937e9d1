// GeoResolver: classification first, then a bounded 2-way set-associative cache, then the DBs.
// The cache is one array allocated in the constructor; a set is two 32-byte slots, one cache
// line. A hit marks its way most recent; a miss replaces the empty or least recent way.
#include <cstring>

#include "egressmon/core/hash.h"
#include "egressmon/geo/geo.h"

namespace egressmon {

struct GeoResolver::Slot {
  uint8_t key[16];
  GeoInfo info;
  uint8_t used = 0;    // holds an entry
  uint8_t recent = 0;  // the most recently used way of its set
};
static_assert(sizeof(GeoInfo) == 12, "GeoInfo is held inline by flows");

namespace {

constexpr size_t kWays = 2;
constexpr size_t kMaxEntries = size_t(1) << 22;

// Mixes the 16 address bytes (murmur3's 64-bit finalizer over a folded pair of words), so
// addresses differing only in low bits or only in the high IPv6 bits spread over all sets.
uint64_t hashAddress(const uint8_t* b) {
  uint64_t hi;
  uint64_t lo;
  std::memcpy(&hi, b, 8);
  std::memcpy(&lo, b + 8, 8);
  return fmix64(hi * 0x9e3779b97f4a7c15ULL ^ (lo + 0x632be59bd9b4e019ULL));
}

size_t roundEntries(size_t n) {
  if (n == 0) return 0;
  if (n > kMaxEntries) n = kMaxEntries;
  size_t p = kWays;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

GeoResolver::GeoResolver(std::shared_ptr<const GeoDb> countryDb, std::shared_ptr<const GeoDb> asnDb,
                         GeoResolverConfig cfg)
    : countryDb_(std::move(countryDb)), asnDb_(std::move(asnDb)), cfg_(std::move(cfg)) {
  static_assert(sizeof(Slot) <= 32, "two slots per cache line");
  const size_t entries = roundEntries(cfg_.cacheEntries);
  cfg_.cacheEntries = entries;
  cache_.resize(entries);
  mask_ = entries == 0 ? 0 : entries / kWays - 1;
  for (AddrClass c : cfg_.lookupSpecial) {
    if (c != AddrClass::kCount) lookupSpecialMask_ |= 1u << static_cast<unsigned>(c);
  }
}

GeoResolver::~GeoResolver() = default;

GeoInfo GeoResolver::resolve(const IpAddress& a) {
  ++stats_.lookups;
  GeoInfo out;
  out.cls = classifyAddress(a);
  if (out.cls != AddrClass::Public &&
      (lookupSpecialMask_ & (1u << static_cast<unsigned>(out.cls))) == 0) {
    ++stats_.special;
    return out;
  }

  Slot* set = nullptr;
  if (!cache_.empty()) {
    set = &cache_[(hashAddress(a.data()) & mask_) * kWays];
    for (size_t w = 0; w < kWays; ++w) {
      Slot& s = set[w];
      if (s.used && std::memcmp(s.key, a.data(), 16) == 0) {
        ++stats_.cacheHits;
        s.recent = 1;
        set[w ^ 1].recent = 0;
        return s.info;
      }
    }
  }

  bool ok = true;
  if (countryDb_) {
    ++stats_.dbLookups;
    out.flags = uint8_t(out.flags | GeoInfo::kLookedUp);
    if (!countryDb_->lookup(a, out)) {
      ++stats_.dbErrors;
      ok = false;
    }
  }
  if (asnDb_) {
    ++stats_.dbLookups;
    if (!asnDb_->lookup(a, out)) {
      ++stats_.dbErrors;
      ok = false;
    }
  }
  // Not cached on error: a failing record is rare (a damaged file) and stays visible in dbErrors.
  if (!ok) return out;

  if (set) {
    const size_t w = !set[0].used ? 0 : !set[1].used ? 1 : (set[0].recent ? 1 : 0);
    Slot& s = set[w];
    std::memcpy(s.key, a.data(), 16);
    s.info = out;
    s.used = 1;
    s.recent = 1;
    set[w ^ 1].recent = 0;
  }
  return out;
}

std::string GeoResolver::asOrg(const IpAddress& a) const {
  if (!asnDb_) return {};
  return asnDb_->lookupOrg(a);
}

}  // namespace egressmon

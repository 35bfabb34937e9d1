// NameCache: 4-way set-associative answer entries, a per-server index into them, and a
// hash-consed ring of name records. See name_cache.h for the layout and the eviction rules.
#include "egressmon/names/name_cache.h"

#include <algorithm>
#include <cstring>

namespace egressmon {

namespace {

constexpr size_t kWays = 4;
constexpr size_t kSharedWays = 4;
constexpr size_t kMaxEntries = size_t(1) << 23;  // the shared index keeps entry + 1 in 24 bits
constexpr size_t kMaxRecords = size_t(1) << 22;
constexpr size_t kMinRecords = 4;
constexpr size_t kMinNameBytes = 4096;           // several records of the largest size (510 B)
constexpr size_t kMaxNameBytes = size_t(1) << 30;
constexpr TimeUs kMaxTtl = seconds(int64_t(UINT32_MAX));  // no DNS TTL is longer

size_t roundPow2(size_t n, size_t lo, size_t hi) {
  n = std::clamp(n, lo, hi);
  size_t p = lo;
  while (p < n) p <<= 1;
  return p;
}

uint64_t finalize(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

uint64_t absorb(uint64_t h, uint64_t w) {
  h ^= w;
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 31);
}

uint64_t absorbAddress(uint64_t h, const IpAddress& a) {
  uint64_t w[2];
  std::memcpy(w, a.data(), 16);
  return absorb(absorb(h, w[0]), w[1]);
}

uint64_t hashKey(const IpAddress& client, const IpAddress& server) {
  return finalize(absorbAddress(absorbAddress(0x9e3779b97f4a7c15ULL, client), server));
}

// A different seed from hashKey, so the per-server sets do not line up with the entry sets.
uint64_t hashServer(const IpAddress& server) {
  return finalize(absorbAddress(0x632be59bd9b4e019ULL, server));
}

uint64_t absorbText(uint64_t h, std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = absorb(h, w);
  }
  uint64_t w = 0;
  if (n != 0) std::memcpy(&w, p, n);  // an empty view may have a null data()
  return absorb(h, w ^ (uint64_t(s.size()) << 56));
}

uint32_t hashNames(std::string_view name, std::string_view canonical) {
  return uint32_t(finalize(absorbText(absorbText(0x2545f4914f6cdd1dULL, name), canonical)));
}

uint32_t sharedTag(uint64_t h) { return uint32_t(h >> 56); }

NameCacheConfig normalize(NameCacheConfig c) {
  c.entries = roundPow2(c.entries, kWays, kMaxEntries);
  c.ttlFloor = std::clamp(c.ttlFloor, TimeUs(0), kMaxTtl);
  c.ttlCeiling = std::clamp(c.ttlCeiling, c.ttlFloor, kMaxTtl);
  c.nameRecords = roundPow2(c.nameRecords != 0 ? c.nameRecords : c.entries / 4, kMinRecords, kMaxRecords);
  c.nameBytes = roundPow2(c.nameBytes != 0 ? c.nameBytes : c.nameRecords * 32, kMinNameBytes, kMaxNameBytes);
  return c;
}

}  // namespace

NameCache::NameCache(NameCacheConfig cfg)
    : cfg_(normalize(cfg)),
      entries_(cfg_.entries),
      shared_(std::max(cfg_.entries / 2, kSharedWays)),
      records_(cfg_.nameRecords),
      nameIndex_(cfg_.nameRecords * 2),
      arena_(cfg_.nameBytes) {
  static_assert(sizeof(Entry) == 48);
  static_assert(sizeof(NameRecord) == 12);
  // HugeArray leaves scalars uninitialised; Entry and NameRecord have member initialisers.
  std::fill(shared_.begin(), shared_.end(), 0u);
  std::fill(nameIndex_.begin(), nameIndex_.end(), 0u);
  std::fill(arena_.begin(), arena_.end(), '\0');
  setMask_ = entries_.size() / kWays - 1;
  sharedSetMask_ = shared_.size() / kSharedWays - 1;
  recordMask_ = records_.size() - 1;
  indexMask_ = nameIndex_.size() - 1;
  arenaMask_ = arena_.size() - 1;
}

size_t NameCache::memoryBytes() const {
  return sizeof(*this) + entries_.size() * sizeof(Entry) + shared_.size() * sizeof(uint32_t) +
         records_.size() * sizeof(NameRecord) + nameIndex_.size() * sizeof(uint32_t) + arena_.size();
}

void NameCache::insert(const IpAddress& client, const DnsResponse& r, TimeUs now) {
  const size_t answers = std::min<size_t>(r.answerCount, DnsResponse::kMaxAnswers);
  if (r.qname.len == 0 || answers == 0) {
    ++stats_.skipped;
    return;
  }
  const size_t chain = std::min<size_t>(r.chainLen, DnsResponse::kMaxChain);
  const std::string_view canonical = chain == 0 ? std::string_view() : r.chain[chain - 1].view();
  const uint64_t ref = intern(r.qname.view(), canonical);
  for (size_t i = 0; i < answers; ++i) storeAnswer(client, r.answers[i], ref, now);
  ++stats_.responses;
}

void NameCache::storeAnswer(const IpAddress& client, const DnsResponse::Answer& a, uint64_t ref,
                            TimeUs now) {
  const TimeUs ttl = std::clamp(TimeUs(a.ttl) * kUsPerSec, cfg_.ttlFloor, cfg_.ttlCeiling);
  const size_t base = (hashKey(client, a.addr) & setMask_) * kWays;
  size_t victim = base;
  bool same = false;
  for (size_t i = base; i < base + kWays; ++i) {
    const Entry& e = entries_[i];
    if (e.nameRef != 0 && e.server == a.addr && e.client == client) {
      victim = i;
      same = true;
      break;
    }
    if (e.expires < entries_[victim].expires) victim = i;
  }
  Entry& e = entries_[victim];
  if (same) {
    ++stats_.overwritten;
  } else if (e.nameRef != 0 && e.expires > now) {
    ++stats_.evicted;
  }
  e.client = client;
  e.server = a.addr;
  e.expires = now + ttl;
  e.nameRef = ref;
  ++stats_.inserts;
  updateShared(a.addr, victim, now);
}

// Points the server's slot at the entry just written. At most one slot of a set refers to an
// entry holding a given server (others are cleared here), so a shared hit is always the latest
// answer stored for that server. A new server takes a slot whose entry no longer holds the
// server it was indexed for, or failing that the one whose entry expires soonest.
void NameCache::updateShared(const IpAddress& server, size_t entryIndex, TimeUs now) {
  const uint64_t h = hashServer(server);
  const size_t set = h & sharedSetMask_;
  const uint32_t tag = sharedTag(h);
  const uint32_t value = (uint32_t(entryIndex + 1) << 8) | tag;
  uint32_t* slots = &shared_[set * kSharedWays];
  size_t victim = 0;
  TimeUs victimExpires = INT64_MAX;
  bool placed = false;
  for (size_t w = 0; w < kSharedWays; ++w) {
    const uint32_t v = slots[w];
    if (v == 0) {
      if (victimExpires > INT64_MIN) {
        victim = w;
        victimExpires = INT64_MIN;
      }
      continue;
    }
    const Entry& e = entries_[(v >> 8) - 1];
    if ((v & 0xff) == tag && e.server == server) {
      slots[w] = placed ? 0 : value;
      placed = true;
      continue;
    }
    TimeUs expires = e.expires;
    if (e.nameRef == 0 || expires <= now) {
      expires = INT64_MIN;
    } else {
      const uint64_t eh = hashServer(e.server);
      if ((eh & sharedSetMask_) != set || sharedTag(eh) != (v & 0xff)) expires = INT64_MIN;
    }
    if (expires < victimExpires) {
      victim = w;
      victimExpires = expires;
    }
  }
  if (!placed) slots[victim] = value;
}

bool NameCache::lookup(const IpAddress& client, const IpAddress& server, TimeUs now,
                       NameHit& out) const {
  const size_t base = (hashKey(client, server) & setMask_) * kWays;
  for (size_t i = base; i < base + kWays; ++i) {
    const Entry& e = entries_[i];
    if (e.nameRef != 0 && e.server == server && e.client == client) {
      if (resolve(e, now, out)) {
        out.shared = false;
        ++stats_.hits;
        return true;
      }
      break;
    }
  }
  ++stats_.misses;
  return false;
}

bool NameCache::lookupAnyClient(const IpAddress& server, TimeUs now, NameHit& out) const {
  const uint64_t h = hashServer(server);
  const uint32_t* slots = &shared_[(h & sharedSetMask_) * kSharedWays];
  const uint32_t tag = sharedTag(h);
  for (size_t w = 0; w < kSharedWays; ++w) {
    const uint32_t v = slots[w];
    if (v == 0 || (v & 0xff) != tag) continue;
    const Entry& e = entries_[(v >> 8) - 1];
    if (e.nameRef == 0 || e.server != server) continue;
    if (resolve(e, now, out)) {
      out.shared = true;
      ++stats_.sharedHits;
      return true;
    }
    break;  // updateShared keeps one slot per server
  }
  ++stats_.sharedMisses;
  return false;
}

bool NameCache::resolve(const Entry& e, TimeUs now, NameHit& out) const {
  if (now >= e.expires) {
    ++stats_.expired;
    return false;
  }
  if (e.nameRef < tailSeq_ || e.nameRef >= headSeq_) {
    ++stats_.staleNames;
    return false;
  }
  const NameRecord& rec = records_[e.nameRef & recordMask_];
  const char* text = &arena_[rec.offset];
  out.name = std::string_view(text, rec.nameLen);
  out.canonical = std::string_view(text + rec.nameLen, rec.canonLen);
  out.expires = e.expires;
  return true;
}

uint64_t NameCache::intern(std::string_view name, std::string_view canonical) {
  const uint32_t h = hashNames(name, canonical);
  for (size_t pos = h & indexMask_;; pos = (pos + 1) & indexMask_) {
    const uint32_t v = nameIndex_[pos];
    if (v == 0) break;
    NameRecord& rec = records_[v - 1];
    if (rec.hash != h || rec.nameLen != name.size() || rec.canonLen != canonical.size()) continue;
    const char* text = &arena_[rec.offset];
    if (std::string_view(text, rec.nameLen) != name ||
        std::string_view(text + rec.nameLen, rec.canonLen) != canonical) {
      continue;
    }
    const uint64_t seq = seqOfSlot(v - 1);
    if (!isOld(seq, rec)) return seq;
    // About to fall off the tail: write a fresh copy at the head for new entries; entries
    // already pointing at the old copy keep reading it until the tail passes it.
    unindex(pos);
    rec.indexed = 0;
    --stats_.namesStored;
    break;
  }
  return append(name, canonical, h);
}

uint64_t NameCache::append(std::string_view name, std::string_view canonical, uint32_t hash) {
  const size_t len = name.size() + canonical.size();
  uint64_t pos = headPos_;
  // A record is contiguous: when it would straddle the end, it starts at the next lap.
  if ((pos & arenaMask_) + len > arena_.size()) pos = (pos | arenaMask_) + 1;
  while (tailSeq_ != headSeq_ &&
         (headSeq_ - tailSeq_ >= records_.size() || pos + len - tailPos_ > arena_.size())) {
    dropTail();
  }
  if (tailSeq_ == headSeq_) tailPos_ = pos;
  const uint64_t seq = headSeq_++;
  const size_t slot = seq & recordMask_;
  NameRecord& rec = records_[slot];
  rec.hash = hash;
  rec.offset = uint32_t(pos & arenaMask_);
  rec.nameLen = uint8_t(name.size());
  rec.canonLen = uint8_t(canonical.size());
  rec.indexed = 1;
  std::memcpy(&arena_[rec.offset], name.data(), name.size());
  if (!canonical.empty()) std::memcpy(&arena_[rec.offset + name.size()], canonical.data(), canonical.size());
  headPos_ = pos + len;
  size_t at = hash & indexMask_;
  while (nameIndex_[at] != 0) at = (at + 1) & indexMask_;
  nameIndex_[at] = uint32_t(slot + 1);
  ++stats_.namesStored;
  ++stats_.namesAdded;
  return seq;
}

void NameCache::dropTail() {
  const size_t slot = tailSeq_ & recordMask_;
  NameRecord& rec = records_[slot];
  if (rec.indexed) {
    size_t at = rec.hash & indexMask_;
    while (nameIndex_[at] != slot + 1) at = (at + 1) & indexMask_;
    unindex(at);
    rec.indexed = 0;
    --stats_.namesStored;
  }
  ++tailSeq_;
  ++stats_.namesDropped;
  if (tailSeq_ == headSeq_) {
    tailPos_ = headPos_;
  } else {
    // The next record lies less than one lap ahead of the one dropped.
    const NameRecord& next = records_[tailSeq_ & recordMask_];
    tailPos_ += (next.offset - tailPos_) & arenaMask_;
  }
}

// Backward-shift deletion: later members of the probe run move up into the hole unless their
// home position lies cyclically in (hole, member], so lookups never need tombstones.
void NameCache::unindex(size_t pos) {
  size_t hole = pos;
  for (size_t j = (hole + 1) & indexMask_;; j = (j + 1) & indexMask_) {
    const uint32_t v = nameIndex_[j];
    if (v == 0) break;
    const size_t home = records_[v - 1].hash & indexMask_;
    const bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!stays) {
      nameIndex_[hole] = v;
      hole = j;
    }
  }
  nameIndex_[hole] = 0;
}

// The one live sequence number that maps to `slot` (the live window is at most one lap).
uint64_t NameCache::seqOfSlot(size_t slot) const {
  return tailSeq_ + ((slot - tailSeq_) & recordMask_);
}

bool NameCache::isOld(uint64_t seq, const NameRecord& rec) const {
  const uint64_t pos = tailPos_ + ((rec.offset - tailPos_) & arenaMask_);
  return headSeq_ - seq > records_.size() / 2 || headPos_ - pos > arena_.size() / 2;
}

}  // namespace egressmon

// NameCache: 4-way set-associative answer entries, a per-server index into them, and a
// hash-consed ring of name records. See name_cache.h for the layout and the eviction rules.
#include "egressmon/names/name_cache.h"

#include <algorithm>
#include <cstring>

#include "egressmon/core/hash.h"

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

// Address hashes run once or twice per new flow and per answer, so they are short: 64x64->128
// multiplies folded to 64 bits (as wyhash's mum), the two of a key side by side.
struct AddressWords {
  uint64_t w[2];
  explicit AddressWords(const IpAddress& a) { std::memcpy(w, a.data(), 16); }
};

uint64_t hashKey(const IpAddress& client, const IpAddress& server) {
  const AddressWords c(client), s(server);
  return mum(mum(c.w[0] ^ 0xa0761d6478bd642fULL, c.w[1] ^ 0xe7037ed1a0b428dbULL) ^
                 mum(s.w[0] ^ 0x8ebc6af09c88c6e3ULL, s.w[1] ^ 0x589965cc75374cc3ULL),
             0x9e3779b97f4a7c15ULL);
}

// Other constants than hashKey's, so the per-server sets do not line up with the entry sets.
uint64_t hashServer(const IpAddress& server) {
  const AddressWords s(server);
  return mum(mum(s.w[0] ^ 0x632be59bd9b4e019ULL, s.w[1] ^ 0x1d8e4e27c47d124fULL),
             0xbf58476d1ce4e5b9ULL);
}

uint32_t hashNames(std::string_view name, std::string_view canonical) {
  return uint32_t(fmix64(hashBytes(canonical, hashBytes(name, 0x2545f4914f6cdd1dULL))));
}

uint32_t sharedTag(uint64_t h) { return uint32_t(h >> 56); }

// Whole seconds for the shared index's victim choice: an expiry rounded up, packet time rounded
// down. A slot whose seconds are <= now's has expired; one whose seconds are now's + 1 may have
// (its entry tells); of two slots, fewer seconds expire sooner, equal seconds need the entries.
uint32_t expirySeconds(TimeUs t) {
  return uint32_t(std::clamp<TimeUs>(t / kUsPerSec + (t % kUsPerSec > 0), 0, UINT32_MAX));
}
uint32_t nowSeconds(TimeUs t) { return uint32_t(std::clamp<TimeUs>(t / kUsPerSec, 0, UINT32_MAX)); }

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
      shared_(std::max(cfg_.entries / 2 / kSharedWays, size_t(1))),
      records_(cfg_.nameRecords),
      nameIndex_(cfg_.nameRecords * 2),
      arena_(cfg_.nameBytes) {
  static_assert(sizeof(Entry) == 48);
  static_assert(sizeof(NameRecord) == 12);
  static_assert(sizeof(SharedSet) == 32 && std::size(SharedSet{}.slot) == kSharedWays);
  // HugeArray leaves scalars uninitialised; Entry, SharedSet and NameRecord have initialisers.
  std::fill(nameIndex_.begin(), nameIndex_.end(), 0u);
  std::fill(arena_.begin(), arena_.end(), '\0');
  setMask_ = entries_.size() / kWays - 1;
  sharedSetMask_ = shared_.size() - 1;
  recordMask_ = records_.size() - 1;
  indexMask_ = nameIndex_.size() - 1;
  arenaMask_ = arena_.size() - 1;
}

size_t NameCache::memoryBytes() const {
  return sizeof(*this) + entries_.size() * sizeof(Entry) + shared_.size() * sizeof(SharedSet) +
         records_.size() * sizeof(NameRecord) + nameIndex_.size() * sizeof(uint32_t) + arena_.size();
}

void NameCache::insert(const IpAddress& client, const DnsResponse& r, TimeUs now) {
  const size_t answers = std::min<size_t>(r.answerCount, DnsResponse::kMaxAnswers);
  if (r.qname.len == 0 || answers == 0) {
    ++stats_.skipped;
    return;
  }
  // Every answer's entry set and shared set are fetched at once, so their cache misses overlap
  // each other and the name interning.
  uint64_t keyHash[DnsResponse::kMaxAnswers];
  uint64_t serverHash[DnsResponse::kMaxAnswers];
  for (size_t i = 0; i < answers; ++i) {
    keyHash[i] = hashKey(client, r.answers[i].addr);
    serverHash[i] = hashServer(r.answers[i].addr);
    const auto* set = reinterpret_cast<const char*>(&entries_[(keyHash[i] & setMask_) * kWays]);
    for (size_t line = 0; line < kWays * sizeof(Entry); line += 64)
      __builtin_prefetch(set + line, 1);
    __builtin_prefetch(&shared_[serverHash[i] & sharedSetMask_], 1);
  }
  const size_t chain = std::min<size_t>(r.chainLen, DnsResponse::kMaxChain);
  const std::string_view canonical = chain == 0 ? std::string_view() : r.chain[chain - 1].view();
  const uint64_t ref = intern(r.qname.view(), canonical);
  for (size_t i = 0; i < answers; ++i)
    storeAnswer(client, r.answers[i], ref, now, keyHash[i], serverHash[i]);
  ++stats_.responses;
}

void NameCache::storeAnswer(const IpAddress& client, const DnsResponse::Answer& a, uint64_t ref,
                            TimeUs now, uint64_t keyHash, uint64_t serverHash) {
  const TimeUs ttl = std::clamp(TimeUs(a.ttl) * kUsPerSec, cfg_.ttlFloor, cfg_.ttlCeiling);
  const size_t base = (keyHash & setMask_) * kWays;
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
  } else if (e.nameRef != 0) {
    if (e.expires > now) ++stats_.evicted;
    if (e.server != a.addr) unshare(e.server, victim);
  }
  e.client = client;
  e.server = a.addr;
  e.expires = now + ttl;
  e.nameRef = ref;
  ++stats_.inserts;
  updateShared(a.addr, serverHash, victim, now);
}

// The entry is about to hold another server: the slot of its old server that points at it (at
// most one) is cleared, so every slot always points at an entry holding the slot's server.
void NameCache::unshare(const IpAddress& server, size_t entryIndex) {
  const uint64_t h = hashServer(server);
  SharedSet& set = shared_[h & sharedSetMask_];
  const uint32_t value = (uint32_t(entryIndex + 1) << 8) | sharedTag(h);
  for (size_t w = 0; w < kSharedWays; ++w) {
    if (set.slot[w] == value) {
      set.slot[w] = 0;
      return;
    }
  }
}

// Points the server's slot at the entry just written. At most one slot of a set refers to an
// entry holding a given server (others are cleared here), so a shared hit is always the latest
// answer stored for that server. A new server takes the first empty or expired slot, or failing
// that the one whose entry expires soonest. Slots carry their entry's expiry in seconds and
// unshare() keeps them pointing at entries holding their server, so an entry is read only on a
// tag match, or when seconds cannot decide (an expiry within the current second, a tie).
void NameCache::updateShared(const IpAddress& server, uint64_t h, size_t entryIndex, TimeUs now) {
  SharedSet& set = shared_[h & sharedSetMask_];
  const uint32_t tag = sharedTag(h);
  const uint32_t value = (uint32_t(entryIndex + 1) << 8) | tag;
  const uint32_t nowSec = nowSeconds(now);
  auto expiresOf = [this](uint32_t v) { return entries_[(v >> 8) - 1].expires; };
  size_t victim = kSharedWays;  // none yet
  bool victimFree = false;
  bool placed = false;
  for (size_t w = 0; w < kSharedWays; ++w) {
    const uint32_t v = set.slot[w];
    if (v != 0 && (v & 0xff) == tag && entries_[(v >> 8) - 1].server == server) {
      if (placed) {
        set.slot[w] = 0;
      } else {
        set.slot[w] = value;
        set.expires[w] = expirySeconds(entries_[entryIndex].expires);
        placed = true;
      }
      continue;
    }
    if (placed || victimFree) continue;
    const uint32_t sec = set.expires[w];
    if (v == 0 || sec <= nowSec || (sec == nowSec + 1 && expiresOf(v) <= now)) {
      victim = w;
      victimFree = true;
    } else if (victim == kSharedWays || sec < set.expires[victim] ||
               (sec == set.expires[victim] && expiresOf(v) < expiresOf(set.slot[victim]))) {
      victim = w;
    }
  }
  if (!placed) {
    set.slot[victim] = value;
    set.expires[victim] = expirySeconds(entries_[entryIndex].expires);
  }
}

bool NameCache::lookup(const IpAddress& client, const IpAddress& server, TimeUs now,
                       NameHit& out) const {
  return lookupIn((hashKey(client, server) & setMask_) * kWays, client, server, now, out);
}

bool NameCache::lookupOrAnyClient(const IpAddress& client, const IpAddress& server, TimeUs now,
                                  NameHit& out) const {
  const size_t base = (hashKey(client, server) & setMask_) * kWays;
  const uint64_t serverHash = hashServer(server);
  prefetchSets(base, serverHash);
  return lookupIn(base, client, server, now, out) ||
         lookupAnyClientIn(serverHash, server, now, out);
}

bool NameCache::lookupIn(size_t base, const IpAddress& client, const IpAddress& server,
                         TimeUs now, NameHit& out) const {
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

void NameCache::prefetch(const IpAddress& client, const IpAddress& server) const {
  prefetchSets((hashKey(client, server) & setMask_) * kWays, hashServer(server));
}

// The entry set and the per-server set are far apart and usually cold: both loads start at
// once, so the per-server set (read when the client's own answer is missing) costs no second
// wait.
void NameCache::prefetchSets(size_t base, uint64_t serverHash) const {
  const auto* set = reinterpret_cast<const char*>(&entries_[base]);
  for (size_t line = 0; line < kWays * sizeof(Entry); line += 64) __builtin_prefetch(set + line);
  __builtin_prefetch(&shared_[serverHash & sharedSetMask_]);
}

bool NameCache::lookupAnyClient(const IpAddress& server, TimeUs now, NameHit& out) const {
  return lookupAnyClientIn(hashServer(server), server, now, out);
}

bool NameCache::lookupAnyClientIn(uint64_t h, const IpAddress& server, TimeUs now,
                                  NameHit& out) const {
  const SharedSet& set = shared_[h & sharedSetMask_];
  const uint32_t tag = sharedTag(h);
  for (size_t w = 0; w < kSharedWays; ++w) {
    const uint32_t v = set.slot[w];
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

#pragma once
// A bounded cache of DNS answers: (client address, answered address) -> the name the client
// asked for and its canonical name (the last CNAME target), until the record's TTL runs out,
// so a flow the client opens to that address later can be named. Owned and called by the
// engine thread only (insert on DNS responses, lookup once per new flow). Everything is
// allocated in the constructor; insert and lookup allocate nothing and take bounded time.
//
// Layout (E = entries, R = name records, B = name bytes; all powers of two):
//   entries_    E x 48 B  client, server, expiry, name ref; 4-way sets (192 B, three cache
//                         lines) chosen by a hash of (client, server).
//   shared_     E/2 x 8 B per-server index for lookupAnyClient(): 4-way sets (32 B) chosen by a
//                         hash of the server; each slot is (entry index + 1) << 8 | 8-bit hash
//                         tag, plus that entry's expiry in whole seconds, so choosing a slot for
//                         a new server reads no entry.
//   records_    R x 12 B  name records (hash, arena offset, two lengths), used as a ring.
//   nameIndex_  2R x 4 B  open-addressing index (linear probing, load <= 1/2) over the records,
//                         so equal (name, canonical) pairs are stored once.
//   arena_      B bytes   a byte ring holding each record's name and canonical name back to back.
// Defaults: E = 262144, R = E/4 = 65536, B = 32R = 2 MiB, so 12 MiB + 1 MiB + 768 KiB +
// 512 KiB + 2 MiB = 16.25 MiB in all, 65 bytes per entry; memoryBytes() reports the figure.
//
// Entry eviction: an answer for a key already held overwrites it (the newest answer wins);
// otherwise it takes the way of its set that expires soonest. Empty and expired ways expire
// "soonest" by construction, so they go first, and a live entry is only displaced when all
// four ways are live (counted in `evicted`). An entry that takes another server leaves the
// per-server index (its old server's slot is cleared), so a shared slot always points at an
// entry holding its server; a new server takes an empty or expired slot, else the one whose
// entry expires soonest.
//
// Name records: hash-consed by the (name, canonical) pair, so one response with many answers,
// or many clients asking the same name, store it once. Records are written at the head of the
// two rings (record slots and bytes) and the oldest are dropped from the tail when either ring
// is full (FIFO). A pair found in the index but sitting in the older half of either ring is
// written afresh at the head (the old copy stays readable until the tail reaches it), so names
// that keep being asked survive, and a name that an insert points an entry at stays readable
// for at least R/2 further records and B/2 - 1 KiB further bytes (one record and a wrap gap at
// most). An entry refers to a record by its 64-bit sequence number, never reused: the ref is
// valid while tail <= seq < head, so an entry whose record has been dropped yields a miss
// (counted in `staleNames`), never another name. When every answer carries a new name the name
// rings, not the entries, bound how long answers stay usable: size nameRecords and nameBytes
// up for such traffic.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "egressmon/core/huge_array.h"
#include "egressmon/core/ip_address.h"
#include "egressmon/core/time.h"
#include "egressmon/names/dns.h"

namespace egressmon {

struct NameCacheConfig {
  /// (client, server) entries; rounded up to a power of two in [4, 1 << 23].
  size_t entries = 262144;
  /// Shortest lifetime given to an answer: clients keep using an address well past short TTLs
  /// (and a TTL of 0 still led to a connection), so a 5-second record is kept this long.
  TimeUs ttlFloor = seconds(60);
  /// Longest lifetime given to an answer, bounding how stale a name can be when an address is
  /// reassigned; a ceiling below the floor is raised to the floor.
  TimeUs ttlCeiling = seconds(86400);
  /// Name records (distinct (name, canonical) pairs held); 0: entries / 4. Power of two >= 4.
  size_t nameRecords = 0;
  /// Bytes for name text; 0: 32 per name record. Power of two in [4096, 1 << 30].
  size_t nameBytes = 0;
};

struct NameCacheStats {
  uint64_t responses = 0;     // insert() calls that stored at least one answer
  uint64_t skipped = 0;       // insert() calls with no question name or no answers
  uint64_t inserts = 0;       // answers stored (new keys and overwrites)
  uint64_t overwritten = 0;   // answers that replaced the entry of the same key
  uint64_t evicted = 0;       // live entries displaced by another key because their set was full
  uint64_t hits = 0;          // lookup() hits
  uint64_t misses = 0;        // lookup() misses (including expired and staleNames)
  uint64_t sharedHits = 0;    // lookupAnyClient() hits
  uint64_t sharedMisses = 0;  // lookupAnyClient() misses (including expired and staleNames)
  uint64_t expired = 0;       // lookups that found their entry past its expiry
  uint64_t staleNames = 0;    // lookups that found a live entry whose name record was dropped
  uint64_t namesAdded = 0;    // name records written (new pairs and refreshed copies)
  uint64_t namesDropped = 0;  // name records dropped from the tail of the rings
  uint64_t namesStored = 0;   // gauge: distinct (name, canonical) pairs held
};

/// A cached name for an address. The views point into the cache and stay valid until the
/// next insert().
struct NameHit {
  std::string_view name;       // the name the client asked for (the DNS question)
  std::string_view canonical;  // the last CNAME target, or empty without a CNAME chain
  TimeUs expires = 0;          // packet time at which the answer stops being used
  bool shared = false;         // from lookupAnyClient(): some client resolved it, maybe another
};

/// The DNS answer cache. Engine thread only; nothing throws after construction.
class NameCache {
public:
  /// Allocates and clears every table (see the layout above); throws std::bad_alloc when
  /// memory is short. Out-of-range config values are clamped (config() shows the result).
  explicit NameCache(NameCacheConfig cfg);
  NameCache(const NameCache&) = delete;
  NameCache& operator=(const NameCache&) = delete;

  /// Stores every answer of `r` under (client, answer address) with the question name and the
  /// final CNAME target, expiring at now + clamp(ttl, floor, ceiling). `now` is packet time.
  /// Names are kept as given (parseDnsResponse lower-cases them). A response without a
  /// question name or answers stores nothing (counted in `skipped`).
  void insert(const IpAddress& client, const DnsResponse& r, TimeUs now);

  /// The name `client` resolved for `server`, if answered and not yet expired at `now`
  /// (packet time). On a miss `out` is left unchanged.
  bool lookup(const IpAddress& client, const IpAddress& server, TimeUs now, NameHit& out) const;

  /// Fallback: the most recent unexpired answer for `server` given to any client (useful when
  /// only a shared resolver's queries are seen). Hits have `shared` set, even when the answer
  /// was in fact this client's. On a miss `out` is left unchanged.
  bool lookupAnyClient(const IpAddress& server, TimeUs now, NameHit& out) const;
  /// lookup(), else lookupAnyClient(): the same answers and counters as calling the two in
  /// turn, with each hash computed once and the per-server set loading during the first.
  bool lookupOrAnyClient(const IpAddress& client, const IpAddress& server, TimeUs now,
                         NameHit& out) const;
  /// Starts loading the entry set lookup(client, server) reads and the per-server set
  /// lookupAnyClient(server) reads, so that their cache misses overlap each other and whatever
  /// the caller does before the look-ups. Changes nothing, counts nothing.
  void prefetch(const IpAddress& client, const IpAddress& server) const;

  const NameCacheStats& stats() const { return stats_; }
  /// The effective configuration after rounding and clamping.
  const NameCacheConfig& config() const { return cfg_; }
  /// Bytes held by the cache, fixed at construction.
  size_t memoryBytes() const;

private:
  struct Entry {
    IpAddress client;
    IpAddress server;
    TimeUs expires = INT64_MIN;  // empty ways sort first when choosing a victim
    uint64_t nameRef = 0;        // record sequence number; 0: empty way
  };
  struct SharedSet {  // 4 ways of the per-server index, two sets per cache line
    uint32_t slot[4] = {};     // (entry index + 1) << 8 | 8-bit server hash tag; 0: empty
    uint32_t expires[4] = {};  // the entry's expiry in whole seconds, rounded up
  };
  struct NameRecord {
    uint32_t hash = 0;    // 32-bit hash of the pair; its low bits are the index home position
    uint32_t offset = 0;  // into arena_: name bytes, then canonical bytes
    uint8_t nameLen = 0;
    uint8_t canonLen = 0;
    uint8_t indexed = 0;  // nameIndex_ points at this record (a refreshed old copy is not)
  };

  void storeAnswer(const IpAddress& client, const DnsResponse::Answer& a, uint64_t ref, TimeUs now,
                   uint64_t keyHash, uint64_t serverHash);
  void updateShared(const IpAddress& server, uint64_t serverHash, size_t entryIndex, TimeUs now);
  void unshare(const IpAddress& server, size_t entryIndex);
  bool resolve(const Entry& e, TimeUs now, NameHit& out) const;
  void prefetchSets(size_t base, uint64_t serverHash) const;
  bool lookupIn(size_t base, const IpAddress& client, const IpAddress& server, TimeUs now,
                NameHit& out) const;
  bool lookupAnyClientIn(uint64_t serverHash, const IpAddress& server, TimeUs now,
                         NameHit& out) const;
  uint64_t intern(std::string_view name, std::string_view canonical);
  uint64_t append(std::string_view name, std::string_view canonical, uint32_t hash);
  void dropTail();
  void unindex(size_t pos);
  uint64_t seqOfSlot(size_t slot) const;
  bool isOld(uint64_t seq, const NameRecord& rec) const;

  NameCacheConfig cfg_;
  HugeArray<Entry> entries_;
  HugeArray<SharedSet> shared_;
  HugeArray<NameRecord> records_;
  HugeArray<uint32_t> nameIndex_;
  HugeArray<char> arena_;
  size_t setMask_ = 0;
  size_t sharedSetMask_ = 0;
  size_t recordMask_ = 0;
  size_t indexMask_ = 0;
  size_t arenaMask_ = 0;
  uint64_t headSeq_ = 1;  // next record sequence number (0 is the empty ref)
  uint64_t tailSeq_ = 1;  // oldest record still held
  uint64_t headPos_ = 0;  // arena position (counting wraps) where the next record goes
  uint64_t tailPos_ = 0;  // arena position (counting wraps) of the oldest record
  mutable NameCacheStats stats_;
};

}  // namespace egressmon

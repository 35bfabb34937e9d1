#pragma once
// The flow table: owned by exactly one thread (the engine thread), which feeds it decoded
// packets and packet time. No locks; other threads reach it only through messages to that
// thread. Flows live in a chunked slab addressed by 32-bit indices; an open-addressing index
// maps keys to slab slots; one intrusive LRU list per timeout class gives O(1) expiry and
// longest-idle eviction. Nothing is allocated per packet.
#include <array>
#include <cstring>
#include <cstdint>
#include <memory>
#include <vector>

#include "egressmon/core/huge_array.h"
#include "egressmon/core/time.h"
#include "egressmon/decode/packet.h"
#include "egressmon/flow/flow.h"
#include "egressmon/flow/local_networks.h"

namespace egressmon {

struct FlowTimeouts {
  TimeUs tcpOpening = seconds(30);       // SYN without answer
  TimeUs tcpEstablished = seconds(3600); // idle established connection
  TimeUs tcpClosed = seconds(10);        // after FIN both ways or RST (late packets still match)
  TimeUs udp = seconds(60);
  TimeUs icmp = seconds(30);
  TimeUs other = seconds(60);
  TimeUs active = seconds(1800);         // cut a record of a flow alive this long (0 = never)
};

struct FlowTableConfig {
  FlowTimeouts timeouts;
  uint32_t maxFlows = 1'000'000;         // hard capacity; beyond it the longest-idle is evicted
  uint32_t fragmentSlots = 4096;         // first-fragment memory for matching later fragments
  TimeUs fragmentTimeout = seconds(30);
};

/// Receives flow events on the table's thread. onFlowStart may fill fields the table does not
/// own (remoteGeo, later names and apps); onFlowEnd sees the flow before its slot is reused.
class FlowObserver {
public:
  virtual ~FlowObserver() = default;
  virtual void onFlowStart(Flow& flow) = 0;
  virtual void onFlowEnd(const Flow& flow, EndReason reason) = 0;
};

struct FlowTableStats {
  uint64_t packets = 0;             // packets counted to a flow
  uint64_t flowsCreated = 0;
  uint64_t flowsEnded = 0;          // idle + evicted + end-of-input records
  uint64_t idleExpired = 0;
  uint64_t activeRecords = 0;       // records cut by the active timeout
  uint64_t evicted = 0;             // flows removed because the table was full
  uint64_t fragmentsMatched = 0;    // later fragments counted to their flow
  uint64_t fragmentsUnmatched = 0;  // later fragments with no known first fragment
  uint64_t peakFlows = 0;
};

class FlowTable {
public:
  FlowTable(FlowTableConfig cfg, const LocalNetworks& local, FlowObserver& observer);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  /// Counts one decoded packet (status Ok) to its flow, creating the flow if needed.
  void onPacket(const PacketView& p);

  /// The canonical key and hash of a packet, computed ahead so a batch of packets can have
  /// their index slots and flows prefetched before any is counted (memory-level parallelism).
  struct PreparedKey {
    FlowKey key;
    uint32_t hash = 0;
    bool srcIsA = true;
  };
  /// False for packets without a key of their own (later IP fragments).
  static bool prepare(const PacketView& p, PreparedKey& out);
  /// Hints only: results are never trusted, so flows created or ended in between are fine.
  void prefetchIndex(uint32_t hash) const;
  /// Also says whether the packet will start a flow: true when no flow has the hash (a flow
  /// created in between, or a probe run longer than the hint follows, makes it wrong).
  bool prefetchFlow(uint32_t hash) const;
  /// For a packet that starts a flow: whether its source will be the flow's local side.
  bool localIsSrc(const PacketView& p) const;
  /// onPacket() with the key already prepared by prepare() for this very packet. Does not
  /// move time: the caller calls advance() (once per batch is enough: expiry has a
  /// granularity of one second of packet time anyway). Returns the flow the packet was
  /// counted to (valid until the next call), or null for a later fragment.
  Flow* onPacket(const PacketView& p, const PreparedKey& key);
  /// Moves packet time forward and ends idle flows. Cheap when called often.
  void advance(TimeUs now);
  /// Ends every flow with EndReason::EndOfInput (end of capture, shutdown).
  void flushAll();

  size_t size() const { return live_; }
  const FlowTableStats& stats() const { return stats_; }
  const FlowTableConfig& config() const { return cfg_; }
  /// Bytes held by the slab and index (for memory accounting).
  size_t memoryBytes() const;

  /// Visits every live flow (queries, tests). fn(const Flow&).
  template <class Fn>
  void forEach(Fn&& fn) const {
    for (uint32_t i = 0; i < slabUsed_; ++i) {
      const Flow& f = at(i);
      if (f.bits & Flow::kInUse) fn(f);
    }
  }

private:
  static constexpr uint32_t kNil = 0xffffffffu;
  static constexpr uint32_t kChunkShift = 14;  // 16384 flows (2 MiB) per chunk
  static constexpr uint32_t kChunkSize = 1u << kChunkShift;

  struct Slot {
    uint32_t hash = 0;  // folded 32-bit key hash; its low bits are the home position
    uint32_t index = kNil;  // slab index, kNil when empty
  };
  struct List {
    uint32_t head = kNil;  // oldest lastSeen
    uint32_t tail = kNil;  // newest
  };
  struct FragEntry;

  Flow& at(uint32_t i) { return chunks_[i >> kChunkShift][i & (kChunkSize - 1)]; }
  const Flow& at(uint32_t i) const { return chunks_[i >> kChunkShift][i & (kChunkSize - 1)]; }

  uint32_t find(const FlowKey& k, uint32_t h) const;
  uint32_t create(const FlowKey& k, uint32_t h, const PacketView& p, bool srcIsA);
  bool localSideIsSrc(const PacketView& p, bool initiatorIsSrc, Locality& locality) const;
  void insertIndex(uint32_t h, uint32_t idx);
  void eraseIndex(const FlowKey& k, uint32_t h);
  void growIndex();
  uint32_t allocSlot();
  void end(uint32_t idx, EndReason r);
  void listPushBack(TimeoutClass c, uint32_t idx);
  void listUnlink(TimeoutClass c, uint32_t idx);
  void updateTcpState(uint32_t idx, uint8_t flags, bool out);
  TimeUs timeoutOf(TimeoutClass c) const;
  void evictOne();
  void cutActiveRecord(Flow& f, TimeUs ts);
  void rememberFragment(const PacketView& p, uint32_t idx);
  bool countLaterFragment(const PacketView& p);

  FlowTableConfig cfg_;
  const LocalNetworks& local_;
  FlowObserver& observer_;
  std::vector<HugeArray<Flow>> chunks_;  // 2 MiB each: one huge page per chunk
  uint32_t slabUsed_ = 0;      // high-water mark of slab indices
  uint32_t freeHead_ = kNil;   // free list threaded through lruNext
  HugeArray<Slot> index_;
  uint32_t indexMask_ = 0;
  size_t live_ = 0;
  std::array<List, size_t(TimeoutClass::kCount)> lists_{};
  std::vector<FragEntry> frags_;
  TimeUs now_ = 0;
  TimeUs nextExpiry_ = 0;
  uint64_t nextId_ = 1;
  FlowTableStats stats_;
};

namespace flow_detail {

inline uint32_t fold(uint64_t h) { return uint32_t(h ^ (h >> 32)); }

inline uint64_t loadBe64(const uint8_t* b) {
  uint64_t v;
  std::memcpy(&v, b, 8);
  return __builtin_bswap64(v);
}

inline int compareAddr(const IpAddress& x, const IpAddress& y) {
  const uint64_t x0 = loadBe64(x.data()), y0 = loadBe64(y.data());
  if (x0 != y0) return x0 < y0 ? -1 : 1;
  const uint64_t x1 = loadBe64(x.data() + 8), y1 = loadBe64(y.data() + 8);
  if (x1 != y1) return x1 < y1 ? -1 : 1;
  return 0;
}

}  // namespace flow_detail

// The per-packet helpers are inline: the engine calls them for every packet.
inline bool FlowTable::prepare(const PacketView& p, PreparedKey& out) {
  if (p.isFragment && p.fragOffset != 0) return false;
  FlowKey& k = out.key;
  // Compare addresses as two 64-bit halves: cheaper than memcmp, same order (big-endian).
  const int c = flow_detail::compareAddr(p.src, p.dst);
  out.srcIsA = c < 0 || (c == 0 && p.sport <= p.dport);
  if (out.srcIsA) {
    k.a = p.src;
    k.b = p.dst;
    k.portA = p.sport;
    k.portB = p.dport;
  } else {
    k.a = p.dst;
    k.b = p.src;
    k.portA = p.dport;
    k.portB = p.sport;
  }
  k.proto = p.proto;
  out.hash = flow_detail::fold(hashFlowKey(k));
  return true;
}

inline void FlowTable::prefetchIndex(uint32_t hash) const {
  __builtin_prefetch(&index_[hash & indexMask_]);
}

}  // namespace egressmon

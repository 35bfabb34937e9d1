#include "egressmon/flow/flow_table.h"

#include <cassert>
#include <cstring>

namespace egressmon {

namespace {

constexpr uint32_t kInitialIndexSlots = 4096;

// Adds one packet to a flow's counters in its direction (out = sent by the local side).
void countTo(Flow& f, bool out, const PacketView& p) {
  if (out) {
    f.bytesOut += p.ipLen;
    ++f.pktsOut;
    if (p.payloadWireLen != 0) f.bits |= Flow::kDataOut;
  } else {
    f.bytesIn += p.ipLen;
    ++f.pktsIn;
  }
  if (p.ts > f.lastSeen) f.lastSeen = p.ts;
}

// Whole-key equality as five 64-bit words (padding is always zero).
bool sameKey(const FlowKey& x, const FlowKey& y) {
  uint64_t a[5], b[5];
  std::memcpy(a, &x, sizeof a);
  std::memcpy(b, &y, sizeof b);
  return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4])) == 0;
}


uint32_t toSec(TimeUs t) { return t <= 0 ? 0u : uint32_t(t / kUsPerSec); }

bool isIcmp(uint8_t proto) { return proto == kProtoIcmp || proto == kProtoIcmpv6; }

TimeoutClass classOf(const Flow& f) {
  switch (f.state) {
    case FlowState::TcpOpening: return TimeoutClass::TcpOpening;
    case FlowState::TcpEstablished:
    case FlowState::TcpClosing: return TimeoutClass::TcpEstablished;
    case FlowState::TcpClosed: return TimeoutClass::TcpClosed;
    case FlowState::Active: break;
  }
  if (f.key.proto == kProtoUdp) return TimeoutClass::Udp;
  if (isIcmp(f.key.proto)) return TimeoutClass::Icmp;
  return TimeoutClass::Other;
}

// Who opened the flow, judged from its first packet: a handshake is certain, anything else
// is a guess (with the common server-port heuristic for replies seen first).
struct Initiator {
  bool isSrc = true;
  bool guessed = true;
};

Initiator initiatorFromFirstPacket(const PacketView& p) {
  if (p.proto == kProtoTcp) {
    if ((p.tcpFlags & kTcpSyn) && !(p.tcpFlags & kTcpAck)) return {true, false};
    if ((p.tcpFlags & kTcpSyn) && (p.tcpFlags & kTcpAck)) return {false, false};
  }
  if (isIcmp(p.proto) && p.hasPorts) {
    const bool v4 = p.proto == kProtoIcmp;
    const uint8_t request = v4 ? 8 : 128;
    const uint8_t reply = v4 ? 0 : 129;
    if (p.icmpType == request) return {true, false};
    if (p.icmpType == reply) return {false, false};
  }
  if ((p.proto == kProtoTcp || p.proto == kProtoUdp) && p.hasPorts && p.sport < 1024 &&
      p.dport >= 1024)
    return {false, true};
  return {true, true};
}

}  // namespace

struct FlowTable::FragEntry {
  IpAddress src;
  IpAddress dst;
  uint32_t fragId = 0;
  uint32_t flowIndex = kNil;
  uint64_t flowId = 0;
  TimeUs expires = 0;
  uint8_t proto = 0;
};

FlowTable::FlowTable(FlowTableConfig cfg, const LocalNetworks& local, FlowObserver& observer)
    : cfg_(cfg), local_(local), observer_(observer) {
  if (cfg_.maxFlows == 0) cfg_.maxFlows = 1;
  index_ = HugeArray<Slot>(kInitialIndexSlots);
  indexMask_ = kInitialIndexSlots - 1;
  uint32_t fragSlots = 1;
  while (fragSlots < cfg_.fragmentSlots) fragSlots <<= 1;
  frags_.resize(fragSlots);
}

FlowTable::~FlowTable() = default;

size_t FlowTable::memoryBytes() const {
  return chunks_.size() * kChunkSize * sizeof(Flow) + index_.size() * sizeof(Slot) +
         frags_.capacity() * sizeof(FragEntry);
}

TimeUs FlowTable::timeoutOf(TimeoutClass c) const {
  const auto& t = cfg_.timeouts;
  switch (c) {
    case TimeoutClass::TcpOpening: return t.tcpOpening;
    case TimeoutClass::TcpEstablished: return t.tcpEstablished;
    case TimeoutClass::TcpClosed: return t.tcpClosed;
    case TimeoutClass::Udp: return t.udp;
    case TimeoutClass::Icmp: return t.icmp;
    case TimeoutClass::Other:
    case TimeoutClass::kCount: break;
  }
  return t.other;
}

// ---- index (open addressing, linear probing, backward-shift deletion) ----

uint32_t FlowTable::find(const FlowKey& k, uint32_t h) const {
  for (uint32_t pos = h & indexMask_;; pos = (pos + 1) & indexMask_) {
    const Slot& s = index_[pos];
    if (s.index == kNil) return kNil;
    if (s.hash == h && sameKey(at(s.index).key, k)) return s.index;
  }
}

void FlowTable::insertIndex(uint32_t h, uint32_t idx) {
  if ((live_ + 1) * 10 > index_.size() * 7) growIndex();
  uint32_t pos = h & indexMask_;
  while (index_[pos].index != kNil) pos = (pos + 1) & indexMask_;
  index_[pos] = Slot{h, idx};
}

void FlowTable::growIndex() {
  HugeArray<Slot> old(index_.size() * 2);
  std::swap(old, index_);
  indexMask_ = uint32_t(index_.size() - 1);
  for (const Slot& s : old) {
    if (s.index == kNil) continue;
    uint32_t pos = s.hash & indexMask_;
    while (index_[pos].index != kNil) pos = (pos + 1) & indexMask_;
    index_[pos] = s;
  }
}

void FlowTable::eraseIndex(const FlowKey& k, uint32_t h) {
  uint32_t pos = h & indexMask_;
  while (true) {
    const Slot& s = index_[pos];
    assert(s.index != kNil && "erasing a key that is not indexed");
    if (s.index == kNil) return;
    if (s.hash == h && sameKey(at(s.index).key, k)) break;
    pos = (pos + 1) & indexMask_;
  }
  // Backward shift: pull later members of the probe run into the hole when their home
  // position does not lie cyclically in (hole, j].
  uint32_t hole = pos;
  for (uint32_t j = (hole + 1) & indexMask_; index_[j].index != kNil; j = (j + 1) & indexMask_) {
    const uint32_t home = index_[j].hash & indexMask_;
    const bool homeInRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!homeInRange) {
      index_[hole] = index_[j];
      hole = j;
    }
  }
  index_[hole] = Slot{0, kNil};
}

// ---- slab ----

uint32_t FlowTable::allocSlot() {
  if (freeHead_ != kNil) {
    const uint32_t idx = freeHead_;
    freeHead_ = at(idx).lruNext;
    return idx;
  }
  if ((slabUsed_ >> kChunkShift) >= chunks_.size())
    chunks_.emplace_back(kChunkSize);
  return slabUsed_++;
}

// ---- LRU lists (lazy: a flow is requeued only when found at a list head) ----

void FlowTable::listPushBack(TimeoutClass c, uint32_t idx) {
  List& l = lists_[size_t(c)];
  Flow& f = at(idx);
  f.tclass = c;
  // Queue times must not decrease along a list (expiry stops at the first live head). When
  // packet time went backwards (merged captures), the flow takes the tail's time: its expiry
  // is then late by at most that skew, never early.
  f.queuedSec = toSec(f.lastSeen);
  if (l.tail != kNil && at(l.tail).queuedSec > f.queuedSec) f.queuedSec = at(l.tail).queuedSec;
  f.lruPrev = l.tail;
  f.lruNext = kNil;
  if (l.tail != kNil) at(l.tail).lruNext = idx;
  else l.head = idx;
  l.tail = idx;
}

void FlowTable::listUnlink(TimeoutClass c, uint32_t idx) {
  List& l = lists_[size_t(c)];
  Flow& f = at(idx);
  if (f.lruPrev != kNil) at(f.lruPrev).lruNext = f.lruNext;
  else l.head = f.lruNext;
  if (f.lruNext != kNil) at(f.lruNext).lruPrev = f.lruPrev;
  else l.tail = f.lruPrev;
  f.lruPrev = f.lruNext = kNil;
}

// ---- flow lifecycle ----

bool FlowTable::localSideIsSrc(const PacketView& p, bool initiatorIsSrc, Locality& locality) const {
  const bool srcLocal = local_.contains(p.src);
  const bool dstLocal = local_.contains(p.dst);
  if (srcLocal != dstLocal) {
    locality = Locality::LocalRemote;
    return srcLocal;
  }
  locality = srcLocal ? Locality::LocalLocal : Locality::RemoteRemote;
  return initiatorIsSrc;
}

bool FlowTable::localIsSrc(const PacketView& p) const {
  Locality unused;
  return localSideIsSrc(p, initiatorFromFirstPacket(p).isSrc, unused);
}

uint32_t FlowTable::create(const FlowKey& k, uint32_t h, const PacketView& p, bool srcIsA) {
  if (live_ >= cfg_.maxFlows) evictOne();
  const uint32_t idx = allocSlot();
  Flow& f = at(idx);
  f = Flow{};
  f.key = k;
  f.firstSeen = f.lastSeen = p.ts;
  f.id = nextId_++;

  const Initiator ini = initiatorFromFirstPacket(p);
  const bool localIsSrc = localSideIsSrc(p, ini.isSrc, f.locality);
  uint8_t bits = Flow::kInUse;
  if (localIsSrc == srcIsA) bits |= Flow::kLocalIsA;
  if (ini.isSrc == localIsSrc) bits |= Flow::kInitiatorLocal;
  if (ini.guessed) bits |= Flow::kInitiatorGuessed;
  f.bits = bits;
  if (p.proto == kProtoTcp) f.state = FlowState::TcpOpening;

  insertIndex(h, idx);
  ++live_;
  ++stats_.flowsCreated;
  if (live_ > stats_.peakFlows) stats_.peakFlows = live_;
  observer_.onFlowStart(f);
  listPushBack(classOf(f), idx);
  return idx;
}

void FlowTable::end(uint32_t idx, EndReason r) {
  Flow& f = at(idx);
  observer_.onFlowEnd(f, r);
  ++stats_.flowsEnded;
  if (r == EndReason::IdleTimeout) ++stats_.idleExpired;
  if (r == EndReason::Evicted) ++stats_.evicted;
  listUnlink(f.tclass, idx);
  eraseIndex(f.key, flow_detail::fold(hashFlowKey(f.key)));
  f.bits = 0;
  f.lruNext = freeHead_;
  freeHead_ = idx;
  --live_;
}

void FlowTable::evictOne() {
  // Normalise each list head (requeue flows touched since they were queued), then evict the
  // head with the oldest lastSeen across all lists.
  uint32_t victim = kNil;
  for (size_t c = 0; c < lists_.size(); ++c) {
    List& l = lists_[c];
    while (l.head != kNil) {
      Flow& h = at(l.head);
      if (toSec(h.lastSeen) <= h.queuedSec) break;
      const uint32_t idx = l.head;
      listUnlink(TimeoutClass(c), idx);
      listPushBack(TimeoutClass(c), idx);
    }
    if (l.head != kNil && (victim == kNil || at(l.head).lastSeen < at(victim).lastSeen))
      victim = l.head;
  }
  if (victim != kNil) end(victim, EndReason::Evicted);
}

void FlowTable::advance(TimeUs now) {
  if (now > now_) now_ = now;
  if (now_ < nextExpiry_) return;
  nextExpiry_ = now_ + kUsPerSec;  // expiry runs at most once per second of packet time
  for (size_t c = 0; c < lists_.size(); ++c) {
    const TimeUs timeout = timeoutOf(TimeoutClass(c));
    List& l = lists_[c];
    while (l.head != kNil) {
      const uint32_t idx = l.head;
      Flow& h = at(idx);
      if (h.lastSeen + timeout <= now_) {
        end(idx, EndReason::IdleTimeout);
      } else if (toSec(h.lastSeen) > h.queuedSec) {
        listUnlink(TimeoutClass(c), idx);
        listPushBack(TimeoutClass(c), idx);
      } else {
        // Every later flow was queued no earlier than this one and has lastSeen >= its queue
        // time, so none of them can have expired yet.
        break;
      }
    }
  }
}

void FlowTable::flushAll() {
  for (size_t c = 0; c < lists_.size(); ++c)
    while (lists_[c].head != kNil) end(lists_[c].head, EndReason::EndOfInput);
}

void FlowTable::cutActiveRecord(Flow& f, TimeUs ts) {
  observer_.onFlowEnd(f, EndReason::ActiveTimeout);
  ++stats_.activeRecords;
  ++stats_.flowsEnded;
  f.firstSeen = ts;
  f.bytesOut = f.bytesIn = 0;
  f.pktsOut = f.pktsIn = 0;
  if (f.records < UINT16_MAX) ++f.records;
}

void FlowTable::updateTcpState(uint32_t idx, uint8_t flags, bool out) {
  Flow& f = at(idx);
  (out ? f.tcpFlagsOut : f.tcpFlagsIn) |= flags;
  const uint8_t all = f.tcpFlagsOut | f.tcpFlagsIn;
  FlowState s = f.state;
  if (all & kTcpRst) {
    s = FlowState::TcpClosed;
  } else if ((f.tcpFlagsOut & kTcpFin) && (f.tcpFlagsIn & kTcpFin)) {
    s = FlowState::TcpClosed;
  } else if (all & kTcpFin) {
    s = FlowState::TcpClosing;
  } else if (s == FlowState::TcpOpening && (!(flags & kTcpSyn) || (flags & kTcpAck))) {
    // A SYN-ACK, or anything after the SYN (mid-stream pick-ups included), means the
    // connection is up as far as a passive observer can tell.
    s = FlowState::TcpEstablished;
  }
  if (s != f.state) {
    f.state = s;
    const TimeoutClass c = classOf(f);
    if (c != f.tclass) {
      listUnlink(f.tclass, idx);
      listPushBack(c, idx);
    }
  }
}

// ---- fragments ----

namespace {
uint32_t fragHash(const IpAddress& s, const IpAddress& d, uint32_t id, uint8_t proto) {
  FlowKey k;
  k.a = s;
  k.b = d;
  k.portA = uint16_t(id);
  k.portB = uint16_t(id >> 16);
  k.proto = proto;
  return flow_detail::fold(hashFlowKey(k));
}
}  // namespace

void FlowTable::rememberFragment(const PacketView& p, uint32_t idx) {
  FragEntry& e = frags_[fragHash(p.src, p.dst, p.fragId, p.proto) & (frags_.size() - 1)];
  e.src = p.src;
  e.dst = p.dst;
  e.fragId = p.fragId;
  e.proto = p.proto;
  e.flowIndex = idx;
  e.flowId = at(idx).id;
  e.expires = p.ts + cfg_.fragmentTimeout;
}

bool FlowTable::countLaterFragment(const PacketView& p) {
  const FragEntry& e = frags_[fragHash(p.src, p.dst, p.fragId, p.proto) & (frags_.size() - 1)];
  if (e.flowIndex == kNil || e.fragId != p.fragId || e.proto != p.proto || !(e.src == p.src) ||
      !(e.dst == p.dst) || p.ts > e.expires)
    return false;
  Flow& f = at(e.flowIndex);
  if (!(f.bits & Flow::kInUse) || f.id != e.flowId) return false;
  countTo(f, p.src == f.localAddr(), p);
  return true;
}

// ---- the packet path ----

bool FlowTable::prefetchFlow(uint32_t hash) const {
  // Follow the probe run to the first slot with this hash: with linear probing the home slot
  // often holds another flow. Bounded, since this is only a hint.
  uint32_t pos = hash & indexMask_;
  for (int i = 0; i < 8; ++i, pos = (pos + 1) & indexMask_) {
    const Slot& s = index_[pos];
    if (s.index == kNil) return true;
    if (s.hash == hash) {
      const Flow* f = &at(s.index);
      __builtin_prefetch(f, 1);
      __builtin_prefetch(reinterpret_cast<const char*>(f) + 64, 1);
      return false;
    }
  }
  return false;
}

void FlowTable::onPacket(const PacketView& p) {
  advance(p.ts);
  PreparedKey pk;
  prepare(p, pk);  // nothing to prepare for later fragments: onPacket handles those first
  onPacket(p, pk);
}

Flow* FlowTable::onPacket(const PacketView& p, const PreparedKey& pk) {

  if (p.isFragment && p.fragOffset != 0) {
    if (countLaterFragment(p)) {
      ++stats_.fragmentsMatched;
      ++stats_.packets;
    } else {
      ++stats_.fragmentsUnmatched;
    }
    return nullptr;
  }

  const FlowKey& k = pk.key;
  const uint32_t h = pk.hash;
  const bool srcIsA = pk.srcIsA;

  uint32_t idx = find(k, h);
  if (idx != kNil && p.proto == kProtoTcp && at(idx).state == FlowState::TcpClosed &&
      (p.tcpFlags & kTcpSyn) && !(p.tcpFlags & kTcpAck)) {
    // A fresh SYN on a closed connection's 4-tuple is a new connection (port reuse).
    end(idx, EndReason::IdleTimeout);
    idx = kNil;
  }
  if (idx == kNil) idx = create(k, h, p, srcIsA);

  Flow& f = at(idx);
  if (cfg_.timeouts.active > 0 && p.ts - f.firstSeen >= cfg_.timeouts.active)
    cutActiveRecord(f, p.ts);

  const bool out = srcIsA == f.localIsA();
  countTo(f, out, p);
  if (p.proto == kProtoTcp) updateTcpState(idx, p.tcpFlags, out);
  if (p.isFragment && p.moreFragments) rememberFragment(p, idx);
  ++stats_.packets;
  return &f;
}

}  // namespace egressmon

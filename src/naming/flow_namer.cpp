#include "egressmon/naming/flow_namer.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <vector>

#include "egressmon/apps/app_catalog.h"
#include "egressmon/core/hash.h"
#include "egressmon/names/dns.h"
#include "egressmon/names/http.h"
#include "egressmon/names/quic.h"
#include "egressmon/names/stream_prefix.h"
#include "egressmon/names/tls.h"

namespace egressmon {

std::string_view nameSourceName(NameSource s) {
  switch (s) {
    case NameSource::None: return "none";
    case NameSource::Dns: return "dns";
    case NameSource::Http: return "http";
    case NameSource::Sni: return "sni";
    case NameSource::Quic: return "quic";
  }
  return "none";
}

namespace {

int precedence(NameSource s) {
  switch (s) {
    case NameSource::Sni:
    case NameSource::Quic: return 3;
    case NameSource::Http: return 2;
    case NameSource::Dns: return 1;
    case NameSource::None: break;
  }
  return 0;
}

// Resolvers whose traffic hides the names a client looks up next: DNS over HTTPS endpoints by
// name, and their anycast addresses (DNS over TLS is told by port 853 alone). From each
// operator's public documentation (Google Public DNS, Cloudflare 1.1.1.1, Quad9, OpenDNS,
// NextDNS, AdGuard, Mullvad).
constexpr std::string_view kEncryptedDnsNames[] = {
    "dns.google", "dns.google.com", "cloudflare-dns.com", "one.one.one.one", "1dot1dot1dot1.cloudflare-dns.com",
    "mozilla.cloudflare-dns.com", "security.cloudflare-dns.com", "family.cloudflare-dns.com",
    "dns.quad9.net", "dns9.quad9.net", "dns10.quad9.net", "dns11.quad9.net", "doh.opendns.com",
    "dns.nextdns.io", "dns.adguard-dns.com", "dns.adguard.com", "doh.mullvad.net", "dns.mullvad.net",
    "chrome.cloudflare-dns.com", "doh.dns.sb", "dns.alidns.com", "doh.pub", "doh.360.cn"};
constexpr std::string_view kEncryptedDnsAddrs[] = {
    "8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "149.112.112.112", "208.67.222.222",
    "208.67.220.220", "94.140.14.14", "94.140.15.15", "2001:4860:4860::8888",
    "2001:4860:4860::8844", "2606:4700:4700::1111", "2606:4700:4700::1001", "2620:fe::fe",
    "2620:fe::9", "223.5.5.5", "223.6.6.6"};

bool isEncryptedDnsName(std::string_view name) {
  return std::find(std::begin(kEncryptedDnsNames), std::end(kEncryptedDnsNames), name) !=
         std::end(kEncryptedDnsNames);
}

// An address as two words, compared for equality only (a linear scan over 18 beats a sorted
// search of 16-byte keys compared by memcmp).
struct AddrWords {
  uint64_t hi = 0;
  uint64_t lo = 0;
  explicit AddrWords(const IpAddress& a) {
    std::memcpy(&hi, a.data(), 8);
    std::memcpy(&lo, a.data() + 8, 8);
  }
  friend bool operator==(const AddrWords&, const AddrWords&) = default;
};

// Flow id (never 0) -> its inspection slot, for at most as many flows as there are slots:
// open addressing at half load or less, linear probing, deletion by backward shift (no
// tombstones, so churn never forces a rehash). Allocates once, in init().
class SlotIndex {
public:
  static constexpr uint32_t kNone = UINT32_MAX;
  void init(size_t slots) {
    const size_t cells = std::bit_ceil(std::max<size_t>(2 * slots, 16));
    cells_.assign(cells, Cell{});
    shift_ = 64 - unsigned(std::countr_zero(cells));
    live_ = 0;
  }
  uint32_t find(uint64_t id) const {
    const size_t mask = cells_.size() - 1;
    for (size_t i = home(id);; i = (i + 1) & mask) {
      if (cells_[i].key == id) return cells_[i].slot;
      if (cells_[i].key == 0) return kNone;
    }
  }
  /// `id` must not be in the index, and the index must hold fewer flows than init()'s slots.
  void insert(uint64_t id, uint32_t slot) {
    const size_t mask = cells_.size() - 1;
    size_t i = home(id);
    while (cells_[i].key != 0) i = (i + 1) & mask;
    cells_[i] = Cell{id, slot};
    ++live_;
  }
  /// Removes id and returns its slot; kNone when absent.
  uint32_t take(uint64_t id) {
    if (live_ == 0) return kNone;
    const size_t mask = cells_.size() - 1;
    for (size_t i = home(id); cells_[i].key != 0; i = (i + 1) & mask) {
      if (cells_[i].key == id) {
        const uint32_t slot = cells_[i].slot;
        eraseAt(i);
        return slot;
      }
    }
    return kNone;
  }

private:
  struct Cell {
    uint64_t key = 0;  // flow id; 0: empty
    uint32_t slot = 0;
  };
  size_t home(uint64_t id) const { return size_t((id * 0x9e3779b97f4a7c15ull) >> shift_); }
  void eraseAt(size_t i) {
    const size_t mask = cells_.size() - 1;
    for (size_t j = (i + 1) & mask; cells_[j].key != 0; j = (j + 1) & mask) {
      // cells_[j] may move back to i unless its home lies cyclically in (i, j].
      if (((j - home(cells_[j].key)) & mask) >= ((j - i) & mask)) {
        cells_[i] = cells_[j];
        i = j;
      }
    }
    cells_[i].key = 0;
    --live_;
  }
  std::vector<Cell> cells_;
  unsigned shift_ = 63;
  size_t live_ = 0;
};

// Interned (host name, ALPN) pairs with reference counts; id 0 means "no name". The text lives
// in one arena in power-of-two blocks recycled through a free list per size; an open-addressing
// index of (id, hash) finds a pair. Every container only grows to its high-water mark, so once
// warm, interning and releasing allocate nothing.
class NameTable {
public:
  explicit NameTable(uint32_t maxNames) : maxNames_(maxNames) {
    entries_.emplace_back();  // id 0
    index_.assign(1024, Slot{});
  }
  /// The id of (name, alpn) with one more reference, or 0 when the table holds maxNames.
  uint32_t intern(std::string_view name, std::string_view alpn) {
    if (name.size() > UINT16_MAX || alpn.size() > UINT16_MAX) return 0;
    uint64_t h = hashBytes(name, 0x2545f4914f6cdd1dull);
    if (!alpn.empty()) h = hashBytes(alpn, h);
    h = fmix64(h);
    const uint32_t tag = uint32_t(h >> 32);
    const size_t mask = index_.size() - 1;
    size_t i = tag & mask;
    for (; index_[i].id != 0; i = (i + 1) & mask) {
      if (index_[i].tag != tag) continue;
      Entry& e = entries_[index_[i].id];
      if (e.nameLen == name.size() && e.alpnLen == alpn.size() &&
          std::memcmp(arena_.data() + e.offset, name.data(), name.size()) == 0 &&
          (alpn.empty() ||
           std::memcmp(arena_.data() + e.offset + e.nameLen, alpn.data(), alpn.size()) == 0)) {
        ++e.refs;
        return index_[i].id;
      }
    }
    uint32_t id;
    if (!freeIds_.empty()) {
      id = freeIds_.back();
      freeIds_.pop_back();
    } else {
      if (entries_.size() > maxNames_) return 0;
      id = uint32_t(entries_.size());
      entries_.emplace_back();
      if (freeIds_.capacity() < entries_.size()) freeIds_.reserve(entries_.capacity());
    }
    Entry& e = entries_[id];
    e.nameLen = uint16_t(name.size());
    e.alpnLen = uint16_t(alpn.size());
    e.refs = 1;
    e.tag = tag;
    e.encryptedDns = isEncryptedDnsName(name);
    e.memoSet = false;
    e.sizeClass = classOf(name.size() + alpn.size());
    e.offset = takeBlock(e.sizeClass);
    std::memcpy(arena_.data() + e.offset, name.data(), name.size());
    if (!alpn.empty())
      std::memcpy(arena_.data() + e.offset + name.size(), alpn.data(), alpn.size());
    if ((++live_) * 2 > index_.size()) {
      grow();  // places the new id too
    } else {
      index_[i] = Slot{id, tag};
    }
    return id;
  }
  void unref(uint32_t id) {
    if (id == 0 || id >= entries_.size() || entries_[id].refs == 0) return;
    Entry& e = entries_[id];
    if (--e.refs != 0) return;
    eraseFromIndex(id, e.tag);
    freeBlocks_[e.sizeClass].push_back(e.offset);  // capacity reserved in takeBlock()
    freeIds_.push_back(id);                        // capacity reserved in intern()
    --live_;
  }
  std::string_view name(uint32_t id) const {
    const Entry& e = entries_[id];
    return {arena_.data() + e.offset, e.nameLen};
  }
  std::string_view alpn(uint32_t id) const {
    const Entry& e = entries_[id];
    return {arena_.data() + e.offset + e.nameLen, e.alpnLen};
  }
  bool encryptedDns(uint32_t id) const { return entries_[id].encryptedDns; }
  /// What the catalog's host-name rules say of the name for `port`, matched once per name and
  /// port while the name is held: flows to one host name mostly share a port, so most flows
  /// reuse the answer (the catalog is fixed for the namer's life).
  AppMatch hostMatch(uint32_t id, uint16_t port, const AppCatalog& catalog) {
    Entry& e = entries_[id];
    if (!e.memoSet || e.memoPort != port) {
      e.memo = catalog.matchHostName(name(id), port);
      e.memoPort = port;
      e.memoSet = true;
    }
    return e.memo;
  }

private:
  static constexpr unsigned kMinBlockBits = 4;  // 16 bytes
  static constexpr unsigned kClasses = 14;      // up to 128 KiB: any name and ALPN
  struct Entry {
    uint32_t offset = 0;  // of the name in arena_; the ALPN follows it
    uint32_t refs = 0;
    uint32_t tag = 0;     // high half of the hash
    uint16_t nameLen = 0;
    uint16_t alpnLen = 0;
    uint8_t sizeClass = 0;
    bool encryptedDns = false;  // the name is a DNS-over-HTTPS resolver's
    bool memoSet = false;       // memo holds the host-name match for memoPort
    uint16_t memoPort = 0;
    AppMatch memo;
  };
  struct Slot {
    uint32_t id = 0;  // 0: empty
    uint32_t tag = 0;
  };
  static uint8_t classOf(size_t bytes) {
    const size_t block = std::bit_ceil(std::max<size_t>(bytes, size_t(1) << kMinBlockBits));
    return uint8_t(std::countr_zero(block) - int(kMinBlockBits));
  }
  uint32_t takeBlock(uint8_t c) {
    std::vector<uint32_t>& list = freeBlocks_[c];
    if (!list.empty()) {
      const uint32_t off = list.back();
      list.pop_back();
      return off;
    }
    const uint32_t off = uint32_t(arena_.size());
    arena_.resize(arena_.size() + (size_t(1) << (c + kMinBlockBits)));
    if (list.capacity() < ++blocks_[c]) list.reserve(std::max<size_t>(16, 2 * blocks_[c]));
    return off;
  }
  void eraseFromIndex(uint32_t id, uint32_t tag) {
    const size_t mask = index_.size() - 1;
    size_t i = tag & mask;
    while (index_[i].id != id) i = (i + 1) & mask;
    for (size_t j = (i + 1) & mask; index_[j].id != 0; j = (j + 1) & mask) {
      if (((j - (index_[j].tag & mask)) & mask) >= ((j - i) & mask)) {
        index_[i] = index_[j];
        i = j;
      }
    }
    index_[i] = Slot{};
  }
  void grow() {
    std::vector<Slot> bigger(index_.size() * 2);
    const size_t mask = bigger.size() - 1;
    for (uint32_t id = 1; id < entries_.size(); ++id) {
      if (entries_[id].refs == 0) continue;
      size_t i = entries_[id].tag & mask;
      while (bigger[i].id != 0) i = (i + 1) & mask;
      bigger[i] = Slot{id, entries_[id].tag};
    }
    index_.swap(bigger);
  }

  uint32_t maxNames_;
  uint32_t live_ = 0;
  std::vector<Entry> entries_;
  std::vector<uint32_t> freeIds_;
  std::vector<char> arena_;
  std::array<std::vector<uint32_t>, kClasses> freeBlocks_;
  std::array<size_t, kClasses> blocks_{};  // blocks ever cut per class
  std::vector<Slot> index_;
};

}  // namespace

struct FlowNamer::Impl {
  explicit Impl(uint32_t maxNames) : names(maxNames) {}

  NameTable names;

  // Inspection slots, one per flow being reassembled. The state of each lives in raw storage,
  // constructed when first needed, so slots never used cost no memory.
  enum class Kind : uint8_t {
    Tls,
    Http,
    Quic,
    Start,  // assembling from the known stream start; its first segment has not come yet
    Held,   // segments held in a HeldSegments until the one they follow comes
    Dns,    // a DNS server's TCP stream, once a response split: from its last message boundary
  };
  enum class Holds : uint8_t { Nothing, Assembler, Quic, Held };
  struct SlotInfo {
    Kind kind = Kind::Tls;
    Holds holds = Holds::Nothing;
    uint16_t consumed = 0;  // Kind::Dns: assembled bytes already read as whole messages
    uint32_t base = 0;      // Kind::Dns: sequence number of the assembler's first byte
  };
  static_assert(std::is_trivially_destructible_v<StreamPrefixAssembler> &&
                std::is_trivially_destructible_v<QuicInitialReader> &&
                std::is_trivially_destructible_v<HeldSegments>);
  static constexpr size_t kStride =
      (std::max({sizeof(StreamPrefixAssembler), sizeof(QuicInitialReader), sizeof(HeldSegments)}) +
       63) & ~size_t(63);
  static constexpr uint32_t kNoSlot = SlotIndex::kNone;
  std::vector<SlotInfo> slots;
  std::unique_ptr<std::byte[]> slotMemory;
  // Free slots whose storage holds an assembler (reset, not rebuilt: 16 KiB not cleared), and
  // the others.
  std::vector<uint32_t> freeAssemblers;
  std::vector<uint32_t> freeOthers;
  SlotIndex slotOf;
  uint32_t held = 0;           // slots of kind Held
  uint32_t maxHeld = 0;        // at most half the slots wait on a guess
  // Where each client's stream starts (its SYN's sequence number + 1), in a ring indexed by the
  // flow id's low bits. Flow ids count up as flows are created, so SYNs are written almost in
  // sequence and nothing is ever erased; an entry is overwritten once kIsnRing more flows were
  // created, long after a live link's handshakes are over. Only a first payload that does not
  // start a ClientHello or request looks here.
  struct IsnEntry {
    uint32_t tag = 0;  // id >> kIsnRingBits, plus one (0: empty)
    uint32_t isn = 0;
  };
  static constexpr unsigned kIsnRingBits = 18;
  static constexpr size_t kIsnRing = size_t(1) << kIsnRingBits;  // 2 MiB
  struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
  };
  // calloc: pages of zeros are mapped as they are first written, not cleared up front
  std::unique_ptr<IsnEntry[], FreeDeleter> isnRing{
      static_cast<IsnEntry*>(std::calloc(kIsnRing, sizeof(IsnEntry)))};
  static uint32_t isnTag(uint64_t flowId) { return uint32_t(flowId >> kIsnRingBits) + 1; }
  void noteIsn(uint64_t flowId, uint32_t isn) {
    isnRing[flowId & (kIsnRing - 1)] = IsnEntry{isnTag(flowId), isn};
  }
  bool findIsn(uint64_t flowId, uint32_t& isn) const {
    const IsnEntry& e = isnRing[flowId & (kIsnRing - 1)];
    if (e.tag != isnTag(flowId)) return false;
    isn = e.isn;
    return true;
  }

  std::vector<AddrWords> encryptedDnsAddrs;
  DnsResponse dns;         // scratch, reused
  ClientHelloInfo hello;   // scratch
  HttpRequestInfo http;    // scratch
  HeldSegments heldCopy;   // scratch while held segments become an assembler

  template <class T>
  T& state(uint32_t slot) {
    return *std::launder(reinterpret_cast<T*>(slotMemory.get() + size_t(slot) * kStride));
  }
  template <class T>
  T& construct(uint32_t slot, Holds h) {
    slots[slot].holds = h;
    return *::new (slotMemory.get() + size_t(slot) * kStride) T();
  }
  /// A free slot for `kind`, mapped to the flow; kNoSlot when none is free.
  uint32_t take(uint64_t flowId, Kind kind) {
    const bool assembler = kind != Kind::Quic && kind != Kind::Held;
    std::vector<uint32_t>& first = assembler ? freeAssemblers : freeOthers;
    std::vector<uint32_t>& second = assembler ? freeOthers : freeAssemblers;
    std::vector<uint32_t>& from = first.empty() ? second : first;
    if (from.empty()) return kNoSlot;
    const uint32_t slot = from.back();
    from.pop_back();
    slotOf.insert(flowId, slot);
    slots[slot].kind = kind;
    if (kind == Kind::Held) ++held;
    return slot;
  }
  /// The slot's assembler, reset to `isn`.
  StreamPrefixAssembler& assembler(uint32_t slot, uint32_t isn) {
    StreamPrefixAssembler& a = slots[slot].holds == Holds::Assembler
                                   ? state<StreamPrefixAssembler>(slot)
                                   : construct<StreamPrefixAssembler>(slot, Holds::Assembler);
    a.reset(isn);
    return a;
  }
  /// Frees the flow's slot, if it has one.
  void drop(uint64_t flowId) {
    const uint32_t slot = slotOf.take(flowId);
    if (slot == kNoSlot) return;
    if (slots[slot].kind == Kind::Held) --held;
    (slots[slot].holds == Holds::Assembler ? freeAssemblers : freeOthers).push_back(slot);
  }
};

FlowNamer::FlowNamer(FlowNamerConfig cfg, std::shared_ptr<const AppCatalog> catalog)
    : cfg_(std::move(cfg)),
      catalog_(std::move(catalog)),
      impl_(std::make_unique<Impl>(cfg_.maxNames)) {
  for (uint16_t port : cfg_.dnsPorts) dnsPort_.set(port);
  Impl& m = *impl_;
  const uint32_t n = cfg_.inspectionSlots;
  m.slots.resize(n);
  m.slotMemory = std::make_unique_for_overwrite<std::byte[]>(size_t(n) * Impl::kStride);
  m.freeAssemblers.reserve(n);
  m.freeOthers.reserve(n);
  for (uint32_t i = n; i > 0; --i) m.freeOthers.push_back(i - 1);
  m.slotOf.init(n);
  m.maxHeld = n / 2;
  if (!m.isnRing) throw std::bad_alloc();
  readsSyns_ = n > 0;
  for (std::string_view a : kEncryptedDnsAddrs)
    if (auto ip = IpAddress::parse(a)) m.encryptedDnsAddrs.emplace_back(*ip);
}

FlowNamer::~FlowNamer() = default;

bool FlowNamer::setName(Flow& f, std::string_view name, NameSource src, std::string_view alpn) {
  if (name.empty() || precedence(src) <= precedence(NameSource(f.nameSource))) return false;
  const uint32_t id = impl_->names.intern(name, alpn);
  if (id == 0) {
    ++stats_.namesDropped;
    return false;
  }
  // A ClientHello usually names the host the flow's DNS answer named: the app, which depends
  // on the name and not on its source or ALPN, is then the one already matched.
  const bool sameName = f.nameId != 0 && impl_->names.name(f.nameId) == name;
  impl_->names.unref(f.nameId);
  f.nameId = id;
  f.nameSource = uint8_t(src);
  if (src != NameSource::Dns && impl_->names.encryptedDns(id)) {
    f.nameFlags |= Flow::kNameEncryptedDns;
    ++stats_.encryptedDns;
  }
  if (!sameName) matchApp(f);
  return true;
}

void FlowNamer::matchApp(Flow& f) {
  if (!catalog_) return;
  const uint16_t port = (f.key.proto == kProtoTcp || f.key.proto == kProtoUdp) ? f.remotePort() : 0;
  AppMatch m;
  if (f.nameId != 0) m = impl_->names.hostMatch(f.nameId, port, *catalog_);
  if (m.app == kNoApp) m = catalog_->matchAddress(f.remoteAddr(), f.remoteGeo.asn, port);
  f.appId = m.app;
}

void FlowNamer::onFlowStart(Flow& f) {
  // Encrypted DNS: DoT by port, DoH/DoQ by well-known resolver address.
  const uint16_t rport = f.remotePort();
  if ((f.key.proto == kProtoTcp || f.key.proto == kProtoUdp) && (rport == 853 || rport == 443)) {
    const std::vector<AddrWords>& doh = impl_->encryptedDnsAddrs;
    if (rport == 853 || std::find(doh.begin(), doh.end(), AddrWords(f.remoteAddr())) != doh.end()) {
      f.nameFlags |= Flow::kNameEncryptedDns;
      ++stats_.encryptedDns;
    }
  }
  NameHit hit;
  bool matched = false;
  if (lastDnsInsert_ != kNoDnsYet && cachedName(f, f.firstSeen, hit)) {
    ++stats_.dnsNamedAtStart;
    matched = setName(f, hit.name, NameSource::Dns);
  }
  if (!matched) matchApp(f);
}

// DNS over TCP (RFC 1035 4.2.2, RFC 7766): messages follow one another in the server's stream,
// each after a 2-byte length. Most segments hold whole responses and are read in place. Once
// one continues into later segments, the server's stream is followed in a slot for the rest of
// the flow: assembled from that message on, and restarted at each message boundary, so that
// retransmissions and reordered segments are placed by sequence number, not misread as
// messages. A response too large for a slot (16 KiB), or with no slot free, is counted in
// dnsTcpSkipped and the rest of the stream is left alone: its message boundaries are unknown.
void FlowNamer::readDnsTcp(Flow& f, const PacketView& p) {
  if (f.nameFlags & Flow::kDnsStreamLost) return;
  Impl& m = *impl_;
  const uint32_t seq = p.tcpSeq + ((p.tcpFlags & kTcpSyn) ? 1u : 0u);
  auto lose = [&](bool hadSlot) {
    ++stats_.dnsTcpSkipped;
    if (hadSlot) m.drop(f.id);
    f.nameFlags = uint8_t((f.nameFlags & ~Flow::kDnsStream) | Flow::kDnsStreamLost);
  };
  // Whether the message starting `at` bytes into the slot's stream can end within the slot.
  auto fits = [](const StreamPrefixAssembler& a, size_t at) {
    size_t need = 2;
    if (a.contiguous() - at >= 2) need += size_t(a.data()[at]) << 8 | a.data()[at + 1];
    return at + need <= StreamPrefixAssembler::kMaxCapacity;
  };
  uint32_t slot;
  if (!(f.nameFlags & Flow::kDnsStream)) {
    if (p.payloadLen == 0) return;
    const size_t used = readDnsMessages(p, p.payload, p.payloadLen);
    if (used == p.payloadLen) return;
    slot = m.take(f.id, Impl::Kind::Dns);
    if (slot == Impl::kNoSlot) {
      lose(false);
      return;
    }
    f.nameFlags |= Flow::kDnsStream;
    m.slots[slot].base = seq + uint32_t(used);
    m.slots[slot].consumed = 0;
    m.assembler(slot, m.slots[slot].base);
  } else {
    slot = m.slotOf.find(f.id);
    if (slot == Impl::kNoSlot) {  // not expected: the flag and the slot go together
      lose(false);
      return;
    }
  }
  Impl::SlotInfo& info = m.slots[slot];
  StreamPrefixAssembler& a = m.state<StreamPrefixAssembler>(slot);
  a.add(seq, p.payload, p.payloadLen);
  info.consumed = uint16_t(info.consumed +
                           readDnsMessages(p, a.data() + info.consumed, a.contiguous() - info.consumed));
  if (info.consumed == a.contiguous() && !a.pending()) {
    // At a message boundary with nothing waiting: start the assembler again from here.
    info.base += info.consumed;
    info.consumed = 0;
    a.reset(info.base);
  } else if (!fits(a, info.consumed)) {
    lose(true);
  }
}

// Reads the whole messages at the start of `data` (each after its 2-byte length); returns the
// bytes they take, leaving a message cut short (or its length cut short) unread.
size_t FlowNamer::readDnsMessages(const PacketView& p, const uint8_t* data, size_t len) {
  size_t pos = 0;
  while (len - pos >= 2) {
    const size_t n = size_t(data[pos]) << 8 | data[pos + 1];
    if (n > len - pos - 2) break;
    readDns(p, data + pos + 2, n);
    pos += 2 + n;
  }
  return pos;
}

void FlowNamer::readDns(const PacketView& p, const uint8_t* msg, size_t len) {
  if (parseDnsResponse(msg, len, impl_->dns) != DnsStatus::Ok) {
    ++stats_.dnsMalformed;
    return;
  }
  ++stats_.dnsResponses;
  // Created on the first answer: a capture without DNS never pays for its memory.
  if (!cache_) cache_ = std::make_unique<NameCache>(cfg_.cache);
  cache_->insert(p.dst, impl_->dns, p.ts);  // the client is who the response goes to
  lastDnsInsert_ = p.ts;
}

void FlowNamer::onPacket(Flow& f, const PacketView& p, bool out) {
  if (!p.hasPorts) return;
  if (p.payloadLen == 0) {
    // The client's SYN: where its stream will start, so that a segment arriving before the
    // first one is known for what it is. (A SYN carrying data is read below, as the start.)
    if (out && f.initiatorLocal() && p.proto == kProtoTcp && readsSyns_ &&
        (p.tcpFlags & (kTcpSyn | kTcpAck)) == kTcpSyn && !(f.nameFlags & Flow::kInspectDone)) {
      impl_->noteIsn(f.id, p.tcpSeq + 1);
    }
    return;
  }
  // DNS responses, from any flow on a DNS port.
  if (dnsPort_[p.sport]) {
    if (p.proto == kProtoUdp) {
      readDns(p, p.payload, p.payloadLen);
    } else if (p.proto == kProtoTcp) {
      readDnsTcp(f, p);
    }
    return;
  }
  if (f.nameFlags & Flow::kInspectDone) return;
  // Queries to a DNS server name nothing; its responses are read above.
  if (p.proto == kProtoTcp && dnsPort_[p.dport]) {
    f.nameFlags |= Flow::kInspectDone;
    return;
  }
  // Client hellos and requests name the side that receives them. When a remote client opened
  // the flow, they name our own server, not the remote: such flows are named by DNS only.
  if (!f.initiatorLocal()) {
    finishInspection(f);
    return;
  }
  if (!out) return;  // the client's bytes are what the local side sends
  if (f.pktsOut + f.pktsIn > cfg_.inspectPackets + 3) {  // handshake packets do not count
    finishInspection(f);
    return;
  }
  if (p.proto == kProtoTcp) inspectTcp(f, p);
  else if (p.proto == kProtoUdp) inspectQuic(f, p);
  else finishInspection(f);
}

namespace {
bool looksLikeStreamStart(const uint8_t* p, size_t len) {
  return looksLikeTlsHandshake(p, len) || looksLikeHttpRequest(p, len);
}
}  // namespace

void FlowNamer::inspectTcp(Flow& f, const PacketView& p) {
  Impl& m = *impl_;
  // A SYN's data (TCP Fast Open) starts one past its sequence number.
  const uint32_t seq = p.tcpSeq + ((p.tcpFlags & kTcpSyn) ? 1u : 0u);
  const uint32_t slot = m.slotOf.find(f.id);
  if (slot == Impl::kNoSlot) {
    firstTcpSegment(f, p, seq);
    return;
  }
  switch (m.slots[slot].kind) {
    case Impl::Kind::Quic:
      finishInspection(f);
      return;
    case Impl::Kind::Held: {
      HeldSegments& held = m.state<HeldSegments>(slot);
      if (!held.precedes(seq) || !looksLikeStreamStart(p.payload, p.payloadLen)) {
        // Not the segment the held ones follow: hold it too, while there is room.
        if (!held.add(seq, p.payload, p.payloadLen)) finishInspection(f);
        return;
      }
      // It is: assemble from it. The held segments go in first, as they came first.
      m.heldCopy.copyFrom(held);
      --m.held;
      m.slots[slot].kind = Impl::Kind::Start;
      StreamPrefixAssembler& a = m.assembler(slot, seq);
      m.heldCopy.replayInto(a);
      a.add(seq, p.payload, p.payloadLen);
      ++stats_.inspections;
      break;
    }
    default:
      m.state<StreamPrefixAssembler>(slot).add(seq, p.payload, p.payloadLen);
      break;
  }
  readAssembled(f, slot);
}

void FlowNamer::firstTcpSegment(Flow& f, const PacketView& p, uint32_t seq) {
  Impl& m = *impl_;
  // Most ClientHellos and requests come first and fit in one segment.
  Impl::Kind kind;
  if (looksLikeTlsHandshake(p.payload, p.payloadLen)) {
    kind = Impl::Kind::Tls;
    m.hello = ClientHelloInfo{};
    const TlsStatus st = parseClientHelloRecords(p.payload, p.payloadLen, m.hello);
    if (st == TlsStatus::Ok) {
      takeClientHello(f, NameSource::Sni);
      finishInspection(f);
      return;
    }
    if (st != TlsStatus::NeedMore) {
      finishInspection(f);
      return;
    }
  } else if (looksLikeHttpRequest(p.payload, p.payloadLen)) {
    kind = Impl::Kind::Http;
    const HttpStatus st = parseHttpRequest(p.payload, p.payloadLen, m.http);
    if (st == HttpStatus::Ok) {
      ++stats_.httpNames;
      setName(f, m.http.hostView(), NameSource::Http);
    }
    if (st != HttpStatus::NeedMore) {
      finishInspection(f);
      return;
    }
  } else {
    // Not a start: a later segment whose predecessor was reordered behind it, or a protocol
    // not read here, or a flow picked up mid-way.
    uint32_t isn = seq;
    const bool isnKnown = (p.tcpFlags & kTcpSyn) || m.findIsn(f.id, isn);
    if (isnKnown && static_cast<int32_t>(seq - isn) > 0) {
      // Bytes before it were sent and not seen yet: assemble from where the SYN said the
      // stream starts.
      const uint32_t slot = m.take(f.id, Impl::Kind::Start);
      if (slot == Impl::kNoSlot) {
        ++stats_.inspectionsDropped;
        finishInspection(f);
        return;
      }
      m.assembler(slot, isn).add(seq, p.payload, p.payloadLen);
      ++stats_.inspections;
      return;
    }
    // Without the SYN there is no telling where the stream starts: hold the segment until
    // one that starts a ClientHello or request comes before it, or the packet bound is hit
    // (in at most half the slots: a guess must not crowd out real reassembly).
    uint32_t slot = Impl::kNoSlot;
    if (!isnKnown && m.held < m.maxHeld) slot = m.take(f.id, Impl::Kind::Held);
    if (slot == Impl::kNoSlot) {
      finishInspection(f);
      return;
    }
    m.construct<HeldSegments>(slot, Impl::Holds::Held).add(seq, p.payload, p.payloadLen);
    return;
  }
  const uint32_t slot = m.take(f.id, kind);
  if (slot == Impl::kNoSlot) {
    ++stats_.inspectionsDropped;
    finishInspection(f);
    return;
  }
  m.assembler(slot, seq).add(seq, p.payload, p.payloadLen);
  ++stats_.inspections;
}

void FlowNamer::readAssembled(Flow& f, uint32_t slot) {
  Impl& m = *impl_;
  Impl::Kind& kind = m.slots[slot].kind;
  const StreamPrefixAssembler& a = m.state<StreamPrefixAssembler>(slot);
  if (kind == Impl::Kind::Start) {
    if (a.contiguous() == 0) return;  // the stream's first segment is still to come
    if (looksLikeTlsHandshake(a.data(), a.contiguous())) {
      kind = Impl::Kind::Tls;
    } else if (looksLikeHttpRequest(a.data(), a.contiguous())) {
      kind = Impl::Kind::Http;
    } else {
      finishInspection(f);
      return;
    }
  }
  if (kind == Impl::Kind::Tls) {
    m.hello = ClientHelloInfo{};
    const TlsStatus st = parseClientHelloRecords(a.data(), a.contiguous(), m.hello);
    if (st == TlsStatus::NeedMore && !a.full()) return;
    if (st == TlsStatus::Ok) takeClientHello(f, NameSource::Sni);
  } else {
    const HttpStatus st = parseHttpRequest(a.data(), a.contiguous(), m.http);
    if (st == HttpStatus::NeedMore && !a.full()) return;
    if (st == HttpStatus::Ok) {
      ++stats_.httpNames;
      setName(f, m.http.hostView(), NameSource::Http);
    }
  }
  finishInspection(f);
}

void FlowNamer::inspectQuic(Flow& f, const PacketView& p) {
  Impl& m = *impl_;
  uint32_t slot = m.slotOf.find(f.id);
  // QUIC long headers set the top bit; anything else on UDP is not a client Initial.
  if (!(p.payload[0] & 0x80)) {
    if (slot == Impl::kNoSlot) finishInspection(f);
    return;
  }
  if (slot == Impl::kNoSlot) {
    slot = m.take(f.id, Impl::Kind::Quic);
    if (slot == Impl::kNoSlot) {
      ++stats_.inspectionsDropped;
      finishInspection(f);
      return;
    }
    m.construct<QuicInitialReader>(slot, Impl::Holds::Quic);
    ++stats_.inspections;
  } else if (m.slots[slot].kind != Impl::Kind::Quic) {
    finishInspection(f);
    return;
  }
  m.hello = ClientHelloInfo{};
  const QuicStatus st = m.state<QuicInitialReader>(slot).feed(p.payload, p.payloadLen, m.hello);
  if (st == QuicStatus::NeedMore) return;
  if (st == QuicStatus::Ok) takeClientHello(f, NameSource::Quic);
  finishInspection(f);
}

void FlowNamer::takeClientHello(Flow& f, NameSource src) {
  const ClientHelloInfo& h = impl_->hello;
  if (h.ech) {
    f.nameFlags |= Flow::kNameEch;
    ++stats_.ech;
  }
  if (!h.hasSni) return;
  ++(src == NameSource::Quic ? stats_.quicNames : stats_.sniNames);
  setName(f, h.sniView(), src, h.alpnView());
}

void FlowNamer::finishInspection(Flow& f) {
  f.nameFlags |= Flow::kInspectDone;
  impl_->drop(f.id);
}

uint32_t FlowNamer::slotsInUse() const {
  return cfg_.inspectionSlots -
         uint32_t(impl_->freeAssemblers.size() + impl_->freeOthers.size());
}

FlowNaming FlowNamer::describe(const Flow& f) {
  FlowNaming n;
  n.source = NameSource(f.nameSource);
  AppId app = f.appId;
  if (f.nameId != 0) {
    n.hostname = impl_->names.name(f.nameId);
    n.alpn = impl_->names.alpn(f.nameId);
  } else {
    NameHit hit;
    if (lateAnswer(f, hit)) {
      ++stats_.dnsNamedLater;
      n.hostname = hit.name;
      n.source = NameSource::Dns;
      if (catalog_) {
        const uint16_t port = (f.key.proto == kProtoTcp || f.key.proto == kProtoUdp) ? f.remotePort() : 0;
        app = catalog_->match(n.hostname, f.remoteAddr(), f.remoteGeo.asn, port);
      }
    }
  }
  if (catalog_ && app != 0) {
    n.appId = app;
    n.app = catalog_->appName(app);
    n.vendor = catalog_->vendor(app);
  }
  return n;
}

bool FlowNamer::lateAnswer(const Flow& f, NameHit& hit) const {
  // The answer may have come after the flow started. If no answer arrived since then, the
  // look-up at its start already saw everything there is.
  return lastDnsInsert_ != kNoDnsYet && lastDnsInsert_ >= f.firstSeen &&
         cachedName(f, f.lastSeen, hit);
}

bool FlowNamer::cachedName(const Flow& f, TimeUs at, NameHit& hit) const {
  return cache_->lookupOrAnyClient(f.localAddr(), f.remoteAddr(), at, hit);
}

FlowNaming FlowNamer::refresh(Flow& f) {
  NameHit hit;
  if (f.nameId == 0 && lateAnswer(f, hit)) {
    ++stats_.dnsNamedLater;
    setName(f, hit.name, NameSource::Dns);
  }
  return describe(f);
}

void FlowNamer::release(const Flow& f) {
  Impl& m = *impl_;
  m.names.unref(f.nameId);
  // Only those may hold a slot.
  if (!(f.nameFlags & Flow::kInspectDone) || (f.nameFlags & Flow::kDnsStream)) m.drop(f.id);
}

}  // namespace egressmon

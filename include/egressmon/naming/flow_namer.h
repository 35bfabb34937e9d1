#pragma once
// Names each flow's remote side and attributes the flow to an app, on the engine thread:
// DNS answers (through a bounded answer cache), TLS and QUIC ClientHello server_name, and the
// HTTP/1.x Host header, with the precedence sni/quic > http > dns. A few first payload packets
// of a flow are looked at; multi-segment ClientHellos and requests are reassembled in a bounded
// pool of inspection slots, also when a later segment arrives before the first: the client's
// SYN says where its stream starts; without one (a flow picked up mid-way) segments are held
// until one that starts a ClientHello or request comes before them, within the packet bound.
// DNS responses over TCP are read in place, and a response split over segments is assembled
// in a slot too. Flows hold a 32-bit id into an interned name table (reference counted, allocation-free once
// warm).
#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "egressmon/decode/packet.h"
#include "egressmon/flow/flow.h"
#include "egressmon/names/name_cache.h"

namespace egressmon {

class AppCatalog;

enum class NameSource : uint8_t { None, Dns, Http, Sni, Quic };
/// Stable names: "none", "dns", "http", "sni", "quic".
std::string_view nameSourceName(NameSource s);

struct FlowNamerConfig {
  std::vector<uint16_t> dnsPorts{53};   // DNS responses are read from these source ports
  uint32_t inspectionSlots = 512;       // flows reassembled at once (about 16 KiB each)
  uint32_t inspectPackets = 12;         // payload packets looked at per flow before giving up
  uint32_t maxNames = 1u << 20;         // distinct host names held for live flows
  NameCacheConfig cache;
};

struct FlowNamerStats {
  uint64_t dnsResponses = 0;      // parsed and cached
  uint64_t dnsMalformed = 0;      // on a DNS port but not a readable response
  uint64_t dnsTcpSkipped = 0;     // DNS over TCP: a response not read (larger than a slot's
                                  // 16 KiB, or no free slot) and the rest of its stream
  uint64_t sniNames = 0;
  uint64_t quicNames = 0;
  uint64_t httpNames = 0;
  uint64_t dnsNamedAtStart = 0;   // flows named from the answer cache when they started
  uint64_t dnsNamedLater = 0;     // flows named from an answer seen after they started
  uint64_t ech = 0;
  uint64_t encryptedDns = 0;
  uint64_t inspections = 0;       // reassemblies started (segments held while the stream's
                                  // start is unknown count once it arrives)
  uint64_t inspectionsDropped = 0;// no free slot
  uint64_t namesDropped = 0;      // name table full
};

/// What a sink sees of a finished flow record besides the Flow itself.
struct FlowNaming {
  std::string_view hostname;      // "" when none; valid until the next call into the namer
  NameSource source = NameSource::None;
  std::string_view alpn;          // ALPN protocols the client offered ("h2,http/1.1"), TLS/QUIC
  std::string_view app;           // "" when no rule matched
  std::string_view vendor;
  uint16_t appId = 0;             // the catalog's id of `app` (0 = none)
};

class FlowNamer {
public:
  /// `catalog` may be null (no app attribution). Allocates its pools here, once.
  FlowNamer(FlowNamerConfig cfg, std::shared_ptr<const AppCatalog> catalog);
  ~FlowNamer();
  FlowNamer(const FlowNamer&) = delete;
  FlowNamer& operator=(const FlowNamer&) = delete;

  /// A new flow (remoteGeo already filled): name from earlier DNS answers, app by address.
  void onFlowStart(Flow& f);
  /// A hint, a batch ahead of onFlowStart() for the packet that will start a flow: starts
  /// loading what its answer-cache look-up reads. `localIsSrc`: the source will be the local
  /// side.
  void prefetchStart(const PacketView& p, bool localIsSrc) const {
    cache_->prefetch(localIsSrc ? p.src : p.dst, localIsSrc ? p.dst : p.src);
  }
  /// Whether DNS answers have been cached (prefetchStart() may be called).
  bool hasAnswers() const { return cache_ != nullptr; }
  /// Whether onPacket() has anything to do with this packet: a DNS response, payload of a
  /// flow still being looked at, or a SYN opening one. Inline, so the common packet costs a bit
  /// test and no call.
  bool wants(const Flow& f, const PacketView& p) const {
    if (!p.hasPorts) return false;
    if (p.payloadLen == 0) {
      return (p.tcpFlags & (kTcpSyn | kTcpAck)) == kTcpSyn && p.proto == kProtoTcp &&
             readsSyns_ && !(f.nameFlags & Flow::kInspectDone);
    }
    return !(f.nameFlags & Flow::kInspectDone) || dnsPort_[p.sport];
  }
  /// Every packet counted to a flow. `out`: sent by the local side.
  void onPacket(Flow& f, const PacketView& p, bool out);
  /// The naming of a record about to be handed to sinks; looks the answer cache up once more
  /// for a flow still unnamed (the answer may have come after the flow started). The views are
  /// valid until the next call into the namer.
  FlowNaming describe(const Flow& f);
  /// The naming of a live flow (for the region policy): as describe(), but an answer that came
  /// after the flow started is adopted - stored in the flow, its app matched - so that it is
  /// looked up and counted once.
  FlowNaming refresh(Flow& f);
  /// The flow is gone for good: drop its name reference and any inspection slot.
  void release(const Flow& f);

  const FlowNamerStats& stats() const { return stats_; }
  /// Inspection slots taken: flows being reassembled, or holding segments until the one they
  /// follow arrives.
  uint32_t slotsInUse() const;
  /// The DNS answer cache, or null before the first DNS response.
  const NameCache* cache() const { return cache_.get(); }
  const AppCatalog* catalog() const { return catalog_.get(); }

private:
  struct Impl;
  /// True when it matched the app too (the name changed).
  bool setName(Flow& f, std::string_view name, NameSource src, std::string_view alpn = {});
  void matchApp(Flow& f);
  /// An answer cached since the flow started that names its remote end.
  bool lateAnswer(const Flow& f, NameHit& hit) const;
  /// The client's own answer for the flow's remote end at `at`, else any client's (the cache
  /// exists).
  bool cachedName(const Flow& f, TimeUs at, NameHit& hit) const;
  void inspectTcp(Flow& f, const PacketView& p);
  /// The first payload segment of a TCP flow without a slot; `seq`: its first byte's number.
  void firstTcpSegment(Flow& f, const PacketView& p, uint32_t seq);
  /// Reads the reassembled stream prefix of `slot` once a segment was added.
  void readAssembled(Flow& f, uint32_t slot);
  void inspectQuic(Flow& f, const PacketView& p);
  void readDns(const PacketView& p, const uint8_t* msg, size_t len);
  /// A segment a DNS server sent over TCP: its whole messages, and the rest assembled.
  void readDnsTcp(Flow& f, const PacketView& p);
  size_t readDnsMessages(const PacketView& p, const uint8_t* data, size_t len);
  void finishInspection(Flow& f);
  /// Names the flow from the ClientHello just parsed into the scratch (TLS or QUIC).
  void takeClientHello(Flow& f, NameSource src);

  FlowNamerConfig cfg_;
  std::shared_ptr<const AppCatalog> catalog_;
  std::unique_ptr<NameCache> cache_;  // created on the first DNS response (lastDnsInsert_ set)
  std::unique_ptr<Impl> impl_;
  FlowNamerStats stats_;
  std::bitset<65536> dnsPort_;  // cfg_.dnsPorts as a bitmap
  bool readsSyns_ = false;      // client SYNs are noted (there are inspection slots to use)
  static constexpr TimeUs kNoDnsYet = INT64_MIN;
  TimeUs lastDnsInsert_ = kNoDnsYet;  // packet time of the newest answer cached
};

}  // namespace egressmon

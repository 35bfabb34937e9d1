#pragma once
// Names each flow's remote side and attributes the flow to an app, on the engine thread:
// DNS answers (through a bounded answer cache), TLS and QUIC ClientHello server_name, and the
// HTTP/1.x Host header, with the precedence sni/quic > http > dns. A few first payload packets
// of a flow are looked at; multi-segment ClientHellos and requests are reassembled in a bounded
// pool of inspection slots. Flows hold a 32-bit id into an interned name table.
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
  uint64_t sniNames = 0;
  uint64_t quicNames = 0;
  uint64_t httpNames = 0;
  uint64_t dnsNamedAtStart = 0;   // flows named from the answer cache when they started
  uint64_t dnsNamedLater = 0;     // flows named from an answer seen after they started
  uint64_t ech = 0;
  uint64_t encryptedDns = 0;
  uint64_t inspections = 0;       // reassemblies started
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
  /// Whether onPacket() has anything to do with this packet: a DNS response, or payload of a
  /// flow still being looked at. Inline, so the common packet costs a bit test and no call.
  bool wants(const Flow& f, const PacketView& p) const {
    if (p.payloadLen == 0 || !p.hasPorts) return false;
    return !(f.nameFlags & Flow::kInspectDone) || dnsPort_[p.sport];
  }
  /// Every packet counted to a flow. `out`: sent by the local side.
  void onPacket(Flow& f, const PacketView& p, bool out);
  /// The naming of a record about to be handed to sinks; looks the answer cache up once more
  /// for a flow still unnamed (the answer may have come after the flow started). The views are
  /// valid until the next call into the namer.
  FlowNaming describe(const Flow& f);
  /// The flow is gone for good: drop its name reference and any inspection slot.
  void release(const Flow& f);

  const FlowNamerStats& stats() const { return stats_; }
  /// The DNS answer cache, or null before the first DNS response.
  const NameCache* cache() const { return cache_.get(); }
  const AppCatalog* catalog() const { return catalog_.get(); }

private:
  struct Impl;
  void setName(Flow& f, std::string_view name, NameSource src, std::string_view alpn = {});
  void matchApp(Flow& f);
  void inspectTcp(Flow& f, const PacketView& p);
  void inspectQuic(Flow& f, const PacketView& p);
  void readDns(const PacketView& p, const uint8_t* msg, size_t len);
  void finishInspection(Flow& f);
  /// Names the flow from the ClientHello just parsed into the scratch (TLS or QUIC).
  void takeClientHello(Flow& f, NameSource src);

  FlowNamerConfig cfg_;
  std::shared_ptr<const AppCatalog> catalog_;
  std::unique_ptr<NameCache> cache_;  // created on the first DNS response (lastDnsInsert_ set)
  std::unique_ptr<Impl> impl_;
  FlowNamerStats stats_;
  std::bitset<65536> dnsPort_;  // cfg_.dnsPorts as a bitmap
  static constexpr TimeUs kNoDnsYet = INT64_MIN;
  TimeUs lastDnsInsert_ = kNoDnsYet;  // packet time of the newest answer cached
};

}  // namespace egressmon

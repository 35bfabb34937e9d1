#include "egressmon/naming/flow_namer.h"

#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <string>
#include <variant>

#include "egressmon/apps/app_catalog.h"
#include "egressmon/names/dns.h"
#include "egressmon/names/http.h"
#include "egressmon/names/quic.h"
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

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
struct StringEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

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

}  // namespace

struct FlowNamer::Impl {
  // Interned host names with reference counts; id 0 means "no name".
  // A name and the ALPN offered with it ("" for DNS and HTTP names), interned together under
  // the key text + '\x1f' + alpn.
  struct Name {
    std::string key;
    uint32_t nameLen = 0;
    uint32_t refs = 0;
    std::string_view name() const { return std::string_view(key).substr(0, nameLen); }
    std::string_view alpn() const {
      return nameLen < key.size() ? std::string_view(key).substr(nameLen + 1) : std::string_view{};
    }
  };
  std::vector<Name> names{Name{}};
  std::vector<uint32_t> freeNames;
  boost::unordered_flat_map<std::string, uint32_t, StringHash, StringEq> byText;

  // Reassembly slots, one per flow being inspected.
  enum class Kind : uint8_t { Tls, Http, Quic };
  struct Slot {
    uint64_t flowId = 0;
    Kind kind = Kind::Tls;
    std::variant<std::monostate, StreamPrefixAssembler, QuicInitialReader> state;
  };
  std::vector<Slot> slots;
  std::vector<uint32_t> freeSlots;
  boost::unordered_flat_map<uint64_t, uint32_t> slotOf;  // flow id -> slot

  std::vector<IpAddress> encryptedDnsAddrs;
  DnsResponse dns;         // scratch, reused
  ClientHelloInfo hello;   // scratch
  HttpRequestInfo http;    // scratch

  std::string scratchKey;
  uint32_t intern(std::string_view name, std::string_view alpn, uint32_t maxNames) {
    scratchKey.assign(name);
    if (!alpn.empty()) {
      scratchKey += '\x1f';
      scratchKey += alpn;
    }
    const std::string_view s = scratchKey;
    if (auto it = byText.find(s); it != byText.end()) {
      ++names[it->second].refs;
      return it->second;
    }
    uint32_t id;
    if (!freeNames.empty()) {
      id = freeNames.back();
      freeNames.pop_back();
    } else {
      if (names.size() > maxNames) return 0;
      id = uint32_t(names.size());
      names.emplace_back();
    }
    names[id].key.assign(s);
    names[id].nameLen = uint32_t(name.size());
    names[id].refs = 1;
    byText.emplace(names[id].key, id);
    return id;
  }
  void unref(uint32_t id) {
    if (id == 0 || id >= names.size() || names[id].refs == 0) return;
    if (--names[id].refs == 0) {
      byText.erase(names[id].key);
      names[id].key.clear();
      freeNames.push_back(id);
    }
  }
};

FlowNamer::FlowNamer(FlowNamerConfig cfg, std::shared_ptr<const AppCatalog> catalog)
    : cfg_(std::move(cfg)),
      catalog_(std::move(catalog)),
      impl_(std::make_unique<Impl>()) {
  for (uint16_t port : cfg_.dnsPorts) dnsPort_.set(port);
  impl_->slots.resize(cfg_.inspectionSlots);
  for (uint32_t i = cfg_.inspectionSlots; i > 0; --i) impl_->freeSlots.push_back(i - 1);
  impl_->slotOf.reserve(cfg_.inspectionSlots);
  for (std::string_view a : kEncryptedDnsAddrs)
    if (auto ip = IpAddress::parse(a)) impl_->encryptedDnsAddrs.push_back(*ip);
  std::sort(impl_->encryptedDnsAddrs.begin(), impl_->encryptedDnsAddrs.end());
}

FlowNamer::~FlowNamer() = default;

void FlowNamer::setName(Flow& f, std::string_view name, NameSource src, std::string_view alpn) {
  if (name.empty() || precedence(src) <= precedence(NameSource(f.nameSource))) return;
  const uint32_t id = impl_->intern(name, alpn, cfg_.maxNames);
  if (id == 0) {
    ++stats_.namesDropped;
    return;
  }
  impl_->unref(f.nameId);
  f.nameId = id;
  f.nameSource = uint8_t(src);
  if (src != NameSource::Dns && isEncryptedDnsName(name)) {
    f.nameFlags |= Flow::kNameEncryptedDns;
    ++stats_.encryptedDns;
  }
  matchApp(f);
}

void FlowNamer::matchApp(Flow& f) {
  if (!catalog_) return;
  const std::string_view name = f.nameId ? impl_->names[f.nameId].name() : std::string_view{};
  const uint16_t port = (f.key.proto == kProtoTcp || f.key.proto == kProtoUdp) ? f.remotePort() : 0;
  f.appId = catalog_->match(name, f.remoteAddr(), f.remoteGeo.asn, port);
}

void FlowNamer::onFlowStart(Flow& f) {
  // Encrypted DNS: DoT by port, DoH/DoQ by well-known resolver address.
  const uint16_t rport = f.remotePort();
  if ((f.key.proto == kProtoTcp || f.key.proto == kProtoUdp) &&
      (rport == 853 || (rport == 443 && std::binary_search(impl_->encryptedDnsAddrs.begin(),
                                                           impl_->encryptedDnsAddrs.end(),
                                                           f.remoteAddr())))) {
    f.nameFlags |= Flow::kNameEncryptedDns;
    ++stats_.encryptedDns;
  }
  NameHit hit;
  if (lastDnsInsert_ != kNoDnsYet &&
      (cache_->lookup(f.localAddr(), f.remoteAddr(), f.firstSeen, hit) ||
       cache_->lookupAnyClient(f.remoteAddr(), f.firstSeen, hit))) {
    ++stats_.dnsNamedAtStart;
    setName(f, hit.name, NameSource::Dns);
  }
  matchApp(f);
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
  if (p.payloadLen == 0 || !p.hasPorts) return;
  // DNS responses, from any flow on a DNS port.
  if (dnsPort_[p.sport]) {
    if (p.proto == kProtoUdp) {
      readDns(p, p.payload, p.payloadLen);
    } else if (p.proto == kProtoTcp && p.payloadLen > 2) {
      // One message per segment is read (the common case); a response split over segments
      // is skipped.
      const size_t n = size_t(p.payload[0]) << 8 | p.payload[1];
      if (n + 2 <= p.payloadLen) readDns(p, p.payload + 2, n);
    }
    return;
  }
  if (f.nameFlags & Flow::kInspectDone) return;
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

void FlowNamer::inspectTcp(Flow& f, const PacketView& p) {
  Impl& m = *impl_;
  auto it = m.slotOf.find(f.id);
  if (it == m.slotOf.end()) {
    // First payload of the flow: most ClientHellos and requests fit in one segment.
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
      finishInspection(f);
      return;
    }
    if (m.freeSlots.empty()) {
      ++stats_.inspectionsDropped;
      finishInspection(f);
      return;
    }
    const uint32_t slot = m.freeSlots.back();
    m.freeSlots.pop_back();
    m.slotOf.emplace(f.id, slot);
    Impl::Slot& s = m.slots[slot];
    s.flowId = f.id;
    s.kind = kind;
    auto& a = s.state.emplace<StreamPrefixAssembler>();
    a.reset(p.tcpSeq);
    a.add(p.tcpSeq, p.payload, p.payloadLen);
    ++stats_.inspections;
    return;
  }
  Impl::Slot& s = m.slots[it->second];
  auto* a = std::get_if<StreamPrefixAssembler>(&s.state);
  if (a == nullptr) {
    finishInspection(f);
    return;
  }
  a->add(p.tcpSeq, p.payload, p.payloadLen);
  if (s.kind == Impl::Kind::Tls) {
    m.hello = ClientHelloInfo{};
    const TlsStatus st = parseClientHelloRecords(a->data(), a->contiguous(), m.hello);
    if (st == TlsStatus::NeedMore && !a->full()) return;
    if (st == TlsStatus::Ok) takeClientHello(f, NameSource::Sni);
  } else {
    const HttpStatus st = parseHttpRequest(a->data(), a->contiguous(), m.http);
    if (st == HttpStatus::NeedMore && !a->full()) return;
    if (st == HttpStatus::Ok) {
      ++stats_.httpNames;
      setName(f, m.http.hostView(), NameSource::Http);
    }
  }
  finishInspection(f);
}

void FlowNamer::inspectQuic(Flow& f, const PacketView& p) {
  Impl& m = *impl_;
  // QUIC long headers set the top bit; anything else on UDP is not a client Initial.
  if (!(p.payload[0] & 0x80)) {
    if (m.slotOf.find(f.id) == m.slotOf.end()) finishInspection(f);
    return;
  }
  auto it = m.slotOf.find(f.id);
  if (it == m.slotOf.end()) {
    if (m.freeSlots.empty()) {
      ++stats_.inspectionsDropped;
      finishInspection(f);
      return;
    }
    const uint32_t slot = m.freeSlots.back();
    m.freeSlots.pop_back();
    it = m.slotOf.emplace(f.id, slot).first;
    Impl::Slot& s = m.slots[slot];
    s.flowId = f.id;
    s.kind = Impl::Kind::Quic;
    s.state.emplace<QuicInitialReader>();
    ++stats_.inspections;
  }
  auto* r = std::get_if<QuicInitialReader>(&m.slots[it->second].state);
  if (r == nullptr) {
    finishInspection(f);
    return;
  }
  m.hello = ClientHelloInfo{};
  const QuicStatus st = r->feed(p.payload, p.payloadLen, m.hello);
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
  Impl& m = *impl_;
  if (auto it = m.slotOf.find(f.id); it != m.slotOf.end()) {
    m.slots[it->second].state.emplace<std::monostate>();
    m.freeSlots.push_back(it->second);
    m.slotOf.erase(it);
  }
}

FlowNaming FlowNamer::describe(const Flow& f) {
  FlowNaming n;
  n.source = NameSource(f.nameSource);
  AppId app = f.appId;
  if (f.nameId != 0) {
    n.hostname = impl_->names[f.nameId].name();
    n.alpn = impl_->names[f.nameId].alpn();
  } else {
    // The answer may have come after the flow started. If no answer arrived since then, the
    // look-up at its start already saw everything there is.
    NameHit hit;
    if (lastDnsInsert_ != kNoDnsYet && lastDnsInsert_ >= f.firstSeen &&
        (cache_->lookup(f.localAddr(), f.remoteAddr(), f.lastSeen, hit) ||
         cache_->lookupAnyClient(f.remoteAddr(), f.lastSeen, hit))) {
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

void FlowNamer::release(const Flow& f) {
  impl_->unref(f.nameId);
  Impl& m = *impl_;
  if (!m.slotOf.empty()) {
    if (auto it = m.slotOf.find(f.id); it != m.slotOf.end()) {
      m.slots[it->second].state.emplace<std::monostate>();
      m.freeSlots.push_back(it->second);
      m.slotOf.erase(it);
    }
  }
}

}  // namespace egressmon

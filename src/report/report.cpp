#include <fmt/format.h>

#include <algorithm>

#include "egressmon/apps/public_suffix.h"
#include "egressmon/decode/packet.h"
#include "egressmon/report/report.h"
#include "rows.h"

namespace egressmon {

namespace {
bool byBytesGreater(const AnalyzeReport::Record& x, const AnalyzeReport::Record& y) {
  if (x.flow.totalBytes() != y.flow.totalBytes()) return x.flow.totalBytes() > y.flow.totalBytes();
  return x.flow.id < y.flow.id;  // deterministic order for equal sizes
}
}  // namespace

AnalyzeReport::AnalyzeReport(size_t top) : top_(top) {}

void AnalyzeReport::onFlowRecord(const Flow& flow, const FlowNaming& naming, EndReason reason,
                                 const Verdict* verdict) {
  ++records_;
  const size_t slot = slotOf(flow.remoteGeo);
  auto add = [&](CountryTotals& t) {
    if (flow.records == 0) ++t.flows;  // continuation records of one flow count once
    t.bytesOut += flow.bytesOut;
    t.bytesIn += flow.bytesIn;
    t.pktsOut += flow.pktsOut;
    t.pktsIn += flow.pktsIn;
  };
  add(totals_[slot]);
  add(appTotals_[uint32_t(naming.appId * kSlots + slot)]);
  if (naming.appId != 0 && !appNames_.count(naming.appId))
    appNames_.emplace(naming.appId, std::string(naming.app));

  auto bare = [&] {
    Record r;
    r.flow = flow;
    r.reason = reason;
    return r;
  };
  auto make = [&] {
    Record r = bare();
    r.hostname = naming.hostname;
    r.source = naming.source;
    r.alpn = naming.alpn;
    r.app = naming.app;
    r.vendor = naming.vendor;
    if (verdict != nullptr) {
      r.verdict = verdict->kind;
      r.verdictReason = verdict->reason;
      r.rule = verdict->rule;
    }
    return r;
  };
  if (top_ == 0) {
    heap_.push_back(make());
    return;
  }
  // byBytesGreater as the heap's "less" puts the smallest record on top; strings are copied
  // only for records that enter the heap.
  if (heap_.size() < top_) {
    heap_.push_back(make());
    std::push_heap(heap_.begin(), heap_.end(), byBytesGreater);
  } else if (byBytesGreater(bare(), heap_.front())) {
    std::pop_heap(heap_.begin(), heap_.end(), byBytesGreater);
    heap_.back() = make();
    std::push_heap(heap_.begin(), heap_.end(), byBytesGreater);
  }
}

namespace {
class ReportAlertSink final : public AlertSink {
public:
  explicit ReportAlertSink(std::vector<AnalyzeReport::AlertLine>& out) : out_(out) {}
  void emit(const Alert& a) override {
    out_.push_back({false, formatAlertText(a, TextStyle::Terminal), formatAlertJson(a)});
  }
  void emitSummary(const RateLimitSummary& s) override {
    out_.push_back({true, formatSummaryText(s, TextStyle::Terminal), formatSummaryJson(s)});
  }
  void flush() override {}
  uint64_t errors() const override { return 0; }
  const std::string& name() const override { return name_; }

private:
  std::vector<AnalyzeReport::AlertLine>& out_;
  std::string name_ = "analyze report";
};
}  // namespace

std::unique_ptr<AlertSink> AnalyzeReport::makeAlertSink() {
  return std::make_unique<ReportAlertSink>(alertLines_);
}

std::string verdictLabel(VerdictKind k, IndeterminateReason r) {
  std::string s(verdictKindName(k));
  if (k == VerdictKind::Indeterminate) s += ":" + std::string(indeterminateReasonName(r));
  return s;
}

std::string AnalyzeReport::slotKey(size_t i) {
  if (i < kUnknownSlot) return fmt::format("{}{}", char('A' + i / 26), char('A' + i % 26));
  if (i == kUnknownSlot) return "unknown";
  return fmt::format("special:{}", addrClassName(AddrClass(i - kUnknownSlot - 1)));
}

std::map<std::pair<std::string, std::string>, CountryTotals> AnalyzeReport::appCountries() const {
  std::map<std::pair<std::string, std::string>, CountryTotals> m;
  for (const auto& [key, t] : appTotals_) {
    const uint16_t app = uint16_t(key / kSlots);
    const auto name = appNames_.find(app);
    m.emplace(std::make_pair(name == appNames_.end() ? std::string() : name->second,
                             slotKey(key % kSlots)),
              t);
  }
  return m;
}

size_t AnalyzeReport::slotOf(const GeoInfo& g) {
  if (!(g.flags & GeoInfo::kLookedUp) && g.cls != AddrClass::Public)
    return kUnknownSlot + 1 + size_t(g.cls);
  if (g.countryKnown()) {
    const auto a = static_cast<unsigned char>(g.country.c[0] - 'A');
    const auto b = static_cast<unsigned char>(g.country.c[1] - 'A');
    if (a < 26 && b < 26) return size_t(a) * 26 + b;
  }
  return kUnknownSlot;
}

std::map<std::string, CountryTotals> AnalyzeReport::countries() const {
  std::map<std::string, CountryTotals> m;
  for (size_t i = 0; i < kSlots; ++i) {
    const CountryTotals& t = totals_[i];
    if (t.pktsOut + t.pktsIn == 0) continue;  // every record has at least one packet
    m.emplace(slotKey(i), t);
  }
  return m;
}

std::vector<AnalyzeReport::Record> AnalyzeReport::topRecords() const {
  std::vector<Record> v = heap_;
  std::sort(v.begin(), v.end(), byBytesGreater);
  return v;
}

std::string humanBytes(uint64_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = double(n) / 1024.0;
  size_t u = 0;
  while (v >= 1024.0 && u + 1 < std::size(units)) {
    v /= 1024.0;
    ++u;
  }
  return fmt::format("{:.1f} {}", v, units[u]);
}

std::string protocolName(uint8_t proto) {
  switch (proto) {
    case kProtoTcp: return "tcp";
    case kProtoUdp: return "udp";
    case kProtoIcmp: return "icmp";
    case kProtoIcmpv6: return "icmpv6";
    case kProtoGre: return "gre";
    case 2: return "igmp";
    case 50: return "esp";
    case 51: return "ah";
    case 59: return "ipv6-nonxt";
    case 89: return "ospf";
    case 103: return "pim";
    case 112: return "vrrp";
    case 132: return "sctp";
    default: return fmt::format("ip-{}", proto);
  }
}

std::string endpointText(const IpAddress& a, uint16_t port, bool withPort) {
  if (!withPort) return a.toString();
  if (a.isV4()) return fmt::format("{}:{}", a.toString(), port);
  return fmt::format("[{}]:{}", a.toString(), port);
}


}  // namespace egressmon

namespace egressmon::report_detail {

FlowRow makeFlowRow(const AnalyzeReport::Record& r, const GeoResolver* geo) {
  const Flow& f = r.flow;
  FlowRow row;
  row.flow = &f;
  row.reason = r.reason;
  row.hasPorts = f.key.proto == kProtoTcp || f.key.proto == kProtoUdp || f.key.proto == 132;
  row.remote = endpointText(f.remoteAddr(), f.remotePort(), row.hasPorts);
  row.local = endpointText(f.localAddr(), f.localPort(), row.hasPorts);
  row.proto = protocolName(f.key.proto);
  const GeoInfo& g = f.remoteGeo;
  row.addrClass = std::string(addrClassName(g.cls));
  if (g.countryKnown()) {
    row.country = std::string(g.country.view());
    row.countryName = std::string(countryName(g.country));
  } else if (!(g.flags & GeoInfo::kLookedUp) && g.cls != AddrClass::Public) {
    row.countryName = row.addrClass;
  } else {
    row.countryName = "unknown";
  }
  if (!g.registeredCountry.empty()) row.registeredCountry = std::string(g.registeredCountry.view());
  if (geo != nullptr && g.asn != 0) row.asOrg = geo->asOrg(f.remoteAddr());
  row.initiator = f.initiatorLocal() ? "local" : "remote";
  row.durationSec = double(f.lastSeen - f.firstSeen) / double(kUsPerSec);
  row.hostname = r.hostname;
  row.hostnameSource = std::string(nameSourceName(r.source));
  if (!r.hostname.empty()) row.registrableDomain = registrableDomain(r.hostname);
  row.app = r.app;
  if (r.verdict) row.verdict = verdictLabel(*r.verdict, r.verdictReason);
  return row;
}

namespace {
CountryRow countryRowOf(const std::string& key, const CountryTotals& t) {
  CountryRow r;
  r.key = key;
  r.totals = t;
  if (key.rfind("special:", 0) == 0) {
    r.addrClass = key.substr(8);
    r.name = r.addrClass;
  } else if (key == "unknown") {
    r.addrClass = "public";
    r.name = "unknown";
  } else {
    r.code = key;
    r.addrClass = "public";
    r.name = std::string(countryName(CountryCode::fromString(key)));
  }
  return r;
}

bool moreBytesOut(const CountryRow& a, const CountryRow& b) {
  if (a.totals.bytesOut != b.totals.bytesOut) return a.totals.bytesOut > b.totals.bytesOut;
  return a.key < b.key;
}
}  // namespace

std::vector<CountryRow> countryRows(const AnalyzeReport& report) {
  std::vector<CountryRow> rows;
  for (const auto& [key, t] : report.countries()) rows.push_back(countryRowOf(key, t));
  std::sort(rows.begin(), rows.end(), moreBytesOut);
  return rows;
}

std::vector<AppCountryRow> appCountryRows(const AnalyzeReport& report) {
  std::vector<AppCountryRow> rows;
  for (const auto& [key, t] : report.appCountries())
    rows.push_back(AppCountryRow{key.first, countryRowOf(key.second, t)});
  std::sort(rows.begin(), rows.end(), [](const AppCountryRow& a, const AppCountryRow& b) {
    if (a.app != b.app) {
      if (a.app.empty() || b.app.empty()) return b.app.empty();  // unattributed last
      return a.app < b.app;
    }
    return moreBytesOut(a.country, b.country);
  });
  return rows;
}

std::vector<std::pair<std::string, uint64_t>> statRows(const ReportContext& ctx) {
  std::vector<std::pair<std::string, uint64_t>> v;
  if (ctx.engine != nullptr) {
    const EngineStats& e = *ctx.engine;
    v.emplace_back("packets_read", e.packetsRead);
    v.emplace_back("bytes_read", e.bytesRead);
    v.emplace_back("packets_decoded", e.packetsDecoded);
    v.emplace_back("packets_skipped", e.skippedTotal());
    for (size_t i = 1; i < e.skipped.size(); ++i)
      if (e.skipped[i] != 0)
        v.emplace_back(std::string("skipped.") + decodeStatusName(DecodeStatus(i)), e.skipped[i]);
    if (e.packetsUnsupportedLink != 0)
      v.emplace_back("skipped.unsupported_link_type", e.packetsUnsupportedLink);
    v.emplace_back("files_read", e.sourcesRead);
    v.emplace_back("files_failed", e.sourcesFailed + e.sourcesUnsupported);
  }
  if (ctx.flows != nullptr) {
    const FlowTableStats& f = *ctx.flows;
    v.emplace_back("flows", f.flowsCreated);
    v.emplace_back("flow_records", f.flowsEnded);
    v.emplace_back("flows_idle_expired", f.idleExpired);
    v.emplace_back("flow_records_active_timeout", f.activeRecords);
    v.emplace_back("flows_evicted", f.evicted);
    v.emplace_back("flows_peak", f.peakFlows);
    v.emplace_back("fragments_matched", f.fragmentsMatched);
    v.emplace_back("fragments_unmatched", f.fragmentsUnmatched);
  }
  if (ctx.geo != nullptr) {
    const GeoResolverStats& g = ctx.geo->stats();
    v.emplace_back("geo_lookups", g.lookups);
    v.emplace_back("geo_cache_hits", g.cacheHits);
    v.emplace_back("geo_db_lookups", g.dbLookups);
    v.emplace_back("geo_db_errors", g.dbErrors);
    v.emplace_back("geo_special", g.special);
  }
  if (ctx.names != nullptr) {
    const FlowNamerStats& n = *ctx.names;
    v.emplace_back("dns_responses", n.dnsResponses);
    v.emplace_back("dns_malformed", n.dnsMalformed);
    v.emplace_back("dns_tcp_skipped", n.dnsTcpSkipped);
    v.emplace_back("names_sni", n.sniNames);
    v.emplace_back("names_quic", n.quicNames);
    v.emplace_back("names_http", n.httpNames);
    v.emplace_back("names_dns_at_start", n.dnsNamedAtStart);
    v.emplace_back("names_dns_later", n.dnsNamedLater);
    v.emplace_back("names_ech", n.ech);
    v.emplace_back("flows_encrypted_dns", n.encryptedDns);
    v.emplace_back("inspections", n.inspections);
    v.emplace_back("inspections_dropped", n.inspectionsDropped);
    v.emplace_back("names_dropped", n.namesDropped);
    // The answer cache's counters; all 0 when no DNS answer was seen (the cache is created on
    // the first one), so the set of keys does not depend on the traffic.
    const NameCacheStats c = ctx.answerCache != nullptr ? *ctx.answerCache : NameCacheStats{};
    v.emplace_back("dns_cache_answers", c.inserts);
    v.emplace_back("dns_cache_evicted", c.evicted);
    v.emplace_back("dns_cache_lookups", c.hits + c.misses);
    v.emplace_back("dns_cache_hits", c.hits);
    v.emplace_back("dns_cache_shared_hits", c.sharedHits);
    v.emplace_back("dns_cache_expired", c.expired);
    v.emplace_back("dns_cache_stale_names", c.staleNames);
  }
  if (ctx.judge != nullptr) {
    const JudgeStats& j = *ctx.judge;
    for (size_t k = 0; k < j.recordsByVerdict.size(); ++k)
      v.emplace_back(std::string("records_") + std::string(verdictKindName(VerdictKind(k))),
                     j.recordsByVerdict[k]);
    for (size_t r = 1; r < j.recordsByReason.size(); ++r)
      if (j.recordsByReason[r] != 0)
        v.emplace_back(std::string("indeterminate.") +
                           std::string(indeterminateReasonName(IndeterminateReason(r))),
                       j.recordsByReason[r]);
    v.emplace_back("policy_judgements", j.judgements);
    v.emplace_back("policy_rejudged", j.rejudged);
  }
  if (ctx.alerts) {
    const AlertPipelineStats& a = *ctx.alerts;
    v.emplace_back("alerts_raised", a.raised);
    v.emplace_back("alerts_emitted", a.emitted);
    v.emplace_back("alerts_repeats", a.repeats);
    v.emplace_back("alerts_rate_limited", a.rateLimited);
    v.emplace_back("alerts_below_level", a.belowLevel);
    v.emplace_back("alert_summaries", a.summaries);
    v.emplace_back("alert_sink_errors", a.sinkErrors);
  }
  return v;
}

}  // namespace egressmon::report_detail

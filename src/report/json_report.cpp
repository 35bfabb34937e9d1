// The JSON form of the analyze report. Boost.JSON is compiled header-only here, once.
#include <boost/json/src.hpp>
#include <fmt/format.h>

#include "egressmon/report/report.h"
#include "rows.h"

namespace egressmon {

namespace {

std::string tcpFlagsText(uint8_t f) {
  std::string s;
  if (f & kTcpSyn) s += 'S';
  if (f & kTcpAck) s += 'A';
  if (f & kTcpPsh) s += 'P';
  if (f & kTcpFin) s += 'F';
  if (f & kTcpRst) s += 'R';
  return s;
}

boost::json::value dbJson(const GeoDb* db) {
  if (db == nullptr) return nullptr;
  const GeoDbInfo& i = db->info();
  return boost::json::object{{"path", i.path},
                             {"type", i.databaseType},
                             {"schema", std::string(geoSchemaName(i.schema))},
                             {"build_epoch", i.buildEpoch},
                             {"build_time", formatRfc3339(TimeUs(i.buildEpoch) * kUsPerSec)},
                             {"size_bytes", i.fileSize}};
}

// One row of the summary by country (also the tail of a row by app and country).
boost::json::object countryJson(const report_detail::CountryRow& c) {
  return boost::json::object{
      {"country", c.code.empty() ? boost::json::value(nullptr) : boost::json::value(c.code)},
      {"name", c.name},
      {"address_class", c.addrClass},
      {"flows", c.totals.flows},
      {"bytes_out", c.totals.bytesOut},
      {"bytes_in", c.totals.bytesIn},
      {"packets_out", c.totals.pktsOut},
      {"packets_in", c.totals.pktsIn}};
}

}  // namespace

std::string AnalyzeReport::toJson(const ReportContext& ctx) const {
  using namespace report_detail;
  boost::json::object doc;
  doc["format_version"] = 1;
  boost::json::array inputs;
  for (const auto& i : ctx.inputs) inputs.emplace_back(i);
  doc["inputs"] = std::move(inputs);
  boost::json::array warnings;
  for (const auto& w : ctx.warnings) warnings.emplace_back(w);
  doc["warnings"] = std::move(warnings);
  doc["databases"] = boost::json::object{
      {"country", dbJson(ctx.geo ? ctx.geo->countryDb() : nullptr)},
      {"asn", dbJson(ctx.geo ? ctx.geo->asnDb() : nullptr)}};

  boost::json::array flows;
  for (const auto& r : topRecords()) {
    const FlowRow row = makeFlowRow(r, ctx.geo);
    const Flow& f = r.flow;
    const GeoInfo& g = f.remoteGeo;
    boost::json::object remote{
        {"ip", f.remoteAddr().toString()},
        {"port", row.hasPorts ? boost::json::value(f.remotePort()) : boost::json::value(nullptr)},
        {"country", row.country.empty() ? boost::json::value(nullptr) : boost::json::value(row.country)},
        {"country_name", row.countryName},
        {"registered_country", row.registeredCountry.empty() ? boost::json::value(nullptr)
                                                             : boost::json::value(row.registeredCountry)},
        {"anycast", (g.flags & GeoInfo::kAnycast) != 0},
        {"address_class", row.addrClass},
        {"asn", g.asn ? boost::json::value(g.asn) : boost::json::value(nullptr)},
        {"as_org", row.asOrg.empty() ? boost::json::value(nullptr) : boost::json::value(row.asOrg)}};
    boost::json::object local{
        {"ip", f.localAddr().toString()},
        {"port", row.hasPorts ? boost::json::value(f.localPort()) : boost::json::value(nullptr)}};
    boost::json::object o{{"id", f.id},
                          {"record", f.records},
                          {"protocol", row.proto},
                          {"protocol_number", f.key.proto},
                          {"remote", std::move(remote)},
                          {"local", std::move(local)},
                          {"locality", std::string(localityName(f.locality))},
                          {"initiator", row.initiator},
                          {"initiator_guessed", f.initiatorGuessed()},
                          {"state", std::string(flowStateName(f.state))},
                          {"end_reason", std::string(endReasonName(r.reason))},
                          {"first_seen", formatRfc3339(f.firstSeen)},
                          {"last_seen", formatRfc3339(f.lastSeen)},
                          {"duration_s", row.durationSec},
                          {"bytes_out", f.bytesOut},
                          {"bytes_in", f.bytesIn},
                          {"packets_out", f.pktsOut},
                          {"packets_in", f.pktsIn}};
    auto orNull = [](const std::string& v) {
      return v.empty() ? boost::json::value(nullptr) : boost::json::value(v);
    };
    o["hostname"] = orNull(row.hostname);
    o["hostname_source"] = row.hostnameSource;
    o["registrable_domain"] = orNull(row.registrableDomain);
    o["alpn"] = orNull(r.alpn);
    o["app"] = orNull(row.app);
    o["ech"] = (f.nameFlags & Flow::kNameEch) != 0;
    o["encrypted_dns"] = (f.nameFlags & Flow::kNameEncryptedDns) != 0;
    o["verdict"] = r.verdict ? boost::json::value(verdictKindName(*r.verdict)) : boost::json::value(nullptr);
    o["verdict_reason"] = r.verdictReason != IndeterminateReason::None
                              ? boost::json::value(indeterminateReasonName(r.verdictReason))
                              : boost::json::value(nullptr);
    o["rule"] = orNull(r.rule);
    if (f.key.proto == kProtoTcp) {
      o["tcp_flags_out"] = tcpFlagsText(f.tcpFlagsOut);
      o["tcp_flags_in"] = tcpFlagsText(f.tcpFlagsIn);
    }
    flows.push_back(std::move(o));
  }
  doc["flow_records_total"] = records_;
  doc["flows"] = std::move(flows);

  boost::json::array countries;
  for (const auto& c : countryRows(*this)) {
    countries.push_back(countryJson(c));
  }
  doc["countries"] = std::move(countries);

  boost::json::array apps;
  for (const auto& a : appCountryRows(*this)) {
    boost::json::object o{{"app", a.app.empty() ? boost::json::value(nullptr) : boost::json::value(a.app)}};
    for (const auto& kv : countryJson(a.country)) o.emplace(kv.key(), kv.value());
    apps.push_back(std::move(o));
  }
  doc["apps"] = std::move(apps);

  // "group.name" rows become {"group": {"name": value}}: "skipped" always, "indeterminate"
  // with a policy.
  boost::json::object stats;
  stats["skipped"] = boost::json::object();
  if (ctx.judge != nullptr) stats["indeterminate"] = boost::json::object();
  for (const auto& [name, value] : statRows(ctx)) {
    const size_t dot = name.find('.');
    if (dot == std::string::npos) stats[name] = value;
    else stats[name.substr(0, dot)].as_object()[name.substr(dot + 1)] = value;
  }
  doc["stats"] = std::move(stats);

  // The alerts the policy raised, as the JSON Lines sink writes them (docs/alerts.md).
  if (ctx.policy != nullptr) {
    boost::json::array alerts;
    for (const auto& line : alertLines_) alerts.push_back(boost::json::parse(line.json));
    doc["policy"] = boost::json::object{{"source", ctx.policy->source()}};
    doc["alerts"] = std::move(alerts);
  } else {
    doc["policy"] = nullptr;
    doc["alerts"] = boost::json::array();
  }
  return boost::json::serialize(doc);
}

}  // namespace egressmon

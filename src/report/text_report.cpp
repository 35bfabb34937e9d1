#include <fmt/format.h>

#include "egressmon/report/report.h"
#include "rows.h"

namespace egressmon {

namespace {

// Aligned columns: text left, numbers right; widths from the content.
class TextTable {
public:
  struct Column {
    std::string title;
    bool right;
  };
  explicit TextTable(std::vector<Column> cols) : cols_(std::move(cols)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  void write(std::FILE* out) const {
    std::vector<size_t> w(cols_.size());
    for (size_t i = 0; i < cols_.size(); ++i) w[i] = cols_[i].title.size();
    for (const auto& r : rows_)
      for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
    auto line = [&](const std::vector<std::string>& cells) {
      std::string s;
      for (size_t i = 0; i < cols_.size(); ++i) {
        const std::string& c = i < cells.size() ? cells[i] : empty_;
        const bool last = i + 1 == cols_.size();
        if (cols_[i].right) s += fmt::format("{:>{}}", c, w[i]);
        else s += last ? c : fmt::format("{:<{}}", c, w[i]);
        if (!last) s += "  ";
      }
      while (!s.empty() && s.back() == ' ') s.pop_back();
      std::fprintf(out, "%s\n", s.c_str());
    };
    std::vector<std::string> titles;
    for (const auto& c : cols_) titles.push_back(c.title);
    line(titles);
    for (const auto& r : rows_) line(r);
  }

private:
  std::vector<Column> cols_;
  std::vector<std::vector<std::string>> rows_;
  std::string empty_;
};

std::string thousands(uint64_t n) {
  std::string d = std::to_string(n);
  std::string s;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i != 0 && (d.size() - i) % 3 == 0) s += ',';
    s += d[i];
  }
  return s;
}

// out: local -> remote; lan: both local; transit: both remote (a gateway's view).
const char* pathText(Locality l) {
  switch (l) {
    case Locality::LocalRemote: return "out";
    case Locality::LocalLocal: return "lan";
    case Locality::RemoteRemote: return "transit";
  }
  return "?";
}

std::string durationText(double s) {
  if (s < 60) return fmt::format("{:.1f}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", int64_t(s) / 60, int64_t(s) % 60);
  return fmt::format("{}h{:02}m", int64_t(s) / 3600, (int64_t(s) % 3600) / 60);
}

}  // namespace

void AnalyzeReport::writeText(std::FILE* out, const ReportContext& ctx) const {
  using namespace report_detail;
  for (const auto& w : ctx.warnings) std::fprintf(out, "warning: %s\n", w.c_str());

  if (ctx.policy != nullptr) {
    uint64_t alerts = 0;
    for (const auto& l : alertLines_) alerts += l.summary ? 0 : 1;
    std::fprintf(out, "Alerts (%llu, policy %s)\n", static_cast<unsigned long long>(alerts),
                 ctx.policy->source().empty() ? "(built-in)" : ctx.policy->source().c_str());
    if (alertLines_.empty()) std::fprintf(out, "  none: no flow left the allowed region\n");
    for (const auto& l : alertLines_) std::fprintf(out, "%s\n", l.text.c_str());
    if (ctx.alerts && (ctx.alerts->repeats != 0 || ctx.alerts->belowLevel != 0))
      std::fprintf(out, "  %llu more alerts deduplicated (counted in the next alert of their key), "
                        "%llu below min_severity\n",
                   static_cast<unsigned long long>(ctx.alerts->repeats),
                   static_cast<unsigned long long>(ctx.alerts->belowLevel));
    std::fprintf(out, "\n");
  }

  const auto recs = topRecords();
  std::fprintf(out, "Flows (%zu of %llu records, largest first)\n", recs.size(),
               static_cast<unsigned long long>(records_));
  std::vector<TextTable::Column> columns = {
      {"REMOTE", false},    {"HOST", false},     {"APP", false},      {"CC", false},
      {"ASN", true},        {"ORGANISATION", false}, {"PROTO", false}, {"LOCAL", false},
      {"PATH", false},      {"INIT", false},     {"BYTES OUT", true}, {"BYTES IN", true},
      {"PKTS OUT", true},   {"PKTS IN", true},   {"DURATION", true}};
  const bool verdicts = ctx.policy != nullptr;
  if (verdicts) columns.insert(columns.begin() + 4, {"VERDICT", false});
  TextTable flows(std::move(columns));
  for (const auto& r : recs) {
    const FlowRow row = makeFlowRow(r, ctx.geo);
    const Flow& f = r.flow;
    std::string cc = row.country.empty() ? "-" : row.country;
    if (!row.registeredCountry.empty()) cc += "/" + row.registeredCountry;
    if (f.remoteGeo.flags & GeoInfo::kAnycast) cc += "*";
    if (row.country.empty() && row.countryName != "unknown") cc = "(" + row.countryName + ")";
    else if (row.country.empty()) cc = "??";
    std::string host = row.hostname.empty() ? "-" : row.hostname + " (" + row.hostnameSource + ")";
    if (f.nameFlags & Flow::kNameEch) host += " ech";
    if (f.nameFlags & Flow::kNameEncryptedDns) host += " enc-dns";
    std::vector<std::string> cells = {
        row.remote, host, row.app.empty() ? "-" : row.app, cc,
        f.remoteGeo.asn ? fmt::format("AS{}", f.remoteGeo.asn) : "-",
        row.asOrg.empty() ? "-" : row.asOrg, row.proto, row.local, pathText(f.locality),
        row.initiator + (f.initiatorGuessed() ? "?" : ""), humanBytes(f.bytesOut),
        humanBytes(f.bytesIn), thousands(f.pktsOut), thousands(f.pktsIn),
        durationText(row.durationSec)};
    if (verdicts) cells.insert(cells.begin() + 4, row.verdict.empty() ? "-" : row.verdict);
    flows.add(std::move(cells));
  }
  flows.write(out);
  std::fprintf(out, "  HOST: the remote's name and where it came from (sni, quic, http, dns); ech = "
                    "an Encrypted Client Hello extension (real or GREASE: the name may be the "
                    "public outer one), enc-dns = DNS over TLS/HTTPS\n");
  std::fprintf(out, "  CC: remote country (?? = not in the database, (class) = special-purpose "
                    "address, X/Y = located X, registered Y, * = anycast);\n"
                    "  PATH: out = local<->remote, lan = both local, transit = both remote "
                    "(LOCAL is then the initiator); INIT ? = guessed from the first packet\n");
  if (verdicts)
    std::fprintf(out, "  VERDICT: the region policy's verdict for the record (docs/policy.md)\n");

  std::fprintf(out, "\nBy remote country\n");
  TextTable countries({{"CC", false}, {"COUNTRY", false}, {"FLOWS", true}, {"BYTES OUT", true},
                       {"BYTES IN", true}, {"PKTS OUT", true}, {"PKTS IN", true}});
  for (const auto& c : countryRows(*this)) {
    countries.add({c.code.empty() ? "-" : c.code, c.code.empty() ? "(" + c.name + ")" : c.name,
                   thousands(c.totals.flows), humanBytes(c.totals.bytesOut),
                   humanBytes(c.totals.bytesIn), thousands(c.totals.pktsOut),
                   thousands(c.totals.pktsIn)});
  }
  countries.write(out);

  std::fprintf(out, "\nBy app and remote country\n");
  TextTable apps({{"APP", false}, {"CC", false}, {"COUNTRY", false}, {"FLOWS", true},
                  {"BYTES OUT", true}, {"BYTES IN", true}});
  for (const auto& a : appCountryRows(*this)) {
    const CountryRow& c = a.country;
    apps.add({a.app.empty() ? "(no app)" : a.app, c.code.empty() ? "-" : c.code,
              c.code.empty() ? "(" + c.name + ")" : c.name, thousands(c.totals.flows),
              humanBytes(c.totals.bytesOut), humanBytes(c.totals.bytesIn)});
  }
  apps.write(out);

  std::fprintf(out, "\nStatistics\n");
  TextTable stats({{"COUNTER", false}, {"VALUE", true}});
  for (const auto& [name, value] : statRows(ctx)) {
    const bool sub = name.find('.') != std::string::npos;
    stats.add({sub ? "  " + name.substr(name.find('.') + 1) : name, thousands(value)});
  }
  stats.write(out);
}

}  // namespace egressmon

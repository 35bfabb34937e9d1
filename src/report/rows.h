#pragma once
// One row model shared by the text and JSON renderers, so both say the same thing.
#include <string>
#include <utility>
#include <vector>

#include "egressmon/report/report.h"

namespace egressmon::report_detail {

struct FlowRow {
  const Flow* flow = nullptr;
  EndReason reason = EndReason::EndOfInput;
  bool hasPorts = false;
  std::string remote;       // "addr:port"
  std::string local;
  std::string proto;
  std::string country;      // "DE", or "" when unknown / special
  std::string countryName;  // "Germany", "unknown", "private", ...
  std::string registeredCountry;
  std::string addrClass;    // "public", "private", ...
  std::string asOrg;
  std::string initiator;    // "local" or "remote"
  double durationSec = 0;
  std::string hostname;          // "" when none
  std::string hostnameSource;    // "sni", "quic", "http", "dns" or "none"
  std::string registrableDomain; // eTLD+1 of hostname (libpsl), "" when none
  std::string app;               // "" when no rule matched
  std::string verdict;           // verdictLabel(), "" without a policy
};

FlowRow makeFlowRow(const AnalyzeReport::Record& r, const GeoResolver* geo);

struct CountryRow {
  std::string key;
  std::string code;   // "" for unknown / special
  std::string name;
  std::string addrClass;
  CountryTotals totals;
};

/// Country summary rows, most bytes sent first.
std::vector<CountryRow> countryRows(const AnalyzeReport& report);

struct AppCountryRow {
  std::string app;  // "" for flows no rule matched
  CountryRow country;
};
/// App x country rows: apps by name (unattributed last), countries by bytes sent.
std::vector<AppCountryRow> appCountryRows(const AnalyzeReport& report);

/// Statistics as (stable name, value) pairs; decode skip reasons are "skipped.<reason>",
/// indeterminate records by reason "indeterminate.<reason>".
std::vector<std::pair<std::string, uint64_t>> statRows(const ReportContext& ctx);

}  // namespace egressmon::report_detail

#pragma once
// The `analyze` report: a FlowSink that keeps the top N flow records by bytes and a summary by
// remote country, then renders them as aligned text tables or as one JSON document.
// Field names of the JSON form are stable and documented in docs/analyze-json.md.
#include <cstdint>
#include <cstdio>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "egressmon/alerts/pipeline.h"
#include "egressmon/engine/engine.h"
#include "egressmon/geo/geo.h"
#include "egressmon/judge/flow_judge.h"

namespace egressmon {

/// What the report needs besides the flow records; filled after the engine finished.
struct ReportContext {
  std::vector<std::string> inputs;
  std::vector<std::string> warnings;   // e.g. unsupported link types, unreadable files
  const EngineStats* engine = nullptr;
  const FlowTableStats* flows = nullptr;
  const GeoResolver* geo = nullptr;
  const FlowNamerStats* names = nullptr;
  const NameCacheStats* answerCache = nullptr;     // null: no DNS answer was cached
  const Policy* policy = nullptr;                  // null: no region policy (no verdicts)
  const JudgeStats* judge = nullptr;
  std::optional<AlertPipelineStats> alerts;        // set when a policy ran
};

/// Aggregate per remote country (or per special class / unknown).
struct CountryTotals {
  uint64_t flows = 0;
  uint64_t bytesOut = 0;
  uint64_t bytesIn = 0;
  uint64_t pktsOut = 0;
  uint64_t pktsIn = 0;
};

class AnalyzeReport final : public FlowSink {
public:
  /// top == 0 keeps every record (memory grows with the flow count).
  explicit AnalyzeReport(size_t top);

  void onFlowRecord(const Flow& flow, const FlowNaming& naming, EndReason reason,
                    const Verdict* verdict) override;

  /// An alert sink for the AlertPipeline that keeps every line it emits, in text (terminal
  /// style) and JSON form, for the report's alerts section. The report must outlive it.
  std::unique_ptr<AlertSink> makeAlertSink();
  /// One emitted alert or rate-limit summary, in both printed forms.
  struct AlertLine {
    bool summary = false;
    std::string text;  // formatAlertText(..., TextStyle::Terminal) / formatSummaryText
    std::string json;  // formatAlertJson / formatSummaryJson
  };
  const std::vector<AlertLine>& alertLines() const { return alertLines_; }

  /// The kept records, largest first.
  struct Record {
    Flow flow;
    EndReason reason = EndReason::EndOfInput;
    std::string hostname;
    NameSource source = NameSource::None;
    std::string alpn;
    std::string app;
    std::string vendor;
    std::optional<VerdictKind> verdict;  // none without a policy
    IndeterminateReason verdictReason = IndeterminateReason::None;
    std::string rule;
  };
  std::vector<Record> topRecords() const;
  /// Keyed by "CC" for a country, "unknown", or "special:<class>" (built on each call).
  std::map<std::string, CountryTotals> countries() const;
  uint64_t records() const { return records_; }
  /// Totals by (app, remote country key); the app is "" for flows no rule matched.
  std::map<std::pair<std::string, std::string>, CountryTotals> appCountries() const;

  void writeText(std::FILE* out, const ReportContext& ctx) const;
  std::string toJson(const ReportContext& ctx) const;

private:
  size_t top_;
  std::vector<Record> heap_;  // min-heap on total bytes when top_ > 0
  // Totals by slot, so a record costs an array index, not a string and a map look-up:
  // 26*26 country codes, then "unknown", then one per special-purpose class.
  static constexpr size_t kUnknownSlot = 26 * 26;
  static constexpr size_t kSlots = kUnknownSlot + 1 + size_t(AddrClass::kCount);
  static size_t slotOf(const GeoInfo& g);
  std::array<CountryTotals, kSlots> totals_{};
  // Per (app id, country slot); app names are kept once per id.
  std::map<uint32_t, CountryTotals> appTotals_;
  std::map<uint16_t, std::string> appNames_;
  static std::string slotKey(size_t slot);
  uint64_t records_ = 0;
  std::vector<AlertLine> alertLines_;
};

/// "in_region", "out_of_region", "indeterminate:<reason>", "ignored", "special".
std::string verdictLabel(VerdictKind k, IndeterminateReason r);

/// "1.5 KiB", "12.0 MiB", "512 B".
std::string humanBytes(uint64_t n);
/// Protocol name: "tcp", "udp", "icmp", "icmpv6", "gre", ... or "ip-<n>".
std::string protocolName(uint8_t proto);
/// "addr:port" with IPv6 in brackets; the port is left out when zero and portless.
std::string endpointText(const IpAddress& a, uint16_t port, bool withPort);

}  // namespace egressmon

#pragma once
// The alert pipeline: minimum severity, then deduplication, then the overall rate limit, then
// every sink, flushed, before raise() returns. Configured by AlertsConfig (plain data; the
// config module fills it from the TOML file).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "egressmon/alerts/alert.h"
#include "egressmon/alerts/dedup.h"
#include "egressmon/alerts/rate_limit.h"
#include "egressmon/alerts/sink.h"
#include "egressmon/core/result.h"

namespace egressmon {

struct AlertsConfig {
  Severity minSeverity = Severity::Info;  // alerts below it are counted, not raised

  bool console = true;                    // human-readable lines on the console
  ConsoleStream consoleStream = ConsoleStream::Stdout;
  ConsoleStyle consoleStyle = ConsoleStyle::Auto;

  std::string logFile;                    // "" = no rotating log file
  size_t logFileMaxBytes = 10 * 1024 * 1024;
  size_t logFileMaxFiles = 5;             // old files kept (alerts.1.log ... alerts.N.log)

  std::string jsonFile;                   // "" = no JSON Lines file

  bool syslog = false;
  std::string syslogIdent = "egressmon";
  std::string syslogFacility = "daemon";  // user, daemon, auth, authpriv, local0 ... local7

  DedupConfig dedup;
  RateLimitConfig rateLimit;
};

/// Checks the values create() would reject; the message names the setting and what was
/// expected. Any thread.
Status validateAlertsConfig(const AlertsConfig& cfg);

/// What raise() did with an alert.
enum class RaiseOutcome : uint8_t {
  Emitted,      // written to every sink and flushed
  BelowLevel,   // severity below minSeverity: counted only
  Repeat,       // deduplicated: evidence updated, reported on the key's next emitted alert
  RateLimited,  // counted; reported in the next rate-limit summary line
};
std::string_view raiseOutcomeName(RaiseOutcome o);

struct AlertPipelineStats {
  uint64_t raised = 0;
  uint64_t emitted = 0;
  uint64_t belowLevel = 0;
  uint64_t repeats = 0;
  uint64_t rateLimited = 0;
  uint64_t summaries = 0;
  uint64_t dedupEvictions = 0;
  uint64_t sinkErrors = 0;  // sum over the sinks
};

/// Owned by the thread that runs the policy; every method is called from that thread. Not
/// copyable. The destructor calls finish().
class AlertPipeline {
public:
  /// Builds the sinks the config enables, plus `extraSinks` (tests, the analyze command). An
  /// Error names the setting or the file that could not be used; nothing is opened then.
  static Result<std::unique_ptr<AlertPipeline>> create(
      const AlertsConfig& cfg, std::vector<std::unique_ptr<AlertSink>> extraSinks = {});
  ~AlertPipeline();
  AlertPipeline(const AlertPipeline&) = delete;
  AlertPipeline& operator=(const AlertPipeline&) = delete;

  /// Raises one alert at its packet time a.time. When emitted, it has reached every sink and
  /// every sink was flushed before this returns. A pending rate-limit summary whose interval
  /// ended by a.time is written first. Never throws; sink errors are counted. Taken by value:
  /// pass an alert built for the call with std::move and it is not copied.
  RaiseOutcome raise(Alert a);
  /// Lets packet time advance without an alert (timer or end of a packet batch), so that the
  /// summary of an ended rate-limit interval is written without waiting for the next alert.
  void tick(TimeUs now);
  /// At shutdown or the end of a capture: writes the summary of the open rate-limit interval
  /// (if it held anything back) and flushes every sink. Idempotent.
  void finish();

  AlertPipelineStats stats() const;
  const std::vector<std::unique_ptr<AlertSink>>& sinks() const { return sinks_; }

private:
  AlertPipeline(const AlertsConfig& cfg, std::vector<std::unique_ptr<AlertSink>> sinks);
  void writeSummary(const RateLimitSummary& s);

  Severity minSeverity_;
  AlertDeduplicator dedup_;
  AlertRateLimiter limiter_;
  std::vector<std::unique_ptr<AlertSink>> sinks_;
  TimeUs lastTime_ = 0;
  AlertPipelineStats stats_;
};

}  // namespace egressmon

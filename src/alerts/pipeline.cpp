#include "egressmon/alerts/pipeline.h"

#include <fmt/format.h>

#include <algorithm>

namespace egressmon {

std::string_view raiseOutcomeName(RaiseOutcome o) {
  switch (o) {
    case RaiseOutcome::Emitted: return "emitted";
    case RaiseOutcome::BelowLevel: return "below_level";
    case RaiseOutcome::Repeat: return "repeat";
    case RaiseOutcome::RateLimited: return "rate_limited";
  }
  return "emitted";
}

Status validateAlertsConfig(const AlertsConfig& cfg) {
  if (cfg.dedup.window < 0) {
    return Error{"alerts dedup window is negative (expected 0 to disable, or a duration)"};
  }
  if (cfg.dedup.maxKeys == 0) {
    return Error{"alerts dedup max keys is 0 (expected at least 1)"};
  }
  if (cfg.rateLimit.limit > 0 && cfg.rateLimit.interval <= 0) {
    return Error{"alerts rate limit interval is not positive (expected a duration > 0)"};
  }
  if (!cfg.logFile.empty() && cfg.logFileMaxBytes == 0) {
    return Error{"alerts log file max size is 0 (expected at least 1 byte)"};
  }
  if (cfg.syslog && syslogFacility(cfg.syslogFacility) < 0) {
    return Error{fmt::format(
        "alerts syslog facility \"{}\" is unknown (expected user, daemon, auth, authpriv or "
        "local0 ... local7)",
        cfg.syslogFacility)};
  }
  return Ok{};
}

Result<std::unique_ptr<AlertPipeline>> AlertPipeline::create(
    const AlertsConfig& cfg, std::vector<std::unique_ptr<AlertSink>> extraSinks) {
  if (Status st = validateAlertsConfig(cfg); !st) return st.error();
  std::vector<std::unique_ptr<AlertSink>> sinks;
  if (cfg.console) sinks.push_back(makeConsoleAlertSink(cfg.consoleStream, cfg.consoleStyle));
  if (!cfg.logFile.empty()) {
    auto s = makeRotatingFileAlertSink(cfg.logFile, cfg.logFileMaxBytes, cfg.logFileMaxFiles);
    if (!s) return s.error();
    sinks.push_back(std::move(s).value());
  }
  if (!cfg.jsonFile.empty()) {
    auto s = makeJsonLinesAlertSink(cfg.jsonFile);
    if (!s) return s.error();
    sinks.push_back(std::move(s).value());
  }
  if (cfg.syslog) {
    sinks.push_back(makeSyslogAlertSink(cfg.syslogIdent, syslogFacility(cfg.syslogFacility)));
  }
  for (auto& s : extraSinks) sinks.push_back(std::move(s));
  return std::unique_ptr<AlertPipeline>(new AlertPipeline(cfg, std::move(sinks)));
}

AlertPipeline::AlertPipeline(const AlertsConfig& cfg, std::vector<std::unique_ptr<AlertSink>> sinks)
    : minSeverity_(cfg.minSeverity),
      dedup_(cfg.dedup),
      limiter_(cfg.rateLimit),
      sinks_(std::move(sinks)) {}

AlertPipeline::~AlertPipeline() { finish(); }

void AlertPipeline::writeSummary(const RateLimitSummary& s) {
  ++stats_.summaries;
  for (auto& sink : sinks_) {
    sink->emitSummary(s);
    sink->flush();
  }
}

RaiseOutcome AlertPipeline::raise(Alert a) {
  ++stats_.raised;
  lastTime_ = std::max(lastTime_, a.time);
  if (auto s = limiter_.poll(a.time)) writeSummary(*s);
  if (a.severity < minSeverity_) {
    ++stats_.belowLevel;
    return RaiseOutcome::BelowLevel;
  }
  const DedupDecision d =
      dedup_.offer(a, a.time, [this](TimeUs now) { return limiter_.admit(now); });
  switch (d) {
    case DedupDecision::Repeat:
      ++stats_.repeats;
      return RaiseOutcome::Repeat;
    case DedupDecision::Held:
      ++stats_.rateLimited;
      return RaiseOutcome::RateLimited;
    case DedupDecision::Emit: break;
  }
  ++stats_.emitted;
  for (auto& sink : sinks_) {
    sink->emit(a);
    sink->flush();
  }
  return RaiseOutcome::Emitted;
}

void AlertPipeline::tick(TimeUs now) {
  lastTime_ = std::max(lastTime_, now);
  if (auto s = limiter_.poll(now)) writeSummary(*s);
}

void AlertPipeline::finish() {
  if (auto s = limiter_.finish(lastTime_)) writeSummary(*s);
  for (auto& sink : sinks_) sink->flush();
}

AlertPipelineStats AlertPipeline::stats() const {
  AlertPipelineStats s = stats_;
  s.dedupEvictions = dedup_.stats().evictions;
  for (const auto& sink : sinks_) s.sinkErrors += sink->errors();
  return s;
}

}  // namespace egressmon

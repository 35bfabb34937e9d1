#pragma once
// The overall alert rate limit: at most `limit` alerts per `interval` of packet time. Alerts
// beyond it are counted, not emitted; when the interval ends its count comes back as a
// RateLimitSummary to print, so nothing is dropped silently. Intervals are fixed: one starts at
// the first alert after the previous one ended.
#include <cstdint>
#include <optional>

#include "egressmon/alerts/alert.h"

namespace egressmon {

struct RateLimitConfig {
  uint32_t limit = 20;            // alerts per interval; 0 = no limit
  TimeUs interval = seconds(10);  // must be > 0 when limit > 0
};

struct RateLimitStats {
  uint64_t admitted = 0;
  uint64_t suppressed = 0;
  uint64_t summaries = 0;  // summaries handed out by poll() / finish()
};

/// Owned and called by one thread. Allocates nothing.
class AlertRateLimiter {
public:
  explicit AlertRateLimiter(RateLimitConfig cfg = {});

  /// Closes the interval if it ended by `now` and returns the summary of any interval that
  /// held alerts back and was not yet reported (nullopt otherwise). Call before admit() so that
  /// the summary of an interval comes out before the alerts of the next one.
  std::optional<RateLimitSummary> poll(TimeUs now);
  /// True: emit the alert (it counts against the interval). False: counted as suppressed.
  bool admit(TimeUs now);
  /// At shutdown: the summary of the open interval too, even though it has not ended yet.
  std::optional<RateLimitSummary> finish(TimeUs now);

  const RateLimitStats& stats() const { return stats_; }
  const RateLimitConfig& config() const { return cfg_; }

private:
  void closeIfEnded(TimeUs now);
  void close(TimeUs end);

  RateLimitConfig cfg_;
  bool open_ = false;
  TimeUs windowStart_ = 0;
  uint32_t count_ = 0;
  uint64_t suppressed_ = 0;                 // in the open interval
  std::optional<RateLimitSummary> pending_;  // closed, not yet handed out
  RateLimitStats stats_;
};

}  // namespace egressmon

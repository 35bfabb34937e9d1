#include "egressmon/alerts/rate_limit.h"

#include <algorithm>

namespace egressmon {

AlertRateLimiter::AlertRateLimiter(RateLimitConfig cfg) : cfg_(cfg) {
  if (cfg_.interval <= 0) cfg_.limit = 0;  // no interval: nothing to count against
}

void AlertRateLimiter::close(TimeUs end) {
  if (suppressed_ > 0) {
    if (pending_) {
      // Two intervals closed before anyone polled (admit() without poll()): report both as one.
      pending_->suppressed += suppressed_;
      pending_->time = end;
    } else {
      pending_ = RateLimitSummary{end, windowStart_, cfg_.interval, suppressed_, cfg_.limit};
    }
  }
  open_ = false;
  count_ = 0;
  suppressed_ = 0;
}

void AlertRateLimiter::closeIfEnded(TimeUs now) {
  // A packet time before the interval's start (out-of-order replay) counts as inside it.
  if (open_ && now - windowStart_ >= cfg_.interval) close(windowStart_ + cfg_.interval);
}

std::optional<RateLimitSummary> AlertRateLimiter::poll(TimeUs now) {
  closeIfEnded(now);
  std::optional<RateLimitSummary> out;
  out.swap(pending_);
  if (out) ++stats_.summaries;
  return out;
}

bool AlertRateLimiter::admit(TimeUs now) {
  if (cfg_.limit == 0) {
    ++stats_.admitted;
    return true;
  }
  closeIfEnded(now);
  if (!open_) {
    open_ = true;
    windowStart_ = now;
  }
  if (count_ < cfg_.limit) {
    ++count_;
    ++stats_.admitted;
    return true;
  }
  ++suppressed_;
  ++stats_.suppressed;
  return false;
}

std::optional<RateLimitSummary> AlertRateLimiter::finish(TimeUs now) {
  closeIfEnded(now);
  if (open_) close(std::max(now, windowStart_));
  return poll(now);
}

}  // namespace egressmon

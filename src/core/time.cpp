#include "egressmon/core/time.h"

#include <fmt/format.h>

#include <charconv>
#include <ctime>

namespace egressmon {

std::optional<TimeUs> parseDuration(std::string_view s) {
  int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || v < 0 || v > int64_t(1) << 32) return std::nullopt;
  const std::string_view unit(p, size_t(s.data() + s.size() - p));
  if (unit.empty() || unit == "s") return seconds(v);
  if (unit == "ms") return v * 1000;
  if (unit == "m" || unit == "min") return seconds(v * 60);
  if (unit == "h") return seconds(v * 3600);
  if (unit == "d") return seconds(v * 86400);
  return std::nullopt;
}

std::string formatRfc3339(TimeUs t) {
  TimeUs sec = t / kUsPerSec;
  TimeUs us = t % kUsPerSec;
  if (us < 0) {
    us += kUsPerSec;
    sec -= 1;
  }
  const auto tt = static_cast<time_t>(sec);
  struct tm tm {};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
}

}  // namespace egressmon

#include "egressmon/core/time.h"

#include <fmt/format.h>

#include <ctime>

namespace egressmon {

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

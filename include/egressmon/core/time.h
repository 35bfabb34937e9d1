#pragma once
// All engine time is packet time: microseconds since the Unix epoch, taken from capture
// timestamps, so a replayed file behaves exactly as the live traffic did.
#include <cstdint>
#include <string>

namespace egressmon {

using TimeUs = int64_t;

inline constexpr TimeUs kUsPerSec = 1'000'000;

constexpr TimeUs seconds(int64_t s) { return s * kUsPerSec; }

/// RFC 3339 UTC text with microseconds, e.g. 2024-01-02T03:04:05.678901Z.
std::string formatRfc3339(TimeUs t);

}  // namespace egressmon

#pragma once
// All engine time is packet time: microseconds since the Unix epoch, taken from capture
// timestamps, so a replayed file behaves exactly as the live traffic did.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace egressmon {

using TimeUs = int64_t;

inline constexpr TimeUs kUsPerSec = 1'000'000;

constexpr TimeUs seconds(int64_t s) { return s * kUsPerSec; }

/// A duration as configs write it: "30" (seconds), "30s", "500ms", "5m"/"5min", "1h", "1d";
/// nullopt when it is none of those (negative, too large, unknown unit).
std::optional<TimeUs> parseDuration(std::string_view text);

/// RFC 3339 UTC text with microseconds, e.g. 2024-01-02T03:04:05.678901Z.
std::string formatRfc3339(TimeUs t);

}  // namespace egressmon

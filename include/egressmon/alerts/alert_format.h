#pragma once
// The two printed forms of an alert: a human-readable text line (logfmt-style key=value pairs,
// the same names as the JSON keys where they carry the same value) and a JSON Lines object with
// stable keys. Both are documented in docs/alerts.md. Pure functions; any thread.
#include <span>
#include <string>
#include <string_view>

#include "egressmon/alerts/alert.h"

namespace egressmon {

enum class TextStyle : uint8_t {
  Terminal,  // "<RFC 3339 packet time> <severity> <verdict> key=value ..."
  Journald,  // "<N><severity> <verdict> key=value ...": sd-daemon level prefix, no timestamp
  Bare,      // "<severity> <verdict> key=value ...": syslog adds its own time and priority
};

/// The text line of an alert, without a trailing newline.
std::string formatAlertText(const Alert& a, TextStyle style);
/// The text line of a rate-limit summary: "<time> warning N alerts suppressed in ...".
std::string formatSummaryText(const RateLimitSummary& s, TextStyle style);

/// One JSON object, on one line, without a trailing newline. Keys in alertJsonKeys() order.
std::string formatAlertJson(const Alert& a);
/// One JSON object for a rate-limit summary. Keys in summaryJsonKeys() order.
std::string formatSummaryJson(const RateLimitSummary& s);

/// The JSON keys of an alert object, in output order (pinned by a test and docs/alerts.md).
std::span<const std::string_view> alertJsonKeys();
/// The JSON keys of a summary object, in output order.
std::span<const std::string_view> summaryJsonKeys();

/// Appends `s` as a JSON string literal (with quotes). Control characters, '"', '\\', DEL and
/// U+2028/U+2029 are escaped; each byte that is not part of valid UTF-8 becomes U+FFFD, so the
/// output is always valid JSON.
void appendJsonString(std::string& out, std::string_view s);
/// Appends `s` as a text-line value: bare when it is non-empty printable ASCII without space,
/// '"', '\\' or '=' (and not "-"), else double-quoted with \" \\ \n \r \t escapes, \xHH for other
/// control bytes, DEL and invalid UTF-8, \uXXXX for C1 controls, bidi controls and line
/// separators. Valid non-ASCII UTF-8 otherwise passes through. "" is written as "-".
void appendTextValue(std::string& out, std::string_view s);

}  // namespace egressmon

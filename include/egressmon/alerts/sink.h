#pragma once
// Where alerts go. An AlertSink prints alerts and rate-limit summaries in one line format; the
// implementations write through spdlog sinks (stdout/stderr, rotating file, JSON Lines file,
// syslog, or any spdlog sink such as LineCapture's in tests). spdlog stays out of this header.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "egressmon/alerts/alert.h"
#include "egressmon/alerts/alert_format.h"
#include "egressmon/core/result.h"

namespace spdlog::sinks {
class sink;
}

namespace egressmon {

/// One destination for alerts. Called by the thread that owns the AlertPipeline; write errors
/// never throw: they are counted (errors()) and the first one is logged on spdlog's default
/// logger.
class AlertSink {
public:
  virtual ~AlertSink() = default;
  /// Writes one alert as one line.
  virtual void emit(const Alert& a) = 0;
  /// Writes one rate-limit summary line.
  virtual void emitSummary(const RateLimitSummary& s) = 0;
  /// Pushes everything written so far to the file, stream or socket.
  virtual void flush() = 0;
  /// Write and flush failures so far.
  virtual uint64_t errors() const = 0;
  /// What it is, for messages: "stdout", "log file /var/log/egressmon/alerts.log", ...
  virtual const std::string& name() const = 0;
};

/// The line format an AlertSink writes.
enum class LineFormat : uint8_t {
  TerminalText,  // TextStyle::Terminal (RFC 3339 packet time first)
  JournaldText,  // TextStyle::Journald ("<4>warning ...", no timestamp)
  BareText,      // TextStyle::Bare (syslog)
  JsonLines,     // formatAlertJson / formatSummaryJson
};

/// An AlertSink over any spdlog sink. The spdlog sink's pattern is set to "%v" (the line as
/// formatted here, then a newline); alert severities map to spdlog levels info / warn /
/// critical, summaries to warn.
std::unique_ptr<AlertSink> makeSpdlogAlertSink(std::shared_ptr<spdlog::sinks::sink> sink,
                                               LineFormat format, std::string name);

enum class ConsoleStream : uint8_t { Stdout, Stderr };
enum class ConsoleStyle : uint8_t {
  Auto,      // Journald when the stream is connected to the journal (JOURNAL_STREAM), else Terminal
  Terminal,  // RFC 3339 packet time first
  Journald,  // sd-daemon "<N>" level prefix, no timestamp of our own
};

/// True when `fd` is the stream systemd connected to the journal: $JOURNAL_STREAM ("dev:inode")
/// names the device and inode of `fd`, as systemd.exec(5) says to check. Any thread.
bool isJournalStream(int fd);
/// The style Auto resolves to for `stream`.
ConsoleStyle resolveConsoleStyle(ConsoleStyle style, ConsoleStream stream);

/// Human-readable lines on stdout or stderr.
std::unique_ptr<AlertSink> makeConsoleAlertSink(ConsoleStream stream, ConsoleStyle style);
/// Human-readable lines (Terminal style) in a size-rotated file: `path`, and up to `maxFiles`
/// old files of at most `maxBytes` each, named as spdlog does ("alerts.log" -> "alerts.1.log",
/// "alerts.2.log", ...; the oldest is deleted). An Error naming the path when it cannot be
/// opened; maxBytes must be > 0.
Result<std::unique_ptr<AlertSink>> makeRotatingFileAlertSink(const std::string& path,
                                                             size_t maxBytes, size_t maxFiles);
/// JSON Lines appended to `path` (created with its directory when missing). An Error naming the
/// path when it cannot be opened.
Result<std::unique_ptr<AlertSink>> makeJsonLinesAlertSink(const std::string& path);
/// syslog(3) with `ident` and `facility` (see syslogFacility()); Bare text lines, severities
/// as LOG_INFO / LOG_WARNING / LOG_CRIT. openlog() is process-wide: use one syslog sink.
std::unique_ptr<AlertSink> makeSyslogAlertSink(const std::string& ident, int facility);

/// The syslog facility for a name: "user", "daemon", "auth", "authpriv", "local0" ... "local7";
/// -1 for anything else.
int syslogFacility(std::string_view name);

}  // namespace egressmon

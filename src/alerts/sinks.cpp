#include "egressmon/alerts/sink.h"

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <utility>

namespace egressmon {
namespace {

spdlog::level::level_enum levelOf(Severity s) {
  switch (s) {
    case Severity::Info: return spdlog::level::info;
    case Severity::Warning: return spdlog::level::warn;
    case Severity::Critical: return spdlog::level::critical;
  }
  return spdlog::level::warn;
}

/// Formats alerts itself (packet time, not wall-clock time) and hands spdlog the finished line.
/// The logger is private to the sink and never registered: no global state.
class SpdlogAlertSink final : public AlertSink {
public:
  SpdlogAlertSink(std::shared_ptr<spdlog::sinks::sink> sink, LineFormat format, std::string name)
      : logger_(name, std::move(sink)), format_(format), name_(std::move(name)) {
    logger_.set_pattern("%v");
    logger_.set_level(spdlog::level::trace);
    logger_.set_error_handler([this](const std::string& msg) { onError(msg); });
  }

  void emit(const Alert& a) override {
    const std::string line =
        format_ == LineFormat::JsonLines ? formatAlertJson(a) : formatAlertText(a, style());
    logger_.log(levelOf(a.severity), spdlog::string_view_t(line.data(), line.size()));
  }

  void emitSummary(const RateLimitSummary& s) override {
    const std::string line =
        format_ == LineFormat::JsonLines ? formatSummaryJson(s) : formatSummaryText(s, style());
    logger_.log(spdlog::level::warn, spdlog::string_view_t(line.data(), line.size()));
  }

  void flush() override { logger_.flush(); }
  uint64_t errors() const override { return errors_; }
  const std::string& name() const override { return name_; }

private:
  TextStyle style() const {
    switch (format_) {
      case LineFormat::JournaldText: return TextStyle::Journald;
      case LineFormat::BareText: return TextStyle::Bare;
      case LineFormat::TerminalText:
      case LineFormat::JsonLines: break;
    }
    return TextStyle::Terminal;
  }

  void onError(const std::string& msg) {
    // Counted always, logged once per sink: a full disk must not turn into a log flood.
    if (errors_++ == 0) {
      spdlog::error("alert sink {}: {} (further errors only counted)", name_, msg);
    }
  }

  spdlog::logger logger_;
  LineFormat format_;
  std::string name_;
  uint64_t errors_ = 0;
};

template <class Fn>
Result<std::unique_ptr<AlertSink>> openFileSink(const std::string& what, const std::string& path,
                                                Fn&& make) {
  try {
    return make();
  } catch (const std::exception& e) {
    return Error{fmt::format("{} {}: cannot open: {}", what, path, e.what())};
  }
}

}  // namespace

std::unique_ptr<AlertSink> makeSpdlogAlertSink(std::shared_ptr<spdlog::sinks::sink> sink,
                                               LineFormat format, std::string name) {
  return std::make_unique<SpdlogAlertSink>(std::move(sink), format, std::move(name));
}

bool isJournalStream(int fd) {
  const char* env = std::getenv("JOURNAL_STREAM");
  if (env == nullptr) return false;
  const std::string_view v(env);
  const size_t colon = v.find(':');
  if (colon == std::string_view::npos) return false;
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  const auto r1 = std::from_chars(v.data(), v.data() + colon, dev);
  const auto r2 = std::from_chars(v.data() + colon + 1, v.data() + v.size(), ino);
  if (r1.ec != std::errc() || r1.ptr != v.data() + colon || r2.ec != std::errc() ||
      r2.ptr != v.data() + v.size()) {
    return false;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

ConsoleStyle resolveConsoleStyle(ConsoleStyle style, ConsoleStream stream) {
  if (style != ConsoleStyle::Auto) return style;
  const int fd = stream == ConsoleStream::Stdout ? STDOUT_FILENO : STDERR_FILENO;
  return isJournalStream(fd) ? ConsoleStyle::Journald : ConsoleStyle::Terminal;
}

std::unique_ptr<AlertSink> makeConsoleAlertSink(ConsoleStream stream, ConsoleStyle style) {
  const LineFormat format = resolveConsoleStyle(style, stream) == ConsoleStyle::Journald
                                ? LineFormat::JournaldText
                                : LineFormat::TerminalText;
  if (stream == ConsoleStream::Stdout) {
    return makeSpdlogAlertSink(std::make_shared<spdlog::sinks::stdout_sink_st>(), format,
                               "stdout");
  }
  return makeSpdlogAlertSink(std::make_shared<spdlog::sinks::stderr_sink_st>(), format, "stderr");
}

Result<std::unique_ptr<AlertSink>> makeRotatingFileAlertSink(const std::string& path,
                                                             size_t maxBytes, size_t maxFiles) {
  if (maxBytes == 0) {
    return Error{fmt::format("alert log file {}: max size 0 (expected at least 1 byte)", path)};
  }
  return openFileSink("alert log file", path, [&]() -> std::unique_ptr<AlertSink> {
    return makeSpdlogAlertSink(
        std::make_shared<spdlog::sinks::rotating_file_sink_st>(path, maxBytes, maxFiles),
        LineFormat::TerminalText, "log file " + path);
  });
}

Result<std::unique_ptr<AlertSink>> makeJsonLinesAlertSink(const std::string& path) {
  return openFileSink("alert JSON file", path, [&]() -> std::unique_ptr<AlertSink> {
    return makeSpdlogAlertSink(
        std::make_shared<spdlog::sinks::basic_file_sink_st>(path, /*truncate=*/false),
        LineFormat::JsonLines, "JSON file " + path);
  });
}

std::unique_ptr<AlertSink> makeSyslogAlertSink(const std::string& ident, int facility) {
  return makeSpdlogAlertSink(std::make_shared<spdlog::sinks::syslog_sink_st>(
                                 ident, LOG_PID, facility, /*enable_formatting=*/false),
                             LineFormat::BareText, "syslog");
}

int syslogFacility(std::string_view name) {
  static constexpr std::pair<std::string_view, int> kFacilities[] = {
      {"user", LOG_USER},     {"daemon", LOG_DAEMON}, {"auth", LOG_AUTH},
      {"authpriv", LOG_AUTHPRIV}, {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
      {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
      {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7}};
  for (const auto& [n, f] : kFacilities) {
    if (n == name) return f;
  }
  return -1;
}

}  // namespace egressmon

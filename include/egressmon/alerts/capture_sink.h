#pragma once
// A test sink: an spdlog sink that keeps every line written to it (without the newline), its
// level and the number of flushes, as spdlog's own tests/test_sink.h does, so tests assert on
// exactly what was logged. Wrap it with makeSpdlogAlertSink().
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace spdlog::sinks {
class sink;
}

namespace egressmon {

/// Copies share the same captured lines. Thread-safe (the sink takes a mutex).
class LineCapture {
public:
  LineCapture();

  /// The spdlog sink to hand to makeSpdlogAlertSink().
  std::shared_ptr<spdlog::sinks::sink> sink() const;
  /// Every line so far, in order, without line ends.
  std::vector<std::string> lines() const;
  /// The spdlog level name of each line ("info", "warning", "critical").
  std::vector<std::string> levels() const;
  /// flush() calls so far.
  size_t flushes() const;
  void clear();

private:
  class Sink;
  std::shared_ptr<Sink> sink_;
};

}  // namespace egressmon

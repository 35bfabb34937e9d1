#include "egressmon/alerts/capture_sink.h"

#include <spdlog/details/os.h>
#include <spdlog/sinks/base_sink.h>

#include <cstring>
#include <mutex>

namespace egressmon {

class LineCapture::Sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  std::vector<std::string> levels() {
    std::lock_guard lock(mutex_);
    return levels_;
  }
  size_t flushes() {
    std::lock_guard lock(mutex_);
    return flushes_;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    lines_.clear();
    levels_.clear();
    flushes_ = 0;
  }

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    // Keep the line without the end of line the formatter appended.
    const size_t eol = std::strlen(spdlog::details::os::default_eol);
    const size_t n = formatted.size() >= eol ? formatted.size() - eol : formatted.size();
    lines_.emplace_back(formatted.data(), n);
    const auto lvl = spdlog::level::to_string_view(msg.level);
    levels_.emplace_back(lvl.data(), lvl.size());
  }
  void flush_() override { ++flushes_; }

private:
  std::vector<std::string> lines_;
  std::vector<std::string> levels_;
  size_t flushes_ = 0;
};

LineCapture::LineCapture() : sink_(std::make_shared<Sink>()) {}
std::shared_ptr<spdlog::sinks::sink> LineCapture::sink() const { return sink_; }
std::vector<std::string> LineCapture::lines() const { return sink_->lines(); }
std::vector<std::string> LineCapture::levels() const { return sink_->levels(); }
size_t LineCapture::flushes() const { return sink_->flushes(); }
void LineCapture::clear() { sink_->clear(); }

}  // namespace egressmon

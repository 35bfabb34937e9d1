#pragma once
// HTTP/1.x request Host header reading from a stream prefix (the first request of a flow).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace egressmon {

/// The request line and headers must end within this many bytes of the stream, or the request
/// is Malformed (servers commonly cap the header section at 8 KiB).
inline constexpr size_t kHttpMaxHeaderBytes = 8192;

struct HttpRequestInfo {
  static constexpr size_t kMaxHost = 255;
  char host[kMaxHost + 1] = {};  // lower-cased, port stripped, NUL-terminated
  uint8_t hostLen = 0;
  char method[16] = {};
  std::string_view hostView() const { return {host, hostLen}; }
};

enum class HttpStatus : uint8_t {
  Ok,         // request line and Host header read
  NeedMore,   // looks like a request; headers not complete yet
  NotHttp,    // does not start with an HTTP/1.x request line
  NoHost,     // headers complete, no Host header
  Malformed,
  kCount
};
const char* httpStatusName(HttpStatus s);

/// True when the first bytes look like an HTTP/1.x request method ("GET ", "POST ", ...);
/// false while fewer bytes than "METHOD " have arrived. Case-sensitive (RFC 9112).
bool looksLikeHttpRequest(const uint8_t* p, size_t len);

/// Parses the request line and headers at the start of a client stream prefix. The host comes
/// from an absolute-form (or CONNECT authority-form) request target when there is one (RFC 9112
/// §3.2.2: it overrides Host), else from the Host header. `method` is set once a known method
/// is seen, even on NeedMore; the host only on Ok. Any thread; no allocation; never throws.
HttpStatus parseHttpRequest(const uint8_t* stream, size_t len, HttpRequestInfo& out);

}  // namespace egressmon

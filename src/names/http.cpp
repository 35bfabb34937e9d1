// HTTP/1.x request-line and Host header reading over a stream prefix (RFC 9112, RFC 9110).
#include "egressmon/names/http.h"

#include <cstring>

namespace egressmon {

const char* httpStatusName(HttpStatus s) {
  switch (s) {
    case HttpStatus::Ok: return "ok";
    case HttpStatus::NeedMore: return "need_more";
    case HttpStatus::NotHttp: return "not_http";
    case HttpStatus::NoHost: return "no_host";
    case HttpStatus::Malformed: return "malformed";
    case HttpStatus::kCount: break;
  }
  return "unknown";
}

namespace {

constexpr std::string_view kMethods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                         "CONNECT", "OPTIONS", "TRACE", "PATCH"};

// How many bytes of "METHOD " are present: the method's length plus one when a known method
// and its space start the bytes; 0 when they cannot; -1 when the bytes are a proper prefix of
// one and more are needed.
int matchMethod(const uint8_t* p, size_t len) {
  bool partial = false;
  for (std::string_view m : kMethods) {
    const size_t n = m.size() + 1;
    const size_t have = len < n ? len : n;
    if (std::memcmp(p, m.data(), have < m.size() ? have : m.size()) != 0) continue;
    if (have == n) {
      if (p[m.size()] == ' ') return int(n);
      continue;
    }
    partial = true;
  }
  return partial ? -1 : 0;
}

bool isTchar(uint8_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != 0;
}

char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
  }
  return true;
}

// A byte that can never appear in a request line or header line (CR is checked where the line
// ends; HTAB is allowed in field values).
bool isForbiddenControl(uint8_t c) { return (c < 0x20 && c != '\t' && c != '\r') || c == 0x7F; }

// reg-name characters (RFC 3986: unreserved, pct-encoded, sub-delims) and IPv6-literal ones.
bool isRegNameChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != 0 && std::strchr("-._~%!$&'()*+,;=", c) != nullptr;
}
bool isIpLiteralChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
         c == '.';
}
bool allDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

enum class HostParse : uint8_t { Ok, Empty, Bad };

// Reduces an RFC 9110 Host value ("host[:port]") or a URI authority, which may also carry
// "userinfo@", to the host name: lower-cased, brackets and port removed, one trailing dot
// dropped.
HostParse normalizeHost(std::string_view v, bool mayHaveUserinfo, HttpRequestInfo& out) {
  if (const size_t at = v.rfind('@'); mayHaveUserinfo && at != std::string_view::npos) {
    v.remove_prefix(at + 1);
  }
  std::string_view host;
  if (!v.empty() && v.front() == '[') {
    const size_t close = v.find(']');
    if (close == std::string_view::npos) return HostParse::Bad;
    host = v.substr(1, close - 1);
    const std::string_view rest = v.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !allDigits(rest.substr(1)))) return HostParse::Bad;
    if (host.find(':') == std::string_view::npos) return HostParse::Bad;
    for (char c : host) {
      if (!isIpLiteralChar(c)) return HostParse::Bad;
    }
  } else {
    host = v;
    if (const size_t colon = v.find(':'); colon != std::string_view::npos) {
      if (!allDigits(v.substr(colon + 1))) return HostParse::Bad;
      host = v.substr(0, colon);
    }
    for (char c : host) {
      if (!isRegNameChar(c)) return HostParse::Bad;
    }
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  }
  if (host.empty()) return HostParse::Empty;
  if (host.size() > HttpRequestInfo::kMaxHost) return HostParse::Bad;
  for (size_t i = 0; i < host.size(); ++i) out.host[i] = lowerAscii(host[i]);
  out.host[host.size()] = '\0';
  out.hostLen = uint8_t(host.size());
  return HostParse::Ok;
}

// The authority of an absolute-form ("scheme://authority/path") or authority-form (CONNECT)
// request target; empty when the target is origin-form or asterisk-form.
std::string_view targetAuthority(std::string_view target, bool isConnect) {
  if (isConnect) return target;
  if (target.empty() || target.front() == '/' || target == "*") return {};
  const size_t sep = target.find("://");
  if (sep == std::string_view::npos || sep == 0) return {};
  for (size_t i = 0; i < sep; ++i) {
    const char c = target[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alpha && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))) {
      return {};
    }
  }
  std::string_view rest = target.substr(sep + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

// The line starting at `start`: its end (the LF) or npos when the bytes end first. A byte that
// can never be valid, or a CR that is not right before the LF, makes it Malformed right away so
// a binary stream is rejected without waiting for 8 KiB.
struct Line {
  std::string_view text;  // without the line ending
  bool complete = false;
  bool bad = false;
  size_t next = 0;  // offset after the LF
};
Line readLine(const uint8_t* p, size_t len, size_t start) {
  Line line;
  size_t i = start;
  for (; i < len; ++i) {
    const uint8_t c = p[i];
    if (c == '\n') break;
    if (isForbiddenControl(c) || (c == '\r' && i + 1 < len && p[i + 1] != '\n')) {
      line.bad = true;
      return line;
    }
  }
  if (i == len) return line;
  size_t end = i;
  if (end > start && p[end - 1] == '\r') --end;
  line.text = std::string_view(reinterpret_cast<const char*>(p) + start, end - start);
  line.complete = true;
  line.next = i + 1;
  return line;
}

}  // namespace

bool looksLikeHttpRequest(const uint8_t* p, size_t len) {
  return p != nullptr && matchMethod(p, len) > 0;
}

HttpStatus parseHttpRequest(const uint8_t* stream, size_t len, HttpRequestInfo& out) {
  out.host[0] = '\0';
  out.hostLen = 0;
  out.method[0] = '\0';
  if (stream == nullptr || len == 0) return HttpStatus::NeedMore;
  const int methodLen = matchMethod(stream, len);
  if (methodLen < 0) return HttpStatus::NeedMore;
  if (methodLen == 0) return HttpStatus::NotHttp;
  std::memcpy(out.method, stream, size_t(methodLen - 1));
  out.method[methodLen - 1] = '\0';
  const bool isConnect = std::strcmp(out.method, "CONNECT") == 0;

  // Only the first kHttpMaxHeaderBytes can hold the request line and headers.
  const bool capped = len >= kHttpMaxHeaderBytes;
  const size_t avail = capped ? kHttpMaxHeaderBytes : len;
  const auto needMore = [capped] { return capped ? HttpStatus::Malformed : HttpStatus::NeedMore; };

  // Request line: METHOD SP request-target SP HTTP-version.
  const Line request = readLine(stream, avail, 0);
  if (request.bad) return HttpStatus::Malformed;
  if (!request.complete) return needMore();
  const std::string_view rest = request.text.substr(size_t(methodLen));
  const size_t sp = rest.rfind(' ');
  if (sp == std::string_view::npos) return HttpStatus::NotHttp;  // HTTP/0.9 or something else
  const std::string_view version = rest.substr(sp + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return HttpStatus::NotHttp;
  const std::string_view target = rest.substr(0, sp);
  if (target.empty()) return HttpStatus::Malformed;
  for (char c : target) {
    const auto u = uint8_t(c);
    if (u <= 0x20 || u >= 0x7F) return HttpStatus::Malformed;
  }

  std::string_view hostValue;
  bool haveHost = false;
  size_t pos = request.next;
  for (;;) {
    const Line line = readLine(stream, avail, pos);
    if (line.bad) return HttpStatus::Malformed;
    if (!line.complete) return needMore();
    pos = line.next;
    if (line.text.empty()) break;  // end of the header section
    // obs-fold (a line starting with whitespace) is rejected: RFC 9112 §5.2 lets a server do
    // so, and it is a known way to hide a second Host from one parser but not another.
    const size_t colon = line.text.find(':');
    if (colon == std::string_view::npos || colon == 0) return HttpStatus::Malformed;
    const std::string_view name = line.text.substr(0, colon);
    for (char c : name) {
      if (!isTchar(uint8_t(c))) return HttpStatus::Malformed;  // also whitespace before ':'
    }
    if (!equalsIgnoreCase(name, "host")) continue;
    if (haveHost) return HttpStatus::Malformed;  // RFC 9112 §3.2: more than one Host
    haveHost = true;
    hostValue = line.text.substr(colon + 1);
    while (!hostValue.empty() && (hostValue.front() == ' ' || hostValue.front() == '\t')) {
      hostValue.remove_prefix(1);
    }
    while (!hostValue.empty() && (hostValue.back() == ' ' || hostValue.back() == '\t')) {
      hostValue.remove_suffix(1);
    }
  }

  // RFC 9112 §3.2.2: with an absolute-form target the target's authority wins over Host.
  const std::string_view authority = targetAuthority(target, isConnect);
  HostParse hp = HostParse::Empty;
  if (!authority.empty()) {
    hp = normalizeHost(authority, !isConnect, out);
  } else if (haveHost) {
    hp = normalizeHost(hostValue, false, out);
  }
  if (hp == HostParse::Bad) return HttpStatus::Malformed;
  if (hp == HostParse::Empty) return HttpStatus::NoHost;
  return HttpStatus::Ok;
}

}  // namespace egressmon

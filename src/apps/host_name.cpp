#include "egressmon/apps/host_name.h"

#include <fmt/format.h>

#include "egressmon/core/ip_address.h"

namespace egressmon {

namespace {
char lowerAscii(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLabelChar(char c) {
  return (c >= 'a' && c <= 'z') || isDigit(c) || c == '-' || c == '_';
}
}  // namespace

size_t foldHostName(std::string_view host, char (&out)[kMaxHostName + 1]) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > kMaxHostName) return 0;
  for (size_t i = 0; i < host.size(); ++i) out[i] = lowerAscii(host[i]);
  out[host.size()] = '\0';
  return host.size();
}

bool isAddressLiteral(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty()) return false;
  if (host.front() == '[' || host.find(':') != std::string_view::npos) return true;
  const size_t dot = host.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  for (char c : last)
    if (!isDigit(c)) return false;
  return true;
}

Result<std::string> canonicalDomain(std::string_view text) {
  constexpr std::string_view kExpected = "(expected a domain name such as \"example.com\")";
  const std::string quoted = fmt::format("\"{}\"", text);
  if (text.starts_with("*.")) {
    return Error{fmt::format("{} has a wildcard; a domain already matches every name below it "
                             "(expected \"{}\")",
                             quoted, text.substr(2))};
  }
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty()) return Error{fmt::format("empty domain {}", kExpected)};
  if (text.size() > kMaxHostName) {
    return Error{fmt::format("{} is {} characters long (expected at most {})", quoted,
                             text.size(), kMaxHostName)};
  }
  if (isAddressLiteral(text)) {
    return Error{fmt::format("{} is an address, not a domain (expected it under ranges, "
                             "or a domain name)",
                             quoted)};
  }
  std::string out;
  out.reserve(text.size());
  size_t labelStart = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '.') {
      const char c = lowerAscii(text[i]);
      if (static_cast<unsigned char>(c) >= 0x80) {
        return Error{fmt::format("{} is not ASCII (expected the punycode form, xn--...)", quoted)};
      }
      if (!isLabelChar(c)) {
        return Error{fmt::format("{} contains '{}' (expected letters, digits, '-' and '_' "
                                 "in dot-separated labels)",
                                 quoted, c)};
      }
      out += c;
      continue;
    }
    const size_t len = i - labelStart;
    if (len == 0) return Error{fmt::format("{} has an empty label {}", quoted, kExpected)};
    if (len > 63) {
      return Error{fmt::format("{} has a label of {} characters (expected at most 63)", quoted,
                               len)};
    }
    if (text[labelStart] == '-' || text[i - 1] == '-') {
      return Error{fmt::format("{} has a label that starts or ends with '-' {}", quoted,
                               kExpected)};
    }
    if (i < text.size()) out += '.';
    labelStart = i + 1;
  }
  return out;
}

}  // namespace egressmon

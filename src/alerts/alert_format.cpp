#include "egressmon/alerts/alert_format.h"

#include <fmt/format.h>

#include <array>
#include <cassert>
#include <iterator>

namespace egressmon {
namespace {

/// Length of the valid UTF-8 sequence at s[i] (1-4), or 0 when the bytes there are not valid
/// UTF-8 (overlong forms, surrogates and code points above U+10FFFF are invalid). `cp` receives
/// the code point.
size_t utf8Sequence(std::string_view s, size_t i, uint32_t& cp) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  size_t len = 0;
  uint32_t min = 0;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2;
    cp = b0 & 0x1fu;
    min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3;
    cp = b0 & 0x0fu;
    min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4;
    cp = b0 & 0x07u;
    min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

/// Code points a terminal or log viewer could be fooled by: C1 controls, bidi embeddings,
/// overrides and isolates (the "Trojan Source" characters), line and paragraph separators.
bool isDeceptive(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
         (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

bool isBareTextByte(char c) {
  return c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '=';
}

bool hasPorts(uint8_t proto) { return proto == 6 || proto == 17 || proto == 132; }

std::string endpoint(const IpAddress& a, uint16_t port, uint8_t proto) {
  if (!hasPorts(proto)) return a.toString();
  if (a.isV4()) return fmt::format("{}:{}", a.toString(), port);
  return fmt::format("[{}]:{}", a.toString(), port);
}

std::string_view journaldPrefix(Severity s) {
  // sd-daemon(3) priority prefixes: <2> LOG_CRIT, <4> LOG_WARNING, <6> LOG_INFO.
  switch (s) {
    case Severity::Critical: return "<2>";
    case Severity::Warning: return "<4>";
    case Severity::Info: return "<6>";
  }
  return "<4>";
}

void appendLead(std::string& out, TimeUs t, Severity sev, TextStyle style) {
  switch (style) {
    case TextStyle::Terminal:
      out += formatRfc3339(t);
      out += ' ';
      break;
    case TextStyle::Journald: out += journaldPrefix(sev); break;
    case TextStyle::Bare: break;
  }
  out += severityName(sev);
}

void textField(std::string& out, std::string_view key, std::string_view value) {
  out += ' ';
  out += key;
  out += '=';
  appendTextValue(out, value);
}

template <class T>
void textNumber(std::string& out, std::string_view key, T value) {
  fmt::format_to(std::back_inserter(out), " {}={}", key, value);
}

constexpr std::array<std::string_view, 34> kAlertKeys = {
    "type",           "time",          "severity",      "verdict",       "verdict_reason",
    "app",            "hostname",      "hostname_source", "domain",      "remote_addr",
    "remote_port",    "country",       "country_name",  "registered_country", "asn",
    "as_org",         "local_addr",    "local_port",    "protocol",      "initiator",
    "initiator_guessed", "bytes_out",  "packets_out",   "bytes_in",      "packets_in",
    "rule",           "flow_id",       "dedup_key",     "first_seen",    "last_seen",
    "key_flows",      "key_bytes_out", "key_hosts",     "repeats_suppressed"};

constexpr std::array<std::string_view, 8> kSummaryKeys = {
    "type", "time", "severity", "suppressed", "limit", "interval_s", "window_start", "message"};

/// Writes JSON objects key by key, in a fixed order checked against the pinned key list.
class JsonWriter {
public:
  explicit JsonWriter(std::span<const std::string_view> keys) : keys_(keys) { out_ += '{'; }

  void str(std::string_view v) {
    key();
    appendJsonString(out_, v);
  }
  /// A string, or null when empty.
  void strOrNull(std::string_view v) {
    key();
    if (v.empty()) {
      out_ += "null";
    } else {
      appendJsonString(out_, v);
    }
  }
  void null() {
    key();
    out_ += "null";
  }
  template <class T>
  void num(T v) {
    key();
    fmt::format_to(std::back_inserter(out_), "{}", v);
  }
  void boolean(bool v) {
    key();
    out_ += v ? "true" : "false";
  }
  void strings(const std::vector<std::string>& v) {
    key();
    out_ += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out_ += ',';
      appendJsonString(out_, v[i]);
    }
    out_ += ']';
  }
  std::string done() {
    assert(next_ == keys_.size() && "every pinned key is written once, in order");
    out_ += '}';
    return std::move(out_);
  }

private:
  void key() {
    assert(next_ < keys_.size() && "a key beyond the pinned list");
    if (next_) out_ += ',';
    appendJsonString(out_, next_ < keys_.size() ? keys_[next_] : std::string_view("?"));
    out_ += ':';
    ++next_;
  }
  std::span<const std::string_view> keys_;
  size_t next_ = 0;
  std::string out_;
};

// A quoted string, escaped for JSON (RFC 8259; U+2028/2029 escaped too, for JavaScript
// readers; an invalid UTF-8 byte becomes U+FFFD) or for the text format (\xNN for control and
// invalid bytes, \uNNNN for code points that could mislead a reader of the log).
void appendQuoted(std::string& out, std::string_view s, bool json) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    const auto u = static_cast<uint8_t>(c);
    if (u < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (json && c == '\b') {
            out += "\\b";
          } else if (json && c == '\f') {
            out += "\\f";
          } else if ((u < 0x20 || u == 0x7f) && json) {
            fmt::format_to(std::back_inserter(out), "\\u{:04x}", u);
          } else if (u < 0x20 || u == 0x7f) {
            fmt::format_to(std::back_inserter(out), "\\x{:02x}", u);
          } else {
            out += c;
          }
      }
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t n = utf8Sequence(s, i, cp);
    if (n == 0) {
      if (json) {
        out += "\\ufffd";  // one replacement character per invalid byte
      } else {
        fmt::format_to(std::back_inserter(out), "\\x{:02x}", u);
      }
      ++i;
    } else if (json ? (cp == 0x2028 || cp == 0x2029) : isDeceptive(cp)) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", cp);
      i += n;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  out += '"';
}

}  // namespace

void appendJsonString(std::string& out, std::string_view s) { appendQuoted(out, s, true); }

void appendTextValue(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += '-';
    return;
  }
  bool bare = s != "-";
  for (char c : s) bare = bare && isBareTextByte(c);
  if (bare) {
    out += s;
    return;
  }
  appendQuoted(out, s, false);
}

std::string formatAlertText(const Alert& a, TextStyle style) {
  std::string out;
  out.reserve(512);
  appendLead(out, a.time, a.severity, style);
  out += ' ';
  out += verdictText(a.verdict, a.reason);
  textField(out, "app", a.app);
  textField(out, "host", a.hostname);
  textField(out, "host_source", hostSourceName(a.hostSource));
  textField(out, "remote", endpoint(a.remoteAddr, a.remotePort, a.protocol));
  textField(out, "country", a.country.view());
  textField(out, "country_name", countryName(a.country));
  textField(out, "registered_country", a.registeredCountry.view());
  textField(out, "asn", a.asn ? fmt::format("AS{}", a.asn) : std::string());
  textField(out, "as_org", a.asOrg);
  textField(out, "local", endpoint(a.localAddr, a.localPort, a.protocol));
  textField(out, "protocol", alertProtocolName(a.protocol));
  textField(out, "initiator",
            fmt::format("{}{}", initiatorName(a.initiator), a.initiatorGuessed ? "?" : ""));
  textNumber(out, "bytes_out", a.bytesOut);
  textNumber(out, "packets_out", a.packetsOut);
  textNumber(out, "bytes_in", a.bytesIn);
  textNumber(out, "packets_in", a.packetsIn);
  textField(out, "rule", a.rule);
  textNumber(out, "flow_id", a.flowId);
  const AlertEvidence& e = a.evidence;
  const bool deduped = !e.key.empty();
  textField(out, "first_seen", deduped ? formatRfc3339(e.firstSeen) : std::string());
  textField(out, "last_seen", deduped ? formatRfc3339(e.lastSeen) : std::string());
  textNumber(out, "key_flows", e.flows);
  textNumber(out, "key_bytes_out", e.bytesOut);
  std::string hosts;
  for (const auto& h : e.hosts) {
    if (!hosts.empty()) hosts += ',';
    hosts += h;
  }
  textField(out, "key_hosts", hosts);
  textNumber(out, "repeats_suppressed", e.repeatsSuppressed);
  return out;
}

std::string formatSummaryText(const RateLimitSummary& s, TextStyle style) {
  std::string out;
  appendLead(out, s.time, Severity::Warning, style);
  out += ' ';
  out += s.text();
  return out;
}

std::string formatAlertJson(const Alert& a) {
  JsonWriter w(kAlertKeys);
  w.str("alert");
  w.str(formatRfc3339(a.time));
  w.str(severityName(a.severity));
  w.str(alertVerdictName(a.verdict));
  w.strOrNull(a.verdict == AlertVerdict::Indeterminate ? std::string_view(a.reason)
                                                      : std::string_view());
  w.strOrNull(a.app);
  w.strOrNull(a.hostname);
  w.str(hostSourceName(a.hostSource));
  w.strOrNull(a.domain);
  w.str(a.remoteAddr.toString());
  if (hasPorts(a.protocol)) {
    w.num(a.remotePort);
  } else {
    w.null();
  }
  w.strOrNull(a.country.view());
  w.strOrNull(countryName(a.country));
  w.strOrNull(a.registeredCountry.view());
  if (a.asn) {
    w.num(a.asn);
  } else {
    w.null();
  }
  w.strOrNull(a.asOrg);
  w.str(a.localAddr.toString());
  if (hasPorts(a.protocol)) {
    w.num(a.localPort);
  } else {
    w.null();
  }
  w.str(alertProtocolName(a.protocol));
  w.str(initiatorName(a.initiator));
  w.boolean(a.initiatorGuessed);
  w.num(a.bytesOut);
  w.num(a.packetsOut);
  w.num(a.bytesIn);
  w.num(a.packetsIn);
  w.strOrNull(a.rule);
  w.num(a.flowId);
  const AlertEvidence& e = a.evidence;
  const bool deduped = !e.key.empty();
  w.strOrNull(e.key);
  if (deduped) {
    w.str(formatRfc3339(e.firstSeen));
    w.str(formatRfc3339(e.lastSeen));
  } else {
    w.null();
    w.null();
  }
  w.num(e.flows);
  w.num(e.bytesOut);
  w.strings(e.hosts);
  w.num(e.repeatsSuppressed);
  return w.done();
}

std::string formatSummaryJson(const RateLimitSummary& s) {
  JsonWriter w(kSummaryKeys);
  w.str("rate_limit_summary");
  w.str(formatRfc3339(s.time));
  w.str(severityName(Severity::Warning));
  w.num(s.suppressed);
  w.num(s.limit);
  w.num(static_cast<double>(s.interval) / kUsPerSec);
  w.str(formatRfc3339(s.windowStart));
  w.str(s.text());
  return w.done();
}

std::span<const std::string_view> alertJsonKeys() { return kAlertKeys; }
std::span<const std::string_view> summaryJsonKeys() { return kSummaryKeys; }

}  // namespace egressmon

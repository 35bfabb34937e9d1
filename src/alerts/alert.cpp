#include "egressmon/alerts/alert.h"

#include <fmt/format.h>

namespace egressmon {

std::string_view severityName(Severity s) {
  switch (s) {
    case Severity::Info: return "info";
    case Severity::Warning: return "warning";
    case Severity::Critical: return "critical";
  }
  return "warning";
}

bool parseSeverity(std::string_view text, Severity& out) {
  for (Severity s : {Severity::Info, Severity::Warning, Severity::Critical}) {
    if (text == severityName(s)) {
      out = s;
      return true;
    }
  }
  return false;
}

std::string_view hostSourceName(HostSource s) {
  switch (s) {
    case HostSource::None: return "none";
    case HostSource::Sni: return "sni";
    case HostSource::Quic: return "quic";
    case HostSource::Http: return "http";
    case HostSource::Dns: return "dns";
  }
  return "none";
}

std::string_view initiatorName(Initiator i) {
  return i == Initiator::Local ? "local" : "remote";
}

std::string_view alertVerdictName(AlertVerdict v) {
  return v == AlertVerdict::OutOfRegion ? "out_of_region" : "indeterminate";
}

std::string verdictText(AlertVerdict v, std::string_view reason) {
  if (v == AlertVerdict::OutOfRegion || reason.empty()) return std::string(alertVerdictName(v));
  return fmt::format("{}:{}", alertVerdictName(v), reason);
}

std::string alertProtocolName(uint8_t proto) {
  // The same names as the report's protocolName() (the alerts module does not link report).
  switch (proto) {
    case 1: return "icmp";
    case 2: return "igmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 47: return "gre";
    case 50: return "esp";
    case 51: return "ah";
    case 58: return "icmpv6";
    case 59: return "ipv6-nonxt";
    case 89: return "ospf";
    case 103: return "pim";
    case 112: return "vrrp";
    case 132: return "sctp";
    default: return fmt::format("ip-{}", proto);
  }
}

std::string RateLimitSummary::text() const {
  // Interval in seconds without trailing zeros: "10", "2.5".
  // Always "alerts", so the line is found by one grep whatever N is.
  const double sec = static_cast<double>(interval) / kUsPerSec;
  return fmt::format("{} alerts suppressed in the last {} s (rate limit {} per {} s)", suppressed,
                     sec, limit, sec);
}

}  // namespace egressmon

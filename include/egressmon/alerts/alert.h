#pragma once
// One alert: an app's traffic left the allowed region (or could not be placed). Plain data with a
// fixed field set; the policy fills it, the deduplicator adds its evidence, the sinks print it.
// The field names used in the text and JSON forms are listed in docs/alerts.md.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "egressmon/core/ip_address.h"
#include "egressmon/core/time.h"
#include "egressmon/geo/geo.h"

namespace egressmon {

enum class Severity : uint8_t { Info, Warning, Critical };
/// "info", "warning", "critical".
std::string_view severityName(Severity s);
/// Parses a severityName(); false (out untouched) for anything else. For the config module.
bool parseSeverity(std::string_view text, Severity& out);

/// Where the host name came from.
enum class HostSource : uint8_t { None, Sni, Quic, Http, Dns };
/// "none", "sni", "quic", "http", "dns".
std::string_view hostSourceName(HostSource s);

enum class Initiator : uint8_t { Local, Remote };
/// "local", "remote".
std::string_view initiatorName(Initiator i);

/// The verdict that alerted. The names are the policy's verdictKindName() for the same kinds
/// (the policy module owns the full verdict vocabulary; alerts does not depend on it).
enum class AlertVerdict : uint8_t { OutOfRegion, Indeterminate };
/// "out_of_region", "indeterminate".
std::string_view alertVerdictName(AlertVerdict v);

/// "out_of_region" or "indeterminate:<reason>" (the text form's verdict word); a missing reason
/// prints as "indeterminate".
std::string verdictText(AlertVerdict v, std::string_view reason);

/// Protocol name as the report prints it: "tcp", "udp", "icmp", "icmpv6", ... or "ip-<n>".
std::string alertProtocolName(uint8_t proto);

/// Filled by the deduplicator on every alert it emits; all zero / empty before that.
struct AlertEvidence {
  std::string key;                 // the dedup key, e.g. "firefox|DE|AS64500"
  TimeUs firstSeen = 0;            // packet time of the first alert of the key
  TimeUs lastSeen = 0;             // packet time of the latest alert of the key (this one)
  uint64_t flows = 0;              // distinct flows alerted under the key since firstSeen
  uint64_t bytesOut = 0;           // bytes out of those flows, as far as their alerts saw
  std::vector<std::string> hosts;  // up to kMaxHosts distinct host names, first seen first
  uint64_t repeatsSuppressed = 0;  // alerts of the key not emitted since its last emitted one

  static constexpr size_t kMaxHosts = 5;
};

struct Alert {
  TimeUs time = 0;                     // packet time of the decision
  Severity severity = Severity::Warning;
  std::string app;                     // "" = no app known
  std::string hostname;                // "" = no name known
  HostSource hostSource = HostSource::None;
  std::string domain;                  // registrable domain of hostname (caller, from the PSL);
                                       // "" = none; used for the dedup key when ASN is unknown
  IpAddress remoteAddr;
  uint16_t remotePort = 0;
  CountryCode country;                 // located country; empty = unknown
  CountryCode registeredCountry;       // empty = unknown or same as country
  uint32_t asn = 0;                    // 0 = unknown
  std::string asOrg;
  IpAddress localAddr;
  uint16_t localPort = 0;
  uint8_t protocol = 0;                // IANA protocol number
  Initiator initiator = Initiator::Local;
  bool initiatorGuessed = false;       // no handshake seen: guessed from the first packet
  uint64_t bytesOut = 0;               // so far, IP bytes local -> remote
  uint64_t packetsOut = 0;
  uint64_t bytesIn = 0;
  uint64_t packetsIn = 0;
  AlertVerdict verdict = AlertVerdict::OutOfRegion;
  std::string reason;                  // for Indeterminate: the policy's reason name
                                       // (indeterminateReasonName(): "unknown_country", ...)
  std::string rule;                    // the rule that decided, e.g. "region EU (app firefox)"
  uint64_t flowId = 0;
  AlertEvidence evidence;              // filled by AlertDeduplicator
};

/// The line emitted when the rate limiter held alerts back during one interval.
struct RateLimitSummary {
  TimeUs time = 0;           // packet time at which the interval was closed
  TimeUs windowStart = 0;    // start of the interval the count covers
  TimeUs interval = 0;       // configured interval length
  uint64_t suppressed = 0;   // alerts counted and not emitted in that interval
  uint32_t limit = 0;        // alerts allowed per interval
  /// "N alerts suppressed in the last M s (rate limit K per M s)".
  std::string text() const;
};

}  // namespace egressmon

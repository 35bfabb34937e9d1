#pragma once
// The region policy: where an app's data may go, and the verdict for one flow. A Policy is
// parsed and checked whole from TOML (parsePolicy / loadPolicy; toml++ stays in the .cpp),
// then immutable: evaluate() is a pure, allocation-free function of a FlowFacts that any thread
// may call. The format, the groups and the verdicts are documented in docs/policy.md.
//
// Verdict order, first that applies wins (docs/policy.md "How a flow is judged"):
//   1. the remote endpoint is local (in local_networks)            -> Special
//   2. a special-purpose address that was not looked up            -> Special
//   3. an [[ignore]] entry matches (file order)                    -> Ignored
//   4. the rule: the app's [[app_policy]], else [region]; neither  -> InRegion ("no policy")
//   5. no known country                                            -> Indeterminate unknown_country
//   6. anycast                                                     -> Indeterminate anycast
//   7. located and registered country on different sides           -> Indeterminate registered_country_differs
//   8. located country not allowed                                 -> OutOfRegion
//   9. name hidden (ECH, DoH) and the flow under hidden_name_scope -> Indeterminate hidden_name
//  10. country database older than its maximum age                 -> Indeterminate database_stale
//  11.                                                             -> InRegion
// A stale database or a hidden name never turns an out-of-region verdict into an indeterminate
// one: data that leaves is reported as leaving.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "egressmon/apps/app_catalog.h"
#include "egressmon/core/ip_address.h"
#include "egressmon/core/result.h"
#include "egressmon/core/time.h"
#include "egressmon/geo/geo.h"
#include "egressmon/policy/regions.h"

namespace egressmon {

enum class VerdictKind : uint8_t {
  InRegion,       // the remote country is allowed (or no rule applies to the flow)
  OutOfRegion,    // the remote country is not allowed: always alerts (past min_bytes_out)
  Indeterminate,  // the country cannot be judged; `reason` says why, alert_on says if it alerts
  Ignored,        // an [[ignore]] entry matched; never alerts
  Special,        // a special-purpose or local remote address; never alerts
};
/// "in_region", "out_of_region", "indeterminate", "ignored", "special".
std::string_view verdictKindName(VerdictKind k);

enum class IndeterminateReason : uint8_t {
  None,                      // the verdict is not Indeterminate
  UnknownCountry,            // the DB has no (known ISO) country for the address
  Anycast,                   // the address is anycast: served from wherever is nearest
  RegisteredCountryDiffers,  // located and registered country on different sides of the border
  DatabaseStale,             // the country DB is older than [geo] max_age_days
  HiddenName,                // the server name is hidden (ECH, DoH)
  kCount
};
/// "unknown_country", "anycast", "registered_country_differs", "database_stale",
/// "hidden_name"; "" for None.
std::string_view indeterminateReasonName(IndeterminateReason r);

/// What the policy needs to know of one flow. Views are borrowed for the call only.
struct FlowFacts {
  IpAddress remote;                    // the remote endpoint's address
  GeoInfo geo;                         // its geolocation (country, registered country, ASN,
                                       // class, kLookedUp/kFound/kAnycast flags)
  AppId app = kNoApp;                  // catalog app (used when the Policy is bound to a catalog)
  std::string_view appName;            // the app's name (used when it is not); "" = no app
  std::string_view hostname;           // server name, any case, trailing dot allowed; "" = none
  std::string_view registrableDomain;  // its eTLD+1; only used when hostname is empty
  uint64_t bytesOut = 0;               // IP bytes sent local -> remote so far (wire lengths)
  bool dataOut = true;                 // the local side has sent payload (data above the
                                       // transport header); no alert before it
  bool hiddenName = false;             // ECH or DoH: the real server name is not visible
  bool dbStale = false;                // the country DB is older than its configured maximum
  bool remoteIsLocal = false;          // the "remote" end is inside local_networks (LAN, transit)
  bool initiatorLocal = true;          // who opened the flow; does not change the verdict (a
                                       // local server answering a client abroad is data leaving)
};

/// The policy's answer for one flow. `rule` points into the Policy (or static text): valid as
/// long as the Policy it came from is alive and not assigned to or moved from.
struct Verdict {
  VerdictKind kind = VerdictKind::InRegion;
  IndeterminateReason reason = IndeterminateReason::None;  // set only for Indeterminate
  bool alerting = false;     // this verdict alerts under the policy: OutOfRegion always,
                             // Indeterminate when its reason is in alert_on
  bool shouldAlert = false;  // alerting, dataOut and bytesOut >= min_bytes_out: alert now
                             // (once held)
  std::string_view rule;     // what decided: "region allow=[EU,CH] deny=[HU]",
                             // "app_policy TikTok allow=[US]", "ignore range 203.0.113.0/24:
                             // our CDN", "special-purpose address (private)", "no policy"
};

/// Which flows a hidden name makes indeterminate ([indeterminate] hidden_name_scope).
enum class HiddenNameScope : uint8_t {
  AppPolicy,  // "app_policy" (default): flows of apps that have an [[app_policy]]
  Apps,       // "apps": flows attributed to any app
  All,        // "all": every flow, with or without an app
};
/// "app_policy", "apps", "all".
std::string_view hiddenNameScopeName(HiddenNameScope s);

/// One allow/deny pair as written, and the countries it allows.
struct RegionRule {
  std::vector<std::string> allow;  // items as written: codes and group names
  std::vector<std::string> deny;
  bool inherits = false;           // an app policy without `allow`: the region minus `deny`
  CountrySet allowed;              // the expansion of allow (or the region's) minus deny
  std::string text;                // the rule text verdicts carry
  std::string source;              // "FILE:LINE" of the table
};

/// An [[app_policy]]: replaces [region] for one app.
struct AppPolicy {
  std::string app;      // the app's catalog name
  AppId id = kNoApp;    // its id when the Policy was parsed with a catalog
  RegionRule rule;
};

/// An [[ignore]] entry: exactly one selector, and why.
struct IgnoreRule {
  enum class Selector : uint8_t { Range, Asn, Domain, App };
  Selector selector = Selector::Range;
  IpPrefix range;        // Range: the remote address is inside it
  uint32_t asn = 0;      // Asn: the remote ASN
  std::string domain;    // Domain: canonical; the hostname is it or ends in ".<domain>"
  std::string app;       // App: the app's name
  AppId appId = kNoApp;  // App: its id when parsed with a catalog
  std::string reason;    // free text, required
  std::string text;      // "ignore range 203.0.113.0/24: our CDN"
  std::string source;    // "FILE:LINE"
};

/// When a flow's verdict turns into an alert ([policy]); used by the alert code and the engine.
struct AlertTiming {
  uint64_t minBytesOut = 1;  // alert once the local side sent data and this many IP bytes
                             // (1: the first payload byte)
  TimeUs hold = seconds(2);  // wait up to this much packet time after the flow's first packet
                             // for its name and app before judging (0: judge at once)
  uint32_t holdPackets = 0;  // also stop holding once the local side sent this many packets
                             // (0: time only)
};

/// A checked policy. Immutable after parsing; evaluate() and describe() may run on any number
/// of threads at once.
class Policy {
public:
  /// The empty policy: no region, no app policies, no exceptions. Every flow is in region
  /// ("no policy") or special; the defaults of every other setting.
  Policy();

  /// The verdict for one flow (see the order at the top of this file). Pure; allocates
  /// nothing; cost grows with the number of [[ignore]] entries (a linear scan) and, when not
  /// bound to a catalog, the number of [[app_policy]] entries.
  Verdict evaluate(const FlowFacts& f) const;

  /// The effective policy for `egressmon check-config`: the region and every app policy with
  /// their country lists, the indeterminate settings, the alert timing, the exceptions with
  /// their reasons and where each was written. Several lines, each ending in '\n'.
  std::string describe() const;

  /// The file the policy came from ("" for the empty policy).
  const std::string& source() const { return source_; }
  /// Whether [region] allow was given; without it only app policies judge flows.
  bool hasRegion() const { return hasRegion_; }
  const RegionRule& region() const { return region_; }
  const std::vector<AppPolicy>& appPolicies() const { return appPolicies_; }
  const std::vector<IgnoreRule>& ignores() const { return ignores_; }
  /// Whether an Indeterminate verdict of this reason alerts ([indeterminate] alert_on).
  bool alertsOn(IndeterminateReason r) const { return alertOn_[size_t(r)]; }
  HiddenNameScope hiddenNameScope() const { return hiddenNameScope_; }
  const AlertTiming& timing() const { return timing_; }
  /// Whether app names were resolved against a catalog (then FlowFacts::app is used).
  bool boundToCatalog() const { return bound_; }

private:
  friend class PolicyReader;
  const AppPolicy* appPolicyFor(const FlowFacts& f) const;
  bool sameApp(const FlowFacts& f, AppId id, std::string_view name) const;

  std::string source_;
  bool hasRegion_ = false;
  RegionRule region_;
  std::vector<AppPolicy> appPolicies_;
  std::vector<IgnoreRule> ignores_;
  std::array<bool, size_t(IndeterminateReason::kCount)> alertOn_{};
  HiddenNameScope hiddenNameScope_ = HiddenNameScope::AppPolicy;
  AlertTiming timing_;
  bool bound_ = false;
  bool hasDomainIgnores_ = false;
  std::vector<uint16_t> appIndex_;  // bound: AppId -> 1 + index into appPolicies_, 0 = none
};

/// How parsePolicy() reads its text.
struct PolicyParseOptions {
  /// When given, every app named in [[app_policy]] and [[ignore]] must be in it (an error
  /// otherwise), and evaluation matches apps by FlowFacts::app. Without it names are not
  /// checked and evaluation matches FlowFacts::appName.
  const AppCatalog* catalog = nullptr;
  /// The text is a whole egressmon.toml: top-level keys other than policyRootKeys() belong to
  /// the caller, which reports unknown ones. Otherwise every other top-level key is an error.
  bool embedded = false;
};

/// The top-level keys the policy owns: "region", "indeterminate", "app_policy", "ignore",
/// "policy".
std::span<const std::string_view> policyRootKeys();

/// Reads and checks a policy. Every problem is reported, one per line, in file order, as
/// "FILE:LINE:COL: what is wrong (expected ...)": TOML syntax, unknown keys, wrong types, bad
/// country codes and group names, deny without allow, a deny that removes nothing, a region
/// that allows nothing, bad ranges (host bits set), ASNs, domains (or an ICANN public suffix),
/// an [[ignore]] with no or several selectors or without a reason, a second [[app_policy]] for
/// one app, an unknown app (with a catalog), unknown alert_on reasons, bad durations. Any thread.
Result<Policy> parsePolicy(std::string_view text, const std::string& source,
                           const PolicyParseOptions& options = {});
/// As parsePolicy() on a file's contents; an Error naming the path when it cannot be read.
Result<Policy> loadPolicy(const std::string& path, const PolicyParseOptions& options = {});

}  // namespace egressmon

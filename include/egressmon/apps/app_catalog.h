#pragma once
// The app catalog: which application a flow belongs to, from its server name, its remote
// address and ASN, and its remote port. Built once from rules (normally the TOML files in
// config/apps.d/, read by loadAppCatalog() in egressmon/config/apps_config.h), then immutable.
//
// Precedence, first match wins (docs/apps.md):
//   1. host name: an exact `names` entry, else the longest `domains` suffix (label-aligned);
//   2. remote address: the longest `ranges` prefix containing it (IPv4 and IPv6);
//   3. the remote ASN (`asns`);
//   4. the remote port, for rules that have `ports` and nothing else.
// `ports` given together with other conditions filter them: the rule's names, ranges and ASNs
// then count only when the remote port is in its list. A candidate rejected by its port filter
// yields to the next candidate at the same step (a shorter suffix, an enclosing range), then
// to the next step.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "egressmon/core/ip_address.h"
#include "egressmon/core/result.h"

namespace egressmon {

/// A catalog app: 1..size(); 0 means "no app". Fits per-flow state.
using AppId = uint16_t;
inline constexpr AppId kNoApp = 0;

/// One app as written in the catalog. Every domain, name, range and ASN belongs to one app;
/// a port belongs to one app only among port-only rules.
struct AppRule {
  std::string name;                  // unique, e.g. "TikTok"
  std::string vendor;                // e.g. "ByteDance"
  std::vector<std::string> domains;  // suffix match on label boundaries: "tiktokv.com"
  std::vector<std::string> exactNames;  // whole host names only: "teams.microsoft.com"
  std::vector<IpPrefix> ranges;      // remote address ranges
  std::vector<uint32_t> asns;        // remote autonomous systems
  std::vector<uint16_t> ports;       // remote ports: a filter, or the rule itself if alone
  std::string source;                // "FILE:LINE" where the rule was written (check-config)
};

/// Which step of the precedence produced a match.
enum class AppMatchKind : uint8_t { None, ExactName, DomainSuffix, AddressRange, Asn, Port };
/// "none", "name", "domain", "range", "asn", "port".
std::string_view appMatchKindName(AppMatchKind k);

struct AppMatch {
  AppId app = kNoApp;
  AppMatchKind kind = AppMatchKind::None;
};

/// Immutable after build(); match() may run on any number of threads at once. Movable.
class AppCatalog {
public:
  /// An empty catalog: matches nothing.
  AppCatalog();
  /// Builds the look-up tables. Checks what a rule built in code could get wrong (empty or
  /// duplicate app name, bad domain syntax, an ICANN public suffix as a domain, port or ASN 0,
  /// a domain, name, range, ASN or port-only port claimed twice, a rule with nothing to match,
  /// more than 65535 apps); every problem is reported, each as "SOURCE: app 'X': ...".
  /// Domains and names are stored canonical (lower case, no trailing dot).
  static Result<AppCatalog> build(std::vector<AppRule> rules);

  ~AppCatalog();
  AppCatalog(AppCatalog&&) noexcept;
  AppCatalog& operator=(AppCatalog&&) noexcept;
  AppCatalog(const AppCatalog&) = delete;
  AppCatalog& operator=(const AppCatalog&) = delete;

  /// The app for a flow, or kNoApp. `hostname` may be empty (no name seen), any case, with a
  /// trailing dot; `remote` == IpAddress{} (::), `asn` 0 and `remotePort` 0 mean unknown and
  /// match nothing. Cost grows with the labels in `hostname` and the prefix-table depth, not
  /// with the number of rules. Allocation-free; never fails.
  AppId match(std::string_view hostname, const IpAddress& remote, uint32_t asn,
              uint16_t remotePort) const;
  /// Same, also saying which step matched (for reports and check-config).
  AppMatch matchDetail(std::string_view hostname, const IpAddress& remote, uint32_t asn,
                       uint16_t remotePort) const;
  /// The two steps of matchDetail(), for callers that keep the first one's answer per host
  /// name (it depends on the name and port only): the exact-name and domain rules, then, when
  /// that finds nothing, address ranges, ASNs and port-only rules.
  AppMatch matchHostName(std::string_view hostname, uint16_t remotePort) const;
  AppMatch matchAddress(const IpAddress& remote, uint32_t asn, uint16_t remotePort) const;

  /// The app's name; "" for kNoApp or an id out of range.
  std::string_view appName(AppId id) const;
  /// The app's vendor; "" for kNoApp or an id out of range.
  std::string_view vendor(AppId id) const;
  /// The rule as stored (canonical domains); nullptr for kNoApp or an id out of range.
  const AppRule* rule(AppId id) const;
  /// The id of the app named `name` (exact, case-sensitive); kNoApp if there is none. A linear
  /// scan: for set-up (policy wiring, tests), not per flow.
  AppId find(std::string_view name) const;
  /// Number of apps; ids run 1..size().
  size_t size() const;

private:
  struct Impl;
  explicit AppCatalog(std::unique_ptr<const Impl> impl);
  std::unique_ptr<const Impl> impl_;
};

}  // namespace egressmon

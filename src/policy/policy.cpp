// Policy evaluation (the per-flow verdict) and the check-config description. Parsing is in
// policy_config.cpp.
#include "egressmon/policy/policy.h"

#include <fmt/format.h>

#include "egressmon/apps/host_name.h"
#include "egressmon/geo/special.h"

namespace egressmon {

std::string_view verdictKindName(VerdictKind k) {
  switch (k) {
    case VerdictKind::InRegion: return "in_region";
    case VerdictKind::OutOfRegion: return "out_of_region";
    case VerdictKind::Indeterminate: return "indeterminate";
    case VerdictKind::Ignored: return "ignored";
    case VerdictKind::Special: return "special";
  }
  return "in_region";
}

std::string_view indeterminateReasonName(IndeterminateReason r) {
  switch (r) {
    case IndeterminateReason::UnknownCountry: return "unknown_country";
    case IndeterminateReason::Anycast: return "anycast";
    case IndeterminateReason::RegisteredCountryDiffers: return "registered_country_differs";
    case IndeterminateReason::DatabaseStale: return "database_stale";
    case IndeterminateReason::HiddenName: return "hidden_name";
    case IndeterminateReason::None:
    case IndeterminateReason::kCount: break;
  }
  return {};
}

std::string_view hiddenNameScopeName(HiddenNameScope s) {
  switch (s) {
    case HiddenNameScope::AppPolicy: return "app_policy";
    case HiddenNameScope::Apps: return "apps";
    case HiddenNameScope::All: return "all";
  }
  return "app_policy";
}

namespace {

// Rule texts of the verdicts that no config entry decides. Static: verdicts may point at them.
constexpr std::string_view kNoPolicy = "no policy";
constexpr std::string_view kLocalRemote = "local network (remote end in local_networks)";

std::string_view specialRule(AddrClass c) {
  switch (c) {
    case AddrClass::Unspecified: return "special-purpose address (unspecified)";
    case AddrClass::Private: return "special-purpose address (private)";
    case AddrClass::Cgnat: return "special-purpose address (cgnat)";
    case AddrClass::Loopback: return "special-purpose address (loopback)";
    case AddrClass::LinkLocal: return "special-purpose address (link_local)";
    case AddrClass::Multicast: return "special-purpose address (multicast)";
    case AddrClass::Broadcast: return "special-purpose address (broadcast)";
    case AddrClass::Documentation: return "special-purpose address (documentation)";
    case AddrClass::Benchmarking: return "special-purpose address (benchmarking)";
    case AddrClass::Reserved: return "special-purpose address (reserved)";
    case AddrClass::Translation: return "special-purpose address (translation)";
    case AddrClass::Public:
    case AddrClass::kCount: break;
  }
  return "special-purpose address";
}

// `host` equals `domain` or ends in ".<domain>"; both canonical (lower case, no trailing dot).
bool underDomain(std::string_view host, std::string_view domain) {
  if (host.size() == domain.size()) return host == domain;
  return host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

}  // namespace

Policy::Policy() {
  alertOn_[size_t(IndeterminateReason::UnknownCountry)] = true;
  alertOn_[size_t(IndeterminateReason::HiddenName)] = true;
}

bool Policy::sameApp(const FlowFacts& f, AppId id, std::string_view name) const {
  if (bound_) return f.app != kNoApp && f.app == id;
  return !f.appName.empty() && f.appName == name;
}

const AppPolicy* Policy::appPolicyFor(const FlowFacts& f) const {
  if (appPolicies_.empty()) return nullptr;
  if (bound_) {
    if (f.app == kNoApp || f.app >= appIndex_.size()) return nullptr;
    const uint16_t i = appIndex_[f.app];
    return i == 0 ? nullptr : &appPolicies_[i - 1u];
  }
  if (f.appName.empty()) return nullptr;
  for (const auto& p : appPolicies_)
    if (p.app == f.appName) return &p;
  return nullptr;
}

Verdict Policy::evaluate(const FlowFacts& f) const {
  Verdict v;
  if (f.remoteIsLocal) {
    v.kind = VerdictKind::Special;
    v.rule = kLocalRemote;
    return v;
  }
  // A special-purpose address is judged only when it was looked up on purpose
  // ([geo] lookup_special, for labs); otherwise any country attached to it is a mistake.
  if (f.geo.cls != AddrClass::Public && (f.geo.flags & GeoInfo::kLookedUp) == 0) {
    v.kind = VerdictKind::Special;
    v.rule = specialRule(f.geo.cls);
    return v;
  }

  if (!ignores_.empty()) {
    char folded[kMaxHostName + 1];
    std::string_view host;
    if (hasDomainIgnores_) {
      const std::string_view name = f.hostname.empty() ? f.registrableDomain : f.hostname;
      host = std::string_view(folded, foldHostName(name, folded));
    }
    for (const auto& ig : ignores_) {
      bool hit = false;
      switch (ig.selector) {
        case IgnoreRule::Selector::Range: hit = ig.range.contains(f.remote); break;
        case IgnoreRule::Selector::Asn: hit = f.geo.asn != 0 && f.geo.asn == ig.asn; break;
        case IgnoreRule::Selector::Domain: hit = !host.empty() && underDomain(host, ig.domain); break;
        case IgnoreRule::Selector::App: hit = sameApp(f, ig.appId, ig.app); break;
      }
      if (hit) {
        v.kind = VerdictKind::Ignored;
        v.rule = ig.text;
        return v;
      }
    }
  }

  const AppPolicy* ap = appPolicyFor(f);
  const RegionRule* rule = ap != nullptr ? &ap->rule : hasRegion_ ? &region_ : nullptr;
  if (rule == nullptr) {
    v.rule = kNoPolicy;
    return v;
  }
  v.rule = rule->text;

  const auto indeterminate = [&](IndeterminateReason r) {
    v.kind = VerdictKind::Indeterminate;
    v.reason = r;
    v.alerting = alertOn_[size_t(r)];
    v.shouldAlert = v.alerting && f.dataOut && f.bytesOut >= timing_.minBytesOut;
    return v;
  };

  const CountryCode located = f.geo.country;
  // A code outside the ISO table (legacy "EU"/"AP" continent codes, garbage) is no country.
  if (!isKnownCountry(located)) return indeterminate(IndeterminateReason::UnknownCountry);
  if ((f.geo.flags & GeoInfo::kAnycast) != 0) return indeterminate(IndeterminateReason::Anycast);
  const bool inside = rule->allowed.contains(located);
  if (!f.geo.registeredCountry.empty() && rule->allowed.contains(f.geo.registeredCountry) != inside)
    return indeterminate(IndeterminateReason::RegisteredCountryDiffers);
  if (!inside) {
    v.kind = VerdictKind::OutOfRegion;
    v.alerting = true;
    v.shouldAlert = f.dataOut && f.bytesOut >= timing_.minBytesOut;
    return v;
  }
  if (f.hiddenName) {
    const bool hasApp = bound_ ? f.app != kNoApp : !f.appName.empty();
    const bool inScope = hiddenNameScope_ == HiddenNameScope::All ||
                         (hiddenNameScope_ == HiddenNameScope::Apps && hasApp) || ap != nullptr;
    if (inScope) return indeterminate(IndeterminateReason::HiddenName);
  }
  if (f.dbStale) return indeterminate(IndeterminateReason::DatabaseStale);
  return v;
}

namespace {

std::string durationText(TimeUs us) {
  if (us == 0) return "0s";
  if (us % seconds(86400) == 0) return fmt::format("{}d", us / seconds(86400));
  if (us % seconds(3600) == 0) return fmt::format("{}h", us / seconds(3600));
  if (us % seconds(60) == 0) return fmt::format("{}m", us / seconds(60));
  if (us % kUsPerSec == 0) return fmt::format("{}s", us / kUsPerSec);
  return fmt::format("{}ms", us / 1000);
}

// "    27 countries: AT BE ..." wrapped at 24 codes a line under the first code.
void appendCountries(std::string& out, const CountrySet& s) {
  const auto codes = s.codes();
  std::string head = fmt::format("    {} {}:", codes.size(), codes.size() == 1 ? "country" : "countries");
  if (codes.empty()) head += " (none)";
  out += head;
  const std::string indent(head.size(), ' ');
  for (size_t i = 0; i < codes.size(); ++i) {
    if (i > 0 && i % 24 == 0) out += "\n" + indent;
    out += ' ';
    out += codes[i].view();
  }
  out += '\n';
}

std::string itemList(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ",") + i;
  return "[" + s + "]";
}

}  // namespace

std::string Policy::describe() const {
  std::string out;
  out += fmt::format("policy: {}\n", source_.empty() ? "(none: built-in defaults)" : source_);

  if (hasRegion_) {
    out += fmt::format("region: allow={}", itemList(region_.allow));
    if (!region_.deny.empty()) out += fmt::format(" deny={}", itemList(region_.deny));
    out += fmt::format("  ({})\n", region_.source);
    appendCountries(out, region_.allowed);
  } else {
    out += "region: none ([region] allow not given): only apps with an [[app_policy]] are judged\n";
  }

  out += fmt::format("unknown_country: {}\n",
                     alertsOn(IndeterminateReason::UnknownCountry) ? "alert" : "ignore (reported, no alert)");
  std::string alerting, reported;
  for (size_t i = 1; i < size_t(IndeterminateReason::kCount); ++i) {
    std::string& to = alertOn_[i] ? alerting : reported;
    to += (to.empty() ? "" : ", ") + std::string(indeterminateReasonName(IndeterminateReason(i)));
  }
  out += fmt::format("indeterminate, alert: {}\n", alerting.empty() ? "(none)" : alerting);
  out += fmt::format("indeterminate, report only: {}\n", reported.empty() ? "(none)" : reported);
  const char* scope = hiddenNameScope_ == HiddenNameScope::AppPolicy
                          ? "flows of apps with an [[app_policy]]"
                      : hiddenNameScope_ == HiddenNameScope::Apps ? "flows attributed to any app"
                                                                  : "every flow";
  out += fmt::format("hidden_name_scope: {} ({})\n", hiddenNameScopeName(hiddenNameScope_), scope);
  out += fmt::format("alert when: data sent and min_bytes_out = {} IP {} sent; hold = {} of "
                     "packet time{}\n",
                     timing_.minBytesOut, timing_.minBytesOut == 1 ? "byte" : "bytes",
                     durationText(timing_.hold),
                     timing_.holdPackets == 0
                         ? std::string()
                         : fmt::format(" or {} packets out", timing_.holdPackets));

  out += fmt::format("app policies ({}){}\n", appPolicies_.size(),
                     appPolicies_.empty() ? "" : ", each replacing the region for its app:");
  for (const auto& p : appPolicies_) {
    out += fmt::format("  {}: ", p.app);
    if (p.rule.inherits) out += "the region,";
    else out += fmt::format("allow={}", itemList(p.rule.allow));
    if (!p.rule.deny.empty()) out += fmt::format(" deny={}", itemList(p.rule.deny));
    out += fmt::format("  ({})\n", p.rule.source);
    appendCountries(out, p.rule.allowed);
  }

  out += fmt::format("exceptions ({}){}\n", ignores_.size(),
                     ignores_.empty() ? "" : ", never alerted, first match wins:");
  for (const auto& ig : ignores_) {
    // ig.text is "ignore <selector>: <reason>"; drop the leading word here.
    out += fmt::format("  {}  ({})\n", std::string_view(ig.text).substr(7), ig.source);
  }
  return out;
}

}  // namespace egressmon

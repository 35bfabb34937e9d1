// Reading a policy from TOML: every key checked against its table, every problem collected and
// reported in file order as "FILE:LINE:COL: what is wrong (expected ...)". toml++ stays here.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <map>
#include <optional>
#include <toml++/toml.h>

#include "../common/toml_text.h"
#include "egressmon/core/file.h"
#include <utility>

#include "egressmon/apps/host_name.h"
#include "egressmon/apps/public_suffix.h"
#include "egressmon/policy/policy.h"

namespace egressmon {

namespace {

constexpr std::string_view kRootKeys[] = {"region", "indeterminate", "app_policy", "ignore",
                                          "policy"};

using toml_text::shown;
using toml_text::typeName;

std::string joinItems(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ",") + i;
  return "[" + s + "]";
}

bool printableLine(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  });
}

}  // namespace

// Reads one text into a Policy. A friend of Policy; lives only in this file.
class PolicyReader {
public:
  PolicyReader(std::string file, const PolicyParseOptions& options)
      : file_(std::move(file)), options_(options) {
    policy_.source_ = file_;
  }

  Result<Policy> read(std::string_view text);

private:
  struct Item {
    std::string text;
    CountrySet set;
    toml::source_region at;
  };
  struct Items {
    bool ok = true;  // no entry was rejected (follow-on checks would only repeat the news)
    std::vector<Item> items;
  };
  struct Err {
    uint32_t line, col;
    std::string text;
  };

  void error(const toml::source_region& at, const std::string& msg) {
    errors_.push_back({at.begin.line, at.begin.column,
                       fmt::format("{}:{}:{}: {}", file_, at.begin.line, at.begin.column, msg)});
  }
  std::string where(const toml::source_region& at) const {
    return fmt::format("{}:{}:{}", file_, at.begin.line, at.begin.column);
  }
  std::string line(const toml::source_region& at) const {
    return fmt::format("{}:{}", file_, at.begin.line);
  }
  // Reports keys of `t` outside `allowed`; `table` names the table in the message.
  void checkKeys(const toml::table& t, std::string_view table,
                 std::initializer_list<std::string_view> allowed);
  const toml::table* asTable(const toml::node& n, std::string_view key);

  Items readItems(const toml::node& n, const std::string& what);
  // Fills `r` from the allow/deny nodes (either may be null). `base` is the set an allow-less
  // rule narrows (nullptr: none). Returns false when something was reported.
  bool buildRule(RegionRule& r, const std::string& label, const toml::table& t,
                 const RegionRule* base, bool baseBroken);
  void readRegion(const toml::table& t);
  void readIndeterminate(const toml::table& t);
  void readTiming(const toml::table& t);
  void readAppPolicy(const toml::table& t);
  void readIgnore(const toml::table& t);
  // Checks an app name against the catalog (when there is one); returns its id.
  AppId resolveApp(const toml::node& n, const std::string& name, const std::string& label);
  void forEachTable(const toml::node& n, std::string_view key,
                    void (PolicyReader::*each)(const toml::table&));

  std::string file_;
  PolicyParseOptions options_;
  Policy policy_;
  std::vector<Err> errors_;
  bool regionBroken_ = false;
  std::optional<std::pair<bool, toml::source_region>> unknownCountry_;  // [region] setting
  std::optional<std::pair<bool, toml::source_region>> alertOnUnknown_;  // alert_on has it?
  std::map<std::string, std::string> appPolicyAt_;  // app -> where its [[app_policy]] names it
  std::map<std::string, std::string> ignoreAt_;     // "range X" -> where it was written
  PublicSuffixList psl_;
};

void PolicyReader::checkKeys(const toml::table& t, std::string_view table,
                             std::initializer_list<std::string_view> allowed) {
  for (auto&& [key, node] : t) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    error(key.source(),
          fmt::format("unknown key '{}' in {} (expected one of: {})", key.str(), table, list));
  }
}

const toml::table* PolicyReader::asTable(const toml::node& n, std::string_view key) {
  const toml::table* t = n.as_table();
  if (t == nullptr)
    error(n.source(), fmt::format("{} is {} (expected a table [{}])", key, typeName(n), key));
  return t;
}

PolicyReader::Items PolicyReader::readItems(const toml::node& n, const std::string& what) {
  Items out;
  const toml::array* arr = n.as_array();
  if (arr == nullptr) {
    error(n.source(), fmt::format("{} is {} (expected an array such as [\"EU\", \"CH\"])", what,
                                  typeName(n)));
    out.ok = false;
    return out;
  }
  for (auto&& e : *arr) {
    auto s = e.as_string();
    if (!s) {
      error(e.source(), fmt::format("{}: entry is {} (expected a country code such as \"DE\" or "
                                    "a group such as \"EU\")",
                                    what, typeName(e)));
      out.ok = false;
      continue;
    }
    const std::string text(s->get());
    auto set = expandRegionItem(text);
    if (!set) {
      error(e.source(), fmt::format("{}: {}", what, set.error().message));
      out.ok = false;
      continue;
    }
    const auto dup = std::find_if(out.items.begin(), out.items.end(),
                                  [&](const Item& i) { return i.text == text; });
    if (dup != out.items.end()) {
      error(e.source(), fmt::format("{}: \"{}\" is listed twice, first at {} (expected each once)",
                                    what, text, where(dup->at)));
      out.ok = false;
      continue;
    }
    out.items.push_back({text, set.value(), e.source()});
  }
  return out;
}

bool PolicyReader::buildRule(RegionRule& r, const std::string& label, const toml::table& t,
                             const RegionRule* base, bool baseBroken) {
  const toml::node* allowN = t.get("allow");
  const toml::node* denyN = t.get("deny");
  const std::string sep = label == "region" ? "." : ": ";
  bool ok = true;
  CountrySet set;
  if (allowN != nullptr) {
    Items allow = readItems(*allowN, label + sep + "allow");
    ok = allow.ok;
    if (allow.ok && allow.items.empty()) {
      error(allowN->source(), fmt::format("{}{}allow is empty (expected at least one country code "
                                          "or group, such as [\"EU\"])",
                                          label, sep));
      ok = false;
    }
    for (const auto& i : allow.items) {
      r.allow.push_back(i.text);
      set |= i.set;
    }
  } else if (denyN != nullptr) {
    if (base == nullptr) {
      if (!baseBroken)
        error(denyN->source(),
              label == "region"
                  ? std::string("region.deny without region.allow (expected allow = [...] "
                                "listing the region that deny narrows)")
                  : fmt::format("{}: deny without allow, and no [region] allow to narrow "
                                "(expected allow = [...])",
                                label));
      ok = false;
    } else {
      r.inherits = true;
      set = base->allowed;
    }
  } else {
    error(t.source(), fmt::format("{}: neither allow nor deny (expected allow = [...] and/or "
                                  "deny = [...])",
                                  label));
    return false;
  }

  CountrySet denied;
  if (denyN != nullptr) {
    Items deny = readItems(*denyN, label + sep + "deny");
    ok = ok && deny.ok;
    for (const auto& i : deny.items) {
      r.deny.push_back(i.text);
      denied |= i.set;
      // A deny that misses the allowed set is almost always a typo or a misunderstanding.
      if (ok && !set.intersects(i.set))
        error(i.at, fmt::format("{}{}deny: \"{}\" removes nothing from {} (expected countries or "
                                "groups inside the allowed region)",
                                label, sep, i.text,
                                r.inherits ? "the region" : "allow=" + joinItems(r.allow)));
    }
  }
  set -= denied;
  if (ok && set.empty() && (r.inherits || !r.allow.empty())) {
    error(t.source(), fmt::format("{} allows no country: deny removes everything allowed "
                                  "(expected deny to remove part of the allowed region)",
                                  label));
    ok = false;
  }
  r.allowed = set;
  r.source = line(t.source());
  return ok;
}

void PolicyReader::readRegion(const toml::table& t) {
  checkKeys(t, "[region]", {"allow", "deny", "unknown_country"});
  if (const toml::node* n = t.get("unknown_country")) {
    auto s = n->as_string();
    if (s && (s->get() == "alert" || s->get() == "ignore")) {
      unknownCountry_.emplace(s->get() == "alert", n->source());
    } else {
      error(n->source(), fmt::format("region.unknown_country is {} (expected \"alert\" or "
                                     "\"ignore\")",
                                     shown(*n)));
    }
  }
  if (t.get("allow") == nullptr && t.get("deny") == nullptr) return;
  RegionRule& r = policy_.region_;
  if (!buildRule(r, "region", t, nullptr, false)) {
    regionBroken_ = true;
    return;
  }
  r.text = "region allow=" + joinItems(r.allow);
  if (!r.deny.empty()) r.text += " deny=" + joinItems(r.deny);
  policy_.hasRegion_ = true;
}

void PolicyReader::readIndeterminate(const toml::table& t) {
  checkKeys(t, "[indeterminate]", {"alert_on", "hidden_name_scope"});
  std::string reasons;
  for (size_t i = 1; i < size_t(IndeterminateReason::kCount); ++i)
    reasons += (reasons.empty() ? "" : ", ") +
               std::string(indeterminateReasonName(IndeterminateReason(i)));
  if (const toml::node* n = t.get("alert_on")) {
    if (const toml::array* arr = n->as_array()) {
      std::array<bool, size_t(IndeterminateReason::kCount)> on{};
      std::array<const toml::node*, size_t(IndeterminateReason::kCount)> seen{};
      for (auto&& e : *arr) {
        auto s = e.as_string();
        size_t found = 0;
        for (size_t i = 1; s && i < size_t(IndeterminateReason::kCount); ++i)
          if (indeterminateReasonName(IndeterminateReason(i)) == s->get()) found = i;
        if (found == 0) {
          error(e.source(), fmt::format("indeterminate.alert_on: {} is not a reason (expected "
                                        "one of: {})",
                                        shown(e), reasons));
        } else if (seen[found] != nullptr) {
          error(e.source(), fmt::format("indeterminate.alert_on: {} is listed twice, first at {} "
                                        "(expected each once)",
                                        shown(e), where(seen[found]->source())));
        } else {
          seen[found] = &e;
          on[found] = true;
        }
      }
      policy_.alertOn_ = on;
      alertOnUnknown_.emplace(on[size_t(IndeterminateReason::UnknownCountry)], n->source());
    } else {
      error(n->source(), fmt::format("indeterminate.alert_on is {} (expected an array of "
                                     "reasons, some of: {})",
                                     typeName(*n), reasons));
    }
  }
  if (const toml::node* n = t.get("hidden_name_scope")) {
    auto s = n->as_string();
    bool found = false;
    for (auto scope : {HiddenNameScope::AppPolicy, HiddenNameScope::Apps, HiddenNameScope::All}) {
      if (s && hiddenNameScopeName(scope) == s->get()) {
        policy_.hiddenNameScope_ = scope;
        found = true;
      }
    }
    if (!found)
      error(n->source(), fmt::format("indeterminate.hidden_name_scope is {} (expected "
                                     "\"app_policy\", \"apps\" or \"all\")",
                                     shown(*n)));
  }
}

void PolicyReader::readTiming(const toml::table& t) {
  checkKeys(t, "[policy]", {"min_bytes_out", "hold", "hold_packets"});
  AlertTiming& tm = policy_.timing_;
  if (const toml::node* n = t.get("min_bytes_out")) {
    constexpr int64_t kMax = int64_t(1) << 53;
    auto i = n->as_integer();
    if (!i || i->get() < 1 || i->get() > kMax)
      error(n->source(), fmt::format("policy.min_bytes_out is {} (expected an integer from 1 to "
                                     "{}: IP bytes sent to the remote end)",
                                     shown(*n), kMax));
    else
      tm.minBytesOut = uint64_t(i->get());
  }
  if (const toml::node* n = t.get("hold")) {
    std::optional<TimeUs> us;
    if (auto i = n->as_integer(); i && i->get() >= 0 && i->get() <= int64_t(1) << 32)
      us = seconds(i->get());
    else if (auto s = n->as_string())
      us = parseDuration(s->get());
    if (!us)
      error(n->source(), fmt::format("policy.hold is {} (expected a duration of packet time such "
                                     "as 2 (seconds), \"2s\" or \"500ms\"; 0 judges at once)",
                                     shown(*n)));
    else
      tm.hold = *us;
  }
  if (const toml::node* n = t.get("hold_packets")) {
    auto i = n->as_integer();
    if (!i || i->get() < 0 || i->get() > 1'000'000)
      error(n->source(), fmt::format("policy.hold_packets is {} (expected an integer from 0 to "
                                     "1000000; 0 holds by time only)",
                                     shown(*n)));
    else
      tm.holdPackets = uint32_t(i->get());
  }
}

AppId PolicyReader::resolveApp(const toml::node& n, const std::string& name,
                               const std::string& label) {
  const AppCatalog* cat = options_.catalog;
  if (cat == nullptr) return kNoApp;
  if (AppId id = cat->find(name); id != kNoApp) return id;
  const auto lower = [](std::string_view s) {
    std::string l(s);
    for (char& c : l)
      if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return l;
  };
  std::string hint = "expected the name of an app in the catalog, spelt as there";
  for (size_t id = 1; id <= cat->size(); ++id) {
    const std::string_view other = cat->appName(AppId(id));
    if (lower(other) == lower(name)) hint = fmt::format("expected \"{}\"", other);
  }
  error(n.source(), fmt::format("{}: app \"{}\" is not in the app catalog ({})", label, name, hint));
  return kNoApp;
}

void PolicyReader::readAppPolicy(const toml::table& t) {
  checkKeys(t, "[[app_policy]]", {"app", "allow", "deny"});
  AppPolicy ap;
  std::string label = "app_policy";
  const toml::node* appN = t.get("app");
  bool ok = true;
  if (appN == nullptr) {
    error(t.source(), "app_policy: missing key 'app' (expected app = \"<catalog app name>\")");
    ok = false;
  } else if (auto s = appN->as_string(); !s || s->get().empty() || !printableLine(s->get())) {
    error(appN->source(), fmt::format("app_policy: app is {} (expected an app name such as "
                                      "\"TikTok\")",
                                      shown(*appN)));
    ok = false;
  } else {
    ap.app = s->get();
    label = fmt::format("app_policy '{}'", ap.app);
    if (auto [it, fresh] = appPolicyAt_.emplace(ap.app, where(appN->source())); !fresh) {
      error(appN->source(), fmt::format("{}: a second [[app_policy]] for the app, first at {} "
                                        "(expected one per app)",
                                        label, it->second));
      ok = false;
    }
    ap.id = resolveApp(*appN, ap.app, label);
    if (options_.catalog != nullptr && ap.id == kNoApp) ok = false;
  }
  const RegionRule* base = policy_.hasRegion_ ? &policy_.region_ : nullptr;
  if (!buildRule(ap.rule, label, t, base, regionBroken_) || !ok) return;
  if (ap.rule.inherits)
    ap.rule.text = fmt::format("app_policy {} deny={} within {}", ap.app, joinItems(ap.rule.deny),
                               policy_.region_.text);
  else
    ap.rule.text = fmt::format("app_policy {} allow={}{}", ap.app, joinItems(ap.rule.allow),
                               ap.rule.deny.empty() ? "" : " deny=" + joinItems(ap.rule.deny));
  policy_.appPolicies_.push_back(std::move(ap));
}

void PolicyReader::readIgnore(const toml::table& t) {
  checkKeys(t, "[[ignore]]", {"range", "asn", "domain", "app", "reason"});
  IgnoreRule ig;
  bool ok = true;

  const toml::node* sel = nullptr;
  std::string_view selName;
  for (std::string_view k : {"range", "asn", "domain", "app"}) {
    const toml::node* n = t.get(k);
    if (n == nullptr) continue;
    if (sel != nullptr) {
      error(n->source(), fmt::format("ignore: both {} and {} in one entry (expected exactly one "
                                     "selector per [[ignore]]; write one entry each)",
                                     selName, k));
      ok = false;
      continue;
    }
    sel = n;
    selName = k;
  }
  if (sel == nullptr) {
    error(t.source(), "ignore: no selector (expected exactly one of range, asn, domain, app)");
    ok = false;
  }

  const toml::node* reasonN = t.get("reason");
  if (reasonN == nullptr) {
    error(t.source(), "ignore: missing key 'reason' (expected reason = \"why this traffic may "
                      "leave the region\")");
    ok = false;
  } else if (auto s = reasonN->as_string();
             !s || s->get().find_first_not_of(' ') == std::string::npos ||
             !printableLine(s->get())) {
    error(reasonN->source(), fmt::format("ignore: reason is {} (expected one line of text saying "
                                         "why this traffic may leave the region)",
                                         shown(*reasonN)));
    ok = false;
  } else {
    ig.reason = s->get();
  }
  if (sel == nullptr) return;

  std::string value;  // canonical, as the rule text shows it
  if (selName == "range") {
    ig.selector = IgnoreRule::Selector::Range;
    auto s = sel->as_string();
    std::optional<IpPrefix> p;
    if (s) p = IpPrefix::parse(s->get());
    if (!p) {
      error(sel->source(), fmt::format("ignore: range {} is not an address range (expected one "
                                       "such as \"203.0.113.0/24\" or \"2001:db8::/32\")",
                                       shown(*sel)));
      return;
    }
    const std::string_view text = s->get();
    if (auto b = IpAddress::parse(text.substr(0, text.find('/'))); b && !(*b == p->base())) {
      error(sel->source(), fmt::format("ignore: range {} has host bits set (expected \"{}\")",
                                       shown(*sel), p->toString()));
      return;
    }
    ig.range = *p;
    value = p->toString();
  } else if (selName == "asn") {
    ig.selector = IgnoreRule::Selector::Asn;
    auto i = sel->as_integer();
    if (!i || i->get() < 1 || i->get() > 4294967295LL) {
      error(sel->source(), fmt::format("ignore: asn {} is not an AS number (expected an integer "
                                       "from 1 to 4294967295)",
                                       shown(*sel)));
      return;
    }
    ig.asn = uint32_t(i->get());
    value = std::to_string(ig.asn);
  } else if (selName == "domain") {
    ig.selector = IgnoreRule::Selector::Domain;
    auto s = sel->as_string();
    if (!s) {
      error(sel->source(), fmt::format("ignore: domain is {} (expected a domain name such as "
                                       "\"example.com\")",
                                       typeName(*sel)));
      return;
    }
    auto c = canonicalDomain(s->get());
    if (!c) {
      error(sel->source(), fmt::format("ignore: domain: {}", c.error().message));
      return;
    }
    if (psl_.isIcannSuffix(c.value())) {
      error(sel->source(), fmt::format("ignore: domain \"{}\" is a public suffix and would ignore "
                                       "every site under it (expected a registrable domain or a "
                                       "name below one)",
                                       c.value()));
      return;
    }
    ig.domain = c.value();
    value = ig.domain;
  } else {
    ig.selector = IgnoreRule::Selector::App;
    auto s = sel->as_string();
    if (!s || s->get().empty() || !printableLine(s->get())) {
      error(sel->source(), fmt::format("ignore: app is {} (expected an app name such as "
                                       "\"Zoom\")",
                                       shown(*sel)));
      return;
    }
    ig.app = s->get();
    ig.appId = resolveApp(*sel, ig.app, "ignore");
    if (options_.catalog != nullptr && ig.appId == kNoApp) return;
    value = ig.app;
  }

  const std::string key = fmt::format("{} {}", selName, value);
  if (auto [it, fresh] = ignoreAt_.emplace(key, where(sel->source())); !fresh) {
    error(sel->source(), fmt::format("ignore: {} is already ignored at {} (expected each "
                                     "exception once)",
                                     key, it->second));
    return;
  }
  if (!ok) return;
  ig.text = fmt::format("ignore {}: {}", key, ig.reason);
  ig.source = line(t.source());
  if (ig.selector == IgnoreRule::Selector::Domain) policy_.hasDomainIgnores_ = true;
  policy_.ignores_.push_back(std::move(ig));
}

void PolicyReader::forEachTable(const toml::node& n, std::string_view key,
                                void (PolicyReader::*each)(const toml::table&)) {
  const toml::array* arr = n.as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    error(n.source(), fmt::format("{} is {} (expected [[{}]] entries)", key, typeName(n), key));
    return;
  }
  for (auto&& e : *arr) (this->*each)(*e.as_table());
}

Result<Policy> PolicyReader::read(std::string_view text) {
  toml::table root;
  try {
    root = toml::parse(text, file_);
  } catch (const toml::parse_error& e) {
    return Error{fmt::format("{}: {}", where(e.source()), e.description())};
  }

  if (!options_.embedded) {
    for (auto&& [key, node] : root) {
      if (std::find(std::begin(kRootKeys), std::end(kRootKeys), key.str()) != std::end(kRootKeys))
        continue;
      error(key.source(), fmt::format("unknown key '{}' (expected one of: region, indeterminate, "
                                      "app_policy, ignore, policy)",
                                      key.str()));
    }
  }
  // The region first: app policies without `allow` narrow it. toml++ iterates keys by name,
  // so take the tables in an explicit order.
  if (const toml::node* n = root.get("region"))
    if (const toml::table* t = asTable(*n, "region")) readRegion(*t);
  if (const toml::node* n = root.get("indeterminate"))
    if (const toml::table* t = asTable(*n, "indeterminate")) readIndeterminate(*t);
  if (const toml::node* n = root.get("policy"))
    if (const toml::table* t = asTable(*n, "policy")) readTiming(*t);
  if (const toml::node* n = root.get("app_policy"))
    forEachTable(*n, "app_policy", &PolicyReader::readAppPolicy);
  if (const toml::node* n = root.get("ignore")) forEachTable(*n, "ignore", &PolicyReader::readIgnore);

  // [region] unknown_country and alert_on say the same thing; both may be written, if they agree.
  if (unknownCountry_) {
    if (alertOnUnknown_ && alertOnUnknown_->first != unknownCountry_->first) {
      error(unknownCountry_->second,
            fmt::format("region.unknown_country = \"{}\" contradicts indeterminate.alert_on at {}, "
                        "which {} unknown_country (expected the two to agree, or only one of them)",
                        unknownCountry_->first ? "alert" : "ignore",
                        where(alertOnUnknown_->second),
                        alertOnUnknown_->first ? "lists" : "does not list"));
    } else {
      policy_.alertOn_[size_t(IndeterminateReason::UnknownCountry)] = unknownCountry_->first;
    }
  }

  if (!errors_.empty()) {
    std::stable_sort(errors_.begin(), errors_.end(), [](const Err& a, const Err& b) {
      return a.line != b.line ? a.line < b.line : a.col < b.col;
    });
    std::string all;
    for (const auto& e : errors_) all += (all.empty() ? "" : "\n") + e.text;
    return Error{all};
  }

  if (const AppCatalog* cat = options_.catalog) {
    policy_.bound_ = true;
    policy_.appIndex_.assign(cat->size() + 1, 0);
    for (size_t i = 0; i < policy_.appPolicies_.size(); ++i)
      policy_.appIndex_[policy_.appPolicies_[i].id] = uint16_t(i + 1);
  }
  return std::move(policy_);
}

std::span<const std::string_view> policyRootKeys() { return kRootKeys; }

Result<Policy> parsePolicy(std::string_view text, const std::string& source,
                           const PolicyParseOptions& options) {
  PolicyReader r(source, options);
  return r.read(text);
}

Result<Policy> loadPolicy(const std::string& path, const PolicyParseOptions& options) {
  auto text = readTextFile(path, "policy");
  if (!text) return text.error();
  return parsePolicy(text.value(), path, options);
}

}  // namespace egressmon

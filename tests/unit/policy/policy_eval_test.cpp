// The policy's verdicts, as a table: one policy text, one row per flow and expected verdict.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "egressmon/apps/app_catalog.h"
#include "egressmon/policy/policy.h"

namespace egressmon {
namespace {

// A flow as the test table writes it; designated initialisers leave the usual values alone.
struct F {
  const char* cc = "DE";         // located country ("" = none)
  const char* reg = "";          // registered country when it differs
  const char* ip = "185.1.2.3";  // remote address
  const char* app = "";          // app name
  const char* host = "";         // hostname
  const char* regDomain = "";    // registrable domain
  uint32_t asn = 64496;
  AddrClass cls = AddrClass::Public;
  uint8_t flags = GeoInfo::kLookedUp | GeoInfo::kFound;
  bool hidden = false;
  bool stale = false;
  bool remoteLocal = false;
  bool initiatorLocal = true;
  uint64_t bytesOut = 1000;
};

FlowFacts facts(const F& f) {
  FlowFacts x;
  x.remote = IpAddress::parse(f.ip).value();
  x.geo.country = CountryCode::fromString(f.cc);
  x.geo.registeredCountry = CountryCode::fromString(f.reg);
  x.geo.asn = f.asn;
  x.geo.cls = f.cls;
  x.geo.flags = f.flags;
  x.appName = f.app;
  x.hostname = f.host;
  x.registrableDomain = f.regDomain;
  x.hiddenName = f.hidden;
  x.dbStale = f.stale;
  x.remoteIsLocal = f.remoteLocal;
  x.initiatorLocal = f.initiatorLocal;
  x.bytesOut = f.bytesOut;
  return x;
}

constexpr const char* kPolicy = R"(
[region]
allow = ["EU", "CH"]
deny = ["HU"]

[[app_policy]]
app = "TikTok"
allow = ["US"]

[[app_policy]]
app = "Zoom"
deny = ["NL"]

[[ignore]]
range = "203.0.113.0/24"
reason = "our CDN"

[[ignore]]
range = "2001:db8:cafe::/48"
reason = "lab v6"

[[ignore]]
asn = 64500
reason = "partner network"

[[ignore]]
domain = "example.com"
reason = "our own site"

[[ignore]]
app = "Backup"
reason = "backups go to the US by contract"
)";

constexpr const char* kRegion = "region allow=[EU,CH] deny=[HU]";
constexpr const char* kTikTok = "app_policy TikTok allow=[US]";
constexpr const char* kZoom = "app_policy Zoom deny=[NL] within region allow=[EU,CH] deny=[HU]";

using VK = VerdictKind;
using IR = IndeterminateReason;
constexpr uint8_t kLooked = GeoInfo::kLookedUp | GeoInfo::kFound;

struct Case {
  const char* name;
  F flow;
  VK kind;
  IR reason;
  bool alert;  // shouldAlert
  const char* rule;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      // The region: groups, explicit countries, deny inside a group.
      {"eu_member_in_region", {.cc = "DE"}, VK::InRegion, IR::None, false, kRegion},
      {"explicit_country_in_region", {.cc = "CH"}, VK::InRegion, IR::None, false, kRegion},
      {"greece_is_GR", {.cc = "GR"}, VK::InRegion, IR::None, false, kRegion},
      {"deny_inside_group", {.cc = "HU"}, VK::OutOfRegion, IR::None, true, kRegion},
      {"outside_region", {.cc = "US"}, VK::OutOfRegion, IR::None, true, kRegion},
      {"eea_not_eu_is_outside", {.cc = "NO"}, VK::OutOfRegion, IR::None, true, kRegion},
      {"uk_outside_eu", {.cc = "GB"}, VK::OutOfRegion, IR::None, true, kRegion},
      // Who opened the flow does not matter: a local server answering a client abroad.
      {"server_answering_abroad", {.cc = "US", .initiatorLocal = false}, VK::OutOfRegion,
       IR::None, true, kRegion},
      {"below_min_bytes_out", {.cc = "US", .bytesOut = 0}, VK::OutOfRegion, IR::None, false,
       kRegion},
      {"ipv6_outside", {.cc = "JP", .ip = "2a00:1450::1"}, VK::OutOfRegion, IR::None, true,
       kRegion},

      // App policies replace the region for their app.
      {"app_allows_what_region_does_not", {.cc = "US", .app = "TikTok"}, VK::InRegion, IR::None,
       false, kTikTok},
      {"app_denies_what_region_allows", {.cc = "DE", .app = "TikTok"}, VK::OutOfRegion, IR::None,
       true, kTikTok},
      {"app_deny_narrows_region", {.cc = "NL", .app = "Zoom"}, VK::OutOfRegion, IR::None, true,
       kZoom},
      {"app_deny_keeps_rest_of_region", {.cc = "FR", .app = "Zoom"}, VK::InRegion, IR::None,
       false, kZoom},
      {"app_inherits_region_deny", {.cc = "HU", .app = "Zoom"}, VK::OutOfRegion, IR::None, true,
       kZoom},
      {"other_app_uses_region", {.cc = "US", .app = "Slack"}, VK::OutOfRegion, IR::None, true,
       kRegion},

      // Exceptions, first match in file order.
      {"ignore_range", {.cc = "US", .ip = "203.0.113.9", .cls = AddrClass::Documentation},
       VK::Ignored, IR::None, false, "ignore range 203.0.113.0/24: our CDN"},
      {"ignore_range_v6", {.cc = "US", .ip = "2001:db8:cafe::7", .cls = AddrClass::Documentation},
       VK::Ignored, IR::None, false, "ignore range 2001:db8:cafe::/48: lab v6"},
      {"ignore_asn", {.cc = "US", .asn = 64500}, VK::Ignored, IR::None, false,
       "ignore asn 64500: partner network"},
      {"ignore_domain_exact", {.cc = "US", .host = "example.com"}, VK::Ignored, IR::None, false,
       "ignore domain example.com: our own site"},
      {"ignore_domain_below_any_case", {.cc = "US", .host = "Cdn.EXAMPLE.com."}, VK::Ignored,
       IR::None, false, "ignore domain example.com: our own site"},
      {"ignore_domain_not_mid_label", {.cc = "US", .host = "badexample.com"}, VK::OutOfRegion,
       IR::None, true, kRegion},
      {"ignore_domain_not_as_prefix", {.cc = "US", .host = "example.com.evil.net"},
       VK::OutOfRegion, IR::None, true, kRegion},
      {"ignore_domain_by_registrable", {.cc = "US", .regDomain = "example.com"}, VK::Ignored,
       IR::None, false, "ignore domain example.com: our own site"},
      {"ignore_app", {.cc = "US", .app = "Backup"}, VK::Ignored, IR::None, false,
       "ignore app Backup: backups go to the US by contract"},
      {"ignore_beats_unknown_country", {.cc = "", .asn = 64500, .flags = GeoInfo::kLookedUp},
       VK::Ignored, IR::None, false, "ignore asn 64500: partner network"},

      // Unknown country: alerts by default, never silence.
      {"unknown_country", {.cc = "", .flags = GeoInfo::kLookedUp}, VK::Indeterminate,
       IR::UnknownCountry, true, kRegion},
      {"legacy_continent_code_is_unknown", {.cc = "EU"}, VK::Indeterminate, IR::UnknownCountry,
       true, kRegion},
      {"unknown_country_app_rule", {.cc = "", .app = "TikTok", .flags = GeoInfo::kLookedUp},
       VK::Indeterminate, IR::UnknownCountry, true, kTikTok},
      {"unknown_country_no_bytes_yet", {.cc = "", .flags = GeoInfo::kLookedUp, .bytesOut = 0},
       VK::Indeterminate, IR::UnknownCountry, false, kRegion},

      // Anycast: reported, not alerted, by default, wherever the DB places it.
      {"anycast_inside", {.cc = "DE", .flags = kLooked | GeoInfo::kAnycast}, VK::Indeterminate,
       IR::Anycast, false, kRegion},
      {"anycast_outside", {.cc = "US", .flags = kLooked | GeoInfo::kAnycast}, VK::Indeterminate,
       IR::Anycast, false, kRegion},

      // Located and registered countries.
      {"registered_across_border", {.cc = "DE", .reg = "US"}, VK::Indeterminate,
       IR::RegisteredCountryDiffers, false, kRegion},
      {"registered_across_border_inward", {.cc = "US", .reg = "IE"}, VK::Indeterminate,
       IR::RegisteredCountryDiffers, false, kRegion},
      {"registered_same_side_inside", {.cc = "DE", .reg = "FR"}, VK::InRegion, IR::None, false,
       kRegion},
      {"registered_same_side_outside", {.cc = "US", .reg = "GB"}, VK::OutOfRegion, IR::None,
       true, kRegion},
      {"registered_border_is_the_apps", {.cc = "US", .reg = "DE", .app = "TikTok"},
       VK::Indeterminate, IR::RegisteredCountryDiffers, false, kTikTok},

      // A stale database makes an in-region verdict indeterminate, never an out-of-region one.
      {"stale_inside", {.cc = "DE", .stale = true}, VK::Indeterminate, IR::DatabaseStale, false,
       kRegion},
      {"stale_outside_still_alerts", {.cc = "US", .stale = true}, VK::OutOfRegion, IR::None, true,
       kRegion},

      // Hidden names: only apps under policy (default scope app_policy).
      {"hidden_name_policy_app", {.cc = "US", .app = "TikTok", .hidden = true}, VK::Indeterminate,
       IR::HiddenName, true, kTikTok},
      {"hidden_name_other_app", {.cc = "DE", .app = "Slack", .hidden = true}, VK::InRegion,
       IR::None, false, kRegion},
      {"hidden_name_no_app", {.cc = "DE", .hidden = true}, VK::InRegion, IR::None, false, kRegion},
      {"hidden_name_outside_still_out", {.cc = "DE", .app = "TikTok", .hidden = true},
       VK::OutOfRegion, IR::None, true, kTikTok},
      {"hidden_name_before_stale", {.cc = "US", .app = "TikTok", .hidden = true, .stale = true},
       VK::Indeterminate, IR::HiddenName, true, kTikTok},

      // Special-purpose and local addresses never alert, even with a country attached.
      {"private", {.cc = "US", .ip = "192.168.1.1", .cls = AddrClass::Private, .flags = 0},
       VK::Special, IR::None, false, "special-purpose address (private)"},
      {"documentation_not_looked_up",
       {.cc = "", .ip = "198.51.100.7", .cls = AddrClass::Documentation, .flags = 0}, VK::Special,
       IR::None, false, "special-purpose address (documentation)"},
      {"documentation_with_stray_country",
       {.cc = "US", .ip = "198.51.100.7", .cls = AddrClass::Documentation, .flags = 0},
       VK::Special, IR::None, false, "special-purpose address (documentation)"},
      {"documentation_looked_up_is_judged",
       {.cc = "US", .ip = "198.51.100.7", .cls = AddrClass::Documentation}, VK::OutOfRegion,
       IR::None, true, kRegion},
      {"multicast", {.cc = "", .ip = "ff02::1", .cls = AddrClass::Multicast, .flags = 0},
       VK::Special, IR::None, false, "special-purpose address (multicast)"},
      {"remote_in_local_networks", {.cc = "US", .remoteLocal = true}, VK::Special, IR::None, false,
       "local network (remote end in local_networks)"},
  };
  return c;
}

class PolicyTable : public ::testing::TestWithParam<Case> {};

TEST_P(PolicyTable, Verdict) {
  static const Policy policy = [] {
    auto p = parsePolicy(kPolicy, "policy.toml");
    EXPECT_TRUE(p) << p.error().message;
    return p ? std::move(p).value() : Policy();
  }();
  const Case& c = GetParam();
  const Verdict v = policy.evaluate(facts(c.flow));
  EXPECT_EQ(verdictKindName(v.kind), verdictKindName(c.kind));
  EXPECT_EQ(indeterminateReasonName(v.reason), indeterminateReasonName(c.reason));
  EXPECT_EQ(v.shouldAlert, c.alert);
  EXPECT_EQ(v.rule, c.rule);
  // Alerting without reaching min_bytes_out only ever differs in shouldAlert.
  if (v.shouldAlert) {
    EXPECT_TRUE(v.alerting);
  }
  const bool alerting = c.kind == VK::OutOfRegion ||
                        (c.kind == VK::Indeterminate && policy.alertsOn(c.reason));
  EXPECT_EQ(v.alerting, alerting);
}

INSTANTIATE_TEST_SUITE_P(Cases, PolicyTable, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& row) { return std::string(row.param.name); });

// A verdict with its rule copied out: the Verdict's view dies with the policy.
struct Judged {
  VK kind = VK::InRegion;
  IR reason = IR::None;
  bool alerting = false;
  bool shouldAlert = false;
  std::string rule;
};

Judged judge(const char* text, const F& f) {
  auto p = parsePolicy(text, "p.toml");
  EXPECT_TRUE(p) << p.error().message;
  if (!p) return {};
  const Verdict v = p->evaluate(facts(f));
  return {v.kind, v.reason, v.alerting, v.shouldAlert, std::string(v.rule)};
}

TEST(PolicyEval, UnknownCountryIgnoreStillIndeterminate) {
  const Judged v = judge("[region]\nallow = [\"EU\"]\nunknown_country = \"ignore\"\n",
                          {.cc = "", .flags = GeoInfo::kLookedUp});
  EXPECT_EQ(v.kind, VK::Indeterminate);
  EXPECT_EQ(v.reason, IR::UnknownCountry);
  EXPECT_FALSE(v.alerting);
  EXPECT_FALSE(v.shouldAlert);
}

TEST(PolicyEval, AlertOnEveryReason) {
  const char* text = R"(
[region]
allow = ["EU"]
[indeterminate]
alert_on = ["unknown_country", "anycast", "registered_country_differs", "database_stale", "hidden_name"]
hidden_name_scope = "all"
)";
  EXPECT_TRUE(judge(text, {.flags = kLooked | GeoInfo::kAnycast}).shouldAlert);
  EXPECT_TRUE(judge(text, {.reg = "US"}).shouldAlert);
  EXPECT_TRUE(judge(text, {.stale = true}).shouldAlert);
  const Judged hidden = judge(text, {.hidden = true});
  EXPECT_EQ(hidden.reason, IR::HiddenName);
  EXPECT_TRUE(hidden.shouldAlert);
}

TEST(PolicyEval, AlertOnNothing) {
  const char* text = "[region]\nallow = [\"EU\"]\n[indeterminate]\nalert_on = []\n";
  const Judged v = judge(text, {.cc = "", .flags = GeoInfo::kLookedUp});
  EXPECT_EQ(v.reason, IR::UnknownCountry);
  EXPECT_FALSE(v.shouldAlert);
  // Out of region alerts whatever alert_on says.
  EXPECT_TRUE(judge(text, {.cc = "US"}).shouldAlert);
}

TEST(PolicyEval, HiddenNameScopes) {
  const char* apps = "[region]\nallow = [\"EU\"]\n[indeterminate]\nhidden_name_scope = \"apps\"\n";
  EXPECT_EQ(judge(apps, {.app = "Slack", .hidden = true}).reason, IR::HiddenName);
  EXPECT_EQ(judge(apps, {.hidden = true}).kind, VK::InRegion);
  const char* all = "[region]\nallow = [\"EU\"]\n[indeterminate]\nhidden_name_scope = \"all\"\n";
  const Judged v = judge(all, {.hidden = true});
  EXPECT_EQ(v.reason, IR::HiddenName);
  EXPECT_TRUE(v.shouldAlert);
}

TEST(PolicyEval, MinBytesOut) {
  const char* text = "[region]\nallow = [\"EU\"]\n[policy]\nmin_bytes_out = 1500\n";
  Judged v = judge(text, {.cc = "US", .bytesOut = 1499});
  EXPECT_EQ(v.kind, VK::OutOfRegion);
  EXPECT_TRUE(v.alerting);
  EXPECT_FALSE(v.shouldAlert);
  EXPECT_TRUE(judge(text, {.cc = "US", .bytesOut = 1500}).shouldAlert);
}

TEST(PolicyEval, NoPolicyAtAll) {
  const Policy empty;
  const Verdict v = empty.evaluate(facts({.cc = "US"}));
  EXPECT_EQ(v.kind, VK::InRegion);
  EXPECT_EQ(v.rule, "no policy");
  EXPECT_FALSE(v.alerting);
  // Even without a policy, special addresses are special.
  EXPECT_EQ(empty.evaluate(facts({.ip = "10.0.0.1", .cls = AddrClass::Private, .flags = 0})).kind,
            VK::Special);
}

TEST(PolicyEval, AppPolicyWithoutRegion) {
  const char* text = "[[app_policy]]\napp = \"TikTok\"\nallow = [\"US\", \"CA\"]\n";
  EXPECT_EQ(judge(text, {.cc = "DE", .app = "TikTok"}).kind, VK::OutOfRegion);
  EXPECT_EQ(judge(text, {.cc = "CA", .app = "TikTok"}).kind, VK::InRegion);
  const Judged other = judge(text, {.cc = "CN", .app = "Slack"});
  EXPECT_EQ(other.kind, VK::InRegion);
  EXPECT_EQ(other.rule, "no policy");
}

TEST(PolicyEval, BoundToCatalogMatchesById) {
  std::vector<AppRule> rules(3);
  rules[0].name = "Slack";
  rules[0].domains = {"slack.com"};
  rules[1].name = "TikTok";
  rules[1].domains = {"tiktok.com"};
  rules[2].name = "Backup";
  rules[2].domains = {"backup.example.net"};
  auto cat = AppCatalog::build(rules);
  ASSERT_TRUE(cat) << cat.error().message;
  PolicyParseOptions opt;
  opt.catalog = &cat.value();
  auto p = parsePolicy(kPolicy, "policy.toml", opt);
  // Zoom is not in this catalog.
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message,
            "policy.toml:11:7: app_policy 'Zoom': app \"Zoom\" is not in the app catalog "
            "(expected the name of an app in the catalog, spelt as there)");

  auto ok = parsePolicy("[region]\nallow = [\"EU\"]\n[[app_policy]]\napp = \"TikTok\"\n"
                        "allow = [\"US\"]\n[[ignore]]\napp = \"Backup\"\nreason = \"ok\"\n",
                        "p.toml", opt);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_TRUE(ok->boundToCatalog());
  FlowFacts f = facts({.cc = "US"});
  f.app = cat->find("TikTok");
  f.appName = "";  // bound: the id decides, not the name
  EXPECT_EQ(ok->evaluate(f).kind, VK::InRegion);
  f.app = cat->find("Slack");
  f.appName = "TikTok";
  EXPECT_EQ(ok->evaluate(f).kind, VK::OutOfRegion);
  f.app = cat->find("Backup");
  EXPECT_EQ(ok->evaluate(f).kind, VK::Ignored);
  f.app = AppId(999);  // out of range: no app policy, no crash
  EXPECT_EQ(ok->evaluate(f).kind, VK::OutOfRegion);
}

TEST(PolicyEval, IgnoreFirstMatchInFileOrder) {
  const char* text = R"(
[region]
allow = ["EU"]
[[ignore]]
asn = 64501
reason = "first"
[[ignore]]
range = "185.0.0.0/8"
reason = "second"
)";
  EXPECT_EQ(judge(text, {.cc = "US", .asn = 64501}).rule, "ignore asn 64501: first");
  EXPECT_EQ(judge(text, {.cc = "US", .asn = 1}).rule, "ignore range 185.0.0.0/8: second");
}

}  // namespace
}  // namespace egressmon
